import { describe, expect, it } from "vitest";
import { interpolateEnv, loadConfig } from "../../src/config";
import { ConfigError, type ConfigProblem } from "../../src/errors";
import { problemsOf, testGateway } from "../fixtures/gateways";
import { remoteUrl, uniqueId } from "../helpers";

describe("invalid config", () => {
  const invalid = {
    remots: [],
    remotes: [
      { name: "Bad-Name", url: "ftp://example.com/graphql" },
      { name: "ok", url: "http://127.0.0.1:1/graphql", timeoutMs: -5, forwardClientHeaders: "all" },
      { name: "ok", url: "http://127.0.0.1:1/graphql", customization: { typeNames: { prefix: "bad-prefix" } } },
    ],
    cors: { origins: "*", credentials: true },
    services: [{ name: "ok", url: "http://127.0.0.1:1", endpoints: {} }],
  };

  it("fails every request with 500 and lists each problem with its JSON path", async () => {
    const gw = testGateway(uniqueId(), invalid);
    for (const path of ["/graphql?query={__typename}", "/healthz", "/admin/remotes"]) {
      const problems = await problemsOf(await gw.fetch(path));
      const paths = problems.map((p) => p.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          "$",
          "$.remotes[0].name",
          "$.remotes[0].url",
          "$.remotes[1].timeoutMs",
          "$.remotes[1].forwardClientHeaders",
          "$.remotes[2].customization.typeNames.prefix",
          "$.remotes[2].name",
          "$.cors.origins",
          "$.services[0].name",
        ]),
      );
      expect(problems.find((p) => p.path === "$")?.message).toContain("remots");
      expect(problems.find((p) => p.path === "$.remotes[0].name")?.message).toContain("[a-z][a-z0-9_]*");
      expect(problems.find((p) => p.path === "$.remotes[0].url")?.message).toContain("http(s) URL");
      expect(problems.find((p) => p.path === "$.remotes[2].name")?.message).toContain('duplicate remote name "ok"');
      expect(problems.find((p) => p.path === "$.services[0].name")?.message).toContain(
        'service name "ok" collides with a remote\'s name',
      );
    }
  });

  it("names a missing {{env.X}} variable and where it is referenced", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [{ name: "a", url: "{{env.NOPE_URL}}", headers: { authorization: "Bearer {{ env.NOPE_TOKEN }}" } }],
    });
    const problems = await problemsOf(await gw.fetch("/graphql?query={__typename}"));
    expect(problems).toEqual([
      { path: "$.remotes[0].url", message: expect.stringContaining("environment variable NOPE_URL is not set") },
      {
        path: "$.remotes[0].headers.authorization",
        message: expect.stringContaining("environment variable NOPE_TOKEN is not set"),
      },
    ]);
  });

  it("checks values after interpolation: a variable holding a bad URL is an error", async () => {
    const gw = testGateway(
      uniqueId(),
      { remotes: [{ name: "a", url: "{{env.BAD_URL}}" }] },
      { env: { BAD_URL: "not a url" } },
    );
    const problems = await problemsOf(await gw.fetch("/healthz"));
    expect(problems).toEqual([{ path: "$.remotes[0].url", message: "must be an absolute http(s) URL" }]);
  });

  it("loadConfig throws ConfigError; defaults are applied", () => {
    expect(() => loadConfig({ remotes: [{ name: "x" }] }, {})).toThrow(ConfigError);
    const config = loadConfig({ remotes: [{ name: "x", url: "https://x.example/graphql" }] }, {});
    expect(config.graphiql).toBe(true);
    expect(config.remotes[0]).toEqual({
      name: "x",
      url: "https://x.example/graphql",
      headers: {},
      uploads: "reference",
      forwardClientHeaders: [],
      timeoutMs: 10_000,
      gatewayToken: true,
      subscriptions: { transport: "sse", share: "session", reconnectWithinMs: 30_000, reestablishAfterMs: 600_000 },
    });
    expect(config.services).toEqual([]);
    expect(config.gatewayToken).toEqual({ issuer: "junction", ttlSec: 60 });
  });
});

describe("{{env.X}} interpolation", () => {
  it("replaces references anywhere in strings, deeply", () => {
    const problems: ConfigProblem[] = [];
    const out = interpolateEnv(
      { a: ["x-{{env.A}}-{{env.B}}"], b: { c: "{{env.A}}" }, n: 3 },
      { A: "1", B: 2 },
      problems,
    );
    expect(problems).toEqual([]);
    expect(out).toEqual({ a: ["x-1-2"], b: { c: "1" }, n: 3 });
  });

  it("sends interpolated secrets as headers to the remote", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: [{ name: "accounts", url: "{{env.ACCOUNTS_URL}}", headers: { "x-api-key": "Key {{env.API_KEY}}" } }] },
      { env: { ACCOUNTS_URL: remoteUrl(id, "accounts"), API_KEY: "s3cret" } },
    );
    const { body } = await gw.graphql("{ requestHeaders }");
    expect(body.errors).toBeUndefined();
    expect(JSON.parse(body.data?.requestHeaders as string)["x-api-key"]).toBe("Key s3cret");
  });
});
