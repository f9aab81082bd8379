/**
 * Validation of the `auth` section (README "Authentication, roles and permissions"): every problem fails each request with 500
 * INVALID_CONFIG and names its JSON path; a valid section starts.
 */
import { describe, expect, it } from "vitest";
import type { ConfigProblem } from "../../src/errors";
import { createTestGateway, remoteUrl, uniqueId } from "../helpers";

const SECRET_32 = "0123456789abcdef0123456789abcdef";

async function problemsOf(res: Response): Promise<ConfigProblem[]> {
  const text = await res.text();
  expect(res.status, text).toBe(500);
  const body = JSON.parse(text) as { error: { code: string; message: string; problems: ConfigProblem[] } };
  expect(body.error.code).toBe("INVALID_CONFIG");
  return body.error.problems;
}

/** A config with one remote and the `auth` section given (and `more` at the top level). */
function configWith(auth: unknown, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    remotes: [{ name: "accounts", url: remoteUrl(uniqueId(), "accounts") }],
    ...(auth === undefined ? {} : { auth }),
    ...more,
  };
}

/** The problems of a gateway with `config`, asserted through /healthz and /graphql. */
async function problemsFor(config: unknown, env: Record<string, unknown> = {}): Promise<ConfigProblem[]> {
  const gw = createTestGateway(config, {}, env);
  const viaGraphql = await problemsOf(await gw.fetch("/graphql?query={__typename}"));
  const viaHealth = await problemsOf(await gw.fetch("/healthz"));
  expect(viaHealth).toEqual(viaGraphql);
  return viaGraphql;
}

const pathsOf = (problems: ConfigProblem[]): string[] => problems.map((p) => p.path);

describe("auth.jwt.algorithms", () => {
  it("is required", async () => {
    const problems = await problemsFor(configWith({ jwt: { secret: SECRET_32 } }));
    expect(pathsOf(problems)).toContain("$.auth.jwt.algorithms");
  });

  it("must not be empty", async () => {
    const problems = await problemsFor(configWith({ jwt: { secret: SECRET_32, algorithms: [] } }));
    expect(pathsOf(problems)).toContain("$.auth.jwt.algorithms");
  });

  it('rejects "none" (the only problem reported is about it)', async () => {
    const problems = await problemsFor(configWith({ jwt: { secret: SECRET_32, algorithms: ["HS256", "none"] } }));
    expect(problems).toHaveLength(1);
    expect((problems[0] as ConfigProblem).path).toMatch(/^\$\.auth\.jwt\.algorithms(\[1\])?$/);
  });

  it("rejects an unknown algorithm name", async () => {
    const problems = await problemsFor(configWith({ jwt: { secret: SECRET_32, algorithms: ["HS257"] } }));
    expect(problems).toHaveLength(1);
    expect((problems[0] as ConfigProblem).path).toMatch(/^\$\.auth\.jwt\.algorithms(\[0\])?$/);
  });
});

describe("auth.jwt.secret", () => {
  it("rejects a literal secret shorter than 32 characters", async () => {
    const problems = await problemsFor(configWith({ jwt: { secret: SECRET_32.slice(1), algorithms: ["HS256"] } }));
    expect(pathsOf(problems)).toEqual(["$.auth.jwt.secret"]);
  });

  it("rejects a short secret that comes from {{env.X}} (checked after interpolation)", async () => {
    const problems = await problemsFor(configWith({ jwt: { secret: "{{env.JWT_SECRET}}", algorithms: ["HS256"] } }), {
      JWT_SECRET: "too-short",
    });
    expect(pathsOf(problems)).toEqual(["$.auth.jwt.secret"]);
  });

  it("names a missing {{env.X}} secret at its path", async () => {
    const problems = await problemsFor(
      configWith({ jwt: { secret: "{{env.NO_SUCH_JWT_SECRET}}", algorithms: ["HS256"] } }),
    );
    expect(problems).toEqual([
      { path: "$.auth.jwt.secret", message: expect.stringContaining("NO_SUCH_JWT_SECRET is not set") },
    ]);
  });

  it("accepts a 32-character secret, literal or from {{env.X}}", async () => {
    for (const [secret, env] of [
      [SECRET_32, {}],
      ["{{env.JWT_SECRET}}", { JWT_SECRET: SECRET_32 }],
    ] as const) {
      const gw = createTestGateway(configWith({ jwt: { secret, algorithms: ["HS256"] } }), {}, env);
      const res = await gw.fetch("/healthz");
      expect(res.status, await res.text()).toBe(200);
    }
  });
});

describe("auth.jwt keys and unknown keys", () => {
  it("needs jwksUrl or secret", async () => {
    const problems = await problemsFor(configWith({ jwt: { algorithms: ["RS256"] } }));
    expect(problems).toHaveLength(1);
    expect(["$.auth.jwt", "$.auth.jwt.jwksUrl", "$.auth.jwt.secret"]).toContain((problems[0] as ConfigProblem).path);
  });

  it("rejects an unknown key in auth.jwt and in auth, naming it", async () => {
    const jwt = await problemsFor(configWith({ jwt: { secret: SECRET_32, algorithms: ["HS256"], issuers: "x" } }));
    expect(jwt).toHaveLength(1);
    expect(jwt[0]).toEqual({ path: "$.auth.jwt", message: expect.stringContaining("issuers") });

    const auth = await problemsFor(
      configWith({ jwt: { secret: SECRET_32, algorithms: ["HS256"] }, unauthenticatedrole: "anonymous" }),
    );
    expect(auth).toHaveLength(1);
    expect(auth[0]).toEqual({ path: "$.auth", message: expect.stringContaining("unauthenticatedrole") });
  });

  it("reports several problems of one auth section together, each at its path", async () => {
    const problems = await problemsFor(
      configWith({ jwt: { secret: "short", algorithms: ["none"], jwksUrl: "ftp://keys.example/jwks" } }),
    );
    const paths = pathsOf(problems);
    expect(paths).toContain("$.auth.jwt.secret");
    expect(paths).toContain("$.auth.jwt.jwksUrl");
    expect(paths.some((path) => /^\$\.auth\.jwt\.algorithms(\[0\])?$/.test(path))).toBe(true);
  });
});

describe("permissions", () => {
  it("without auth is rejected at $.permissions", async () => {
    const problems = await problemsFor(
      configWith(undefined, { permissions: { user: { accounts: "type Query { me: User } type User { id: ID! }" } } }),
    );
    expect(pathsOf(problems)).toEqual(["$.permissions"]);
  });

  it("with auth is accepted", async () => {
    const gw = createTestGateway(
      configWith(
        { jwt: { secret: SECRET_32, algorithms: ["HS256"] } },
        { permissions: { user: { accounts: "type Query { me: User } type User { id: ID! }" } } },
      ),
    );
    const res = await gw.fetch("/healthz");
    expect(res.status, await res.text()).toBe(200);
  });
});
