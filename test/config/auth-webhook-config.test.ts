/**
 * Validation of `auth.webhook` (docs/auth.md "Webhook authentication"): every problem fails each request with
 * 500 INVALID_CONFIG naming its JSON path; a valid section starts, its url read from {{env.X}}.
 */
import { describe, expect, it } from "vitest";
import type { ConfigProblem } from "../../src/errors";
import { post, problemsOf, receivedHeaders, testGateway } from "../fixtures/gateways";
import { hookStats, hookUrl, uniqueId } from "../helpers";

/** The problems of a gateway with one remote (accounts) and `spec`, asserted through /healthz and /graphql. */
async function problemsFor(spec: Record<string, unknown>, env: Record<string, unknown> = {}): Promise<ConfigProblem[]> {
  const gw = testGateway(uniqueId(), { remotes: ["accounts"], ...spec }, { env });
  const viaGraphql = await problemsOf(await gw.fetch("/graphql?query={__typename}"));
  expect(await problemsOf(await gw.fetch("/healthz"))).toEqual(viaGraphql);
  return viaGraphql;
}

const pathsOf = (problems: ConfigProblem[]): string[] => problems.map((p) => p.path);
const HOOK = "http://127.0.0.1:9/hook";

describe("auth.webhook", () => {
  it("is exclusive with auth.jwt", async () => {
    const problems = await problemsFor({
      auth: { jwt: { secret: "0123456789abcdef0123456789abcdef", algorithms: ["HS256"] }, webhook: { url: HOOK } },
    });
    expect(pathsOf(problems)).toEqual(["$.auth.webhook"]);
    expect(problems[0]?.message).toMatch(/jwt or webhook/);
  });

  it("refuses unauthenticatedRole, which the hook decides instead", async () => {
    const problems = await problemsFor({ auth: { webhook: { url: HOOK }, unauthenticatedRole: "anonymous" } });
    expect(pathsOf(problems)).toEqual(["$.auth.unauthenticatedRole"]);
    expect(problems[0]?.message).toMatch(/no effect with webhook/);
  });

  it.each([
    ["url is required", {}, "$.auth.webhook.url"],
    ["url must be an absolute http(s) URL", { url: "not a url" }, "$.auth.webhook.url"],
    ["url must not be ftp", { url: "ftp://hooks.example/auth" }, "$.auth.webhook.url"],
    ["method is GET or POST", { url: HOOK, method: "PUT" }, "$.auth.webhook.method"],
    ["timeoutMs is positive", { url: HOOK, timeoutMs: 0 }, "$.auth.webhook.timeoutMs"],
    ["maxCacheSec is at most a day", { url: HOOK, maxCacheSec: 86_401 }, "$.auth.webhook.maxCacheSec"],
    [
      "forwardHeaders are header names",
      { url: HOOK, forwardHeaders: ["bad header"] },
      /^\$\.auth\.webhook\.forwardHeaders(\[0\])?$/,
    ],
    ["unknown keys are refused", { url: HOOK, mode: "GET" }, /^\$\.auth\.webhook(\.mode)?$/],
  ])("%s", async (_name, webhook, path) => {
    const problems = await problemsFor({ auth: { webhook } });
    expect(problems).toHaveLength(1);
    expect((problems[0] as ConfigProblem).path).toMatch(path);
  });

  it("checks a url from {{env.X}} after interpolation", async () => {
    const problems = await problemsFor(
      { auth: { webhook: { url: "{{env.AUTH_HOOK_URL}}" } } },
      { AUTH_HOOK_URL: "nope" },
    );
    expect(pathsOf(problems)).toEqual(["$.auth.webhook.url"]);
  });

  it("starts with a url from {{env.AUTH_HOOK_URL}} and calls it", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: ["accounts"], auth: { webhook: { url: "{{env.AUTH_HOOK_URL}}" } } },
      { env: { AUTH_HOOK_URL: hookUrl(id) } },
    );
    expect(receivedHeaders(await post(gw, "{ requestHeaders }"))["x-hasura-user-id"]).toBe("42");
    expect((await hookStats(id)).calls).toBe(1);
  });
});
