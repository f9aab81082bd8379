/**
 * Validation of the `auth` section (docs/auth.md "Authentication, roles and permissions"): every problem fails each request with 500
 * INVALID_CONFIG and names its JSON path; a valid section starts.
 */
import { describe, expect, it } from "vitest";
import type { ConfigProblem } from "../../src/errors";
import { problemsOf, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

const SECRET_32 = "0123456789abcdef0123456789abcdef";

/**
 * The problems of a gateway with one remote (accounts) and `spec` (the `auth` section, ...), asserted
 * through /healthz and /graphql.
 */
async function problemsFor(spec: Record<string, unknown>, env: Record<string, unknown> = {}): Promise<ConfigProblem[]> {
  const gw = testGateway(uniqueId(), { remotes: ["accounts"], ...spec }, { env });
  const viaGraphql = await problemsOf(await gw.fetch("/graphql?query={__typename}"));
  const viaHealth = await problemsOf(await gw.fetch("/healthz"));
  expect(viaHealth).toEqual(viaGraphql);
  return viaGraphql;
}

const pathsOf = (problems: ConfigProblem[]): string[] => problems.map((p) => p.path);

describe("auth.jwt.algorithms", () => {
  it.each([
    ["is required", { secret: SECRET_32 }],
    ["must not be empty", { secret: SECRET_32, algorithms: [] }],
  ])("%s", async (_name, jwt) => {
    const problems = await problemsFor({ auth: { jwt } });
    expect(pathsOf(problems)).toContain("$.auth.jwt.algorithms");
  });

  it.each([
    [
      'rejects "none" (the only problem reported is about it)',
      ["HS256", "none"],
      /^\$\.auth\.jwt\.algorithms(\[1\])?$/,
    ],
    ["rejects an unknown algorithm name", ["HS257"], /^\$\.auth\.jwt\.algorithms(\[0\])?$/],
  ])("%s", async (_name, algorithms, path) => {
    const problems = await problemsFor({ auth: { jwt: { secret: SECRET_32, algorithms } } });
    expect(problems).toHaveLength(1);
    expect((problems[0] as ConfigProblem).path).toMatch(path);
  });
});

describe("auth.jwt.secret", () => {
  it.each([
    ["rejects a literal secret shorter than 32 characters", SECRET_32.slice(1), {}],
    [
      "rejects a short secret that comes from {{env.X}} (checked after interpolation)",
      "{{env.JWT_SECRET}}",
      { JWT_SECRET: "too-short" },
    ],
  ])("%s", async (_name, secret, env) => {
    const problems = await problemsFor({ auth: { jwt: { secret, algorithms: ["HS256"] } } }, env);
    expect(pathsOf(problems)).toEqual(["$.auth.jwt.secret"]);
  });

  it("names a missing {{env.X}} secret at its path", async () => {
    const problems = await problemsFor({
      auth: { jwt: { secret: "{{env.NO_SUCH_JWT_SECRET}}", algorithms: ["HS256"] } },
    });
    expect(problems).toEqual([
      { path: "$.auth.jwt.secret", message: expect.stringContaining("NO_SUCH_JWT_SECRET is not set") },
    ]);
  });

  it("accepts a 32-character secret, literal or from {{env.X}}", async () => {
    for (const [secret, env] of [
      [SECRET_32, {}],
      ["{{env.JWT_SECRET}}", { JWT_SECRET: SECRET_32 }],
    ] as const) {
      const gw = testGateway(
        uniqueId(),
        { remotes: ["accounts"], auth: { jwt: { secret, algorithms: ["HS256"] } } },
        { env },
      );
      const res = await gw.fetch("/healthz");
      expect(res.status, await res.text()).toBe(200);
    }
  });
});

describe("auth.jwt keys and unknown keys", () => {
  it("needs jwksUrl or secret", async () => {
    const problems = await problemsFor({ auth: { jwt: { algorithms: ["RS256"] } } });
    expect(problems).toHaveLength(1);
    expect(["$.auth.jwt", "$.auth.jwt.jwksUrl", "$.auth.jwt.secret"]).toContain((problems[0] as ConfigProblem).path);
  });

  it("rejects an unknown key in auth.jwt and in auth, naming it", async () => {
    const jwt = await problemsFor({ auth: { jwt: { secret: SECRET_32, algorithms: ["HS256"], issuers: "x" } } });
    expect(jwt).toHaveLength(1);
    expect(jwt[0]).toEqual({ path: "$.auth.jwt", message: expect.stringContaining("issuers") });

    const auth = await problemsFor({
      auth: { jwt: { secret: SECRET_32, algorithms: ["HS256"] }, unauthenticatedrole: "anonymous" },
    });
    expect(auth).toHaveLength(1);
    expect(auth[0]).toEqual({ path: "$.auth", message: expect.stringContaining("unauthenticatedrole") });
  });

  it("reports several problems of one auth section together, each at its path", async () => {
    const problems = await problemsFor({
      auth: { jwt: { secret: "short", algorithms: ["none"], jwksUrl: "ftp://keys.example/jwks" } },
    });
    const paths = pathsOf(problems);
    expect(paths).toContain("$.auth.jwt.secret");
    expect(paths).toContain("$.auth.jwt.jwksUrl");
    expect(paths.some((path) => /^\$\.auth\.jwt\.algorithms(\[0\])?$/.test(path))).toBe(true);
  });
});

describe("permissions", () => {
  it("without auth is rejected at $.permissions", async () => {
    const problems = await problemsFor({
      permissions: { user: { accounts: "type Query { me: User } type User { id: ID! }" } },
    });
    expect(pathsOf(problems)).toEqual(["$.permissions"]);
  });

  it("with auth is accepted", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      auth: { jwt: { secret: SECRET_32, algorithms: ["HS256"] } },
      permissions: { user: { accounts: "type Query { me: User } type User { id: ID! }" } },
    });
    const res = await gw.fetch("/healthz");
    expect(res.status, await res.text()).toBe(200);
  });
});
