/**
 * Bad input at the gateway's door (docs/auth.md "Authentication, roles and permissions"): every malformed header, bad
 * token, bad claim set, disallowed role, forged session header, wrong admin secret and missing token
 * answers with its HTTP status and error code in a GraphQL-shaped body without a stack, and never
 * reaches the upstream.
 */
import { exportSPKI, type JWTPayload } from "jose";
import { describe, expect, it } from "vitest";
import {
  bearer,
  HS_SECRET,
  hsJwt,
  jwksAuth,
  post,
  type Received,
  receivedHeaders,
  testGateway,
  upstreamHeaders,
} from "../fixtures/gateways";
import { type GraphQLBody, restStats, stats, type TestGateway, uniqueId } from "../helpers";
import {
  expectAuthFailure,
  hasuraClaims,
  jwksControl,
  keyPair,
  NS,
  nowSec,
  payload,
  sign,
  signWith,
  sleep,
  unsecuredToken,
} from "./jwt-helpers";

const ISSUER = "https://issuer.test/";
const AUDIENCE = "junction-app";

/** The JWT section of most tests here: HS256, an issuer, an audience, 60 s of clock tolerance. */
const STRICT = hsJwt({ issuer: ISSUER, audience: AUDIENCE, clockToleranceSec: 60 });

/** A payload that STRICT accepts; `extra` wins. */
const good = (extra: Record<string, unknown> = {}) => payload({ iss: ISSUER, aud: AUDIENCE, ...extra });

/** The gateway of most tests here: test `id`'s accounts remote and STRICT. */
const STRICT_GATEWAY = { remotes: ["accounts"], auth: { jwt: STRICT } };

/** Runs `{ requestHeaders }`, asserts the auth failure and that the accounts upstream ran no operation. */
async function expectRejected(
  id: string,
  gw: TestGateway,
  headers: Record<string, string>,
  status: number,
  code: string,
): Promise<string> {
  const message = expectAuthFailure(await post(gw, "{ requestHeaders }", headers), status, code);
  expect((await stats(id, "accounts")).operations).toBe(0);
  return message;
}

describe("control: the gateway under test accepts a good token", () => {
  it("answers 200 with the session forwarded for a good HS256 token (so the rejections below are about the token)", async () => {
    const id = uniqueId();
    const received = await upstreamHeaders(testGateway(id, STRICT_GATEWAY), bearer(await sign(good())));
    expect(received["x-hasura-user-id"]).toBe("42");
    expect(received["x-hasura-role"]).toBe("user");
  });

  it("accepts the Bearer scheme in any case", async () => {
    const id = uniqueId();
    const token = await sign(good());
    const received = await upstreamHeaders(testGateway(id, STRICT_GATEWAY), { authorization: `bEaReR ${token}` });
    expect(received["x-hasura-user-id"]).toBe("42");
  });
});

describe("malformed Authorization header -> 400 INVALID_AUTHORIZATION_HEADER", () => {
  const cases: Array<[string, (token: string) => string]> = [
    ["a JWT without a scheme", (token) => token],
    ["Bearer without a token", () => "Bearer"],
    ["Bearer with something that is not a JWS compact token", () => "Bearer not-a-jwt"],
    ["two tokens: Bearer a, Bearer b", (token) => `Bearer ${token}, Bearer ${token}`],
    ["Bearer with two space-separated tokens", (token) => `Bearer ${token} ${token}`],
    ["the Basic scheme", () => "Basic dXNlcjpwYXNzd29yZA=="],
    ["another scheme carrying a valid JWT", (token) => `Token ${token}`],
  ];
  it.each(cases)("%s", async (_name, header) => {
    const id = uniqueId();
    const token = await sign(good());
    await expectRejected(
      id,
      testGateway(id, STRICT_GATEWAY),
      { authorization: header(token) },
      400,
      "INVALID_AUTHORIZATION_HEADER",
    );
  });
});

describe("tokens that do not verify -> 401 INVALID_JWT", () => {
  it.each<[string, () => Promise<string>]>([
    [
      "a bad signature (signed with another secret)",
      () => sign(good(), new TextEncoder().encode(`${HS_SECRET}-but-another-one`)),
    ],
    [
      "a payload swapped under a valid signature (role escalation attempt)",
      async () => {
        const [header, , signature] = (await sign(good())).split(".");
        const [, escalated] = (
          await sign(
            good({ [NS]: hasuraClaims({ "x-hasura-allowed-roles": ["admin"], "x-hasura-default-role": "admin" }) }),
          )
        ).split(".");
        return `${header}.${escalated}.${signature}`;
      },
    ],
    ['alg "none" (an unsecured JWT with an empty signature)', async () => unsecuredToken(good())],
    [
      "an algorithm that is not in `algorithms` (HS384 with the right secret)",
      () => sign(good(), new TextEncoder().encode(HS_SECRET), { alg: "HS384" }),
    ],
    ["garbage in JWS compact shape", async () => "aaaa.bbbb.cccc"],
    ["nbf in the future (beyond the clock tolerance)", () => sign(good({ nbf: nowSec() + 600 }))],
    [
      "a missing exp",
      () => {
        const claims = good();
        delete claims.exp;
        return sign(claims);
      },
    ],
    ["a wrong aud", () => sign(good({ aud: "another-app" }))],
  ])("%s", async (_name, token) => {
    const id = uniqueId();
    await expectRejected(id, testGateway(id, STRICT_GATEWAY), bearer(await token()), 401, "INVALID_JWT");
  });

  it("algorithm confusion: HS256 signed with the RSA public key's bytes (PEM and JWK text) is rejected", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "rsa-1");
    await jwksControl(id, { keys: [rsa.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256", "HS256"], { issuer: ISSUER }) });
    // The same gateway accepts the real RS256 token ...
    const ok = await upstreamHeaders(gw, bearer(await signWith(rsa, good())));
    expect(ok["x-hasura-user-id"]).toBe("42");
    const before = (await stats(id, "accounts")).operations;

    // ... but not HS256 tokens keyed with the public key's text, with or without its kid.
    const pem = await exportSPKI(rsa.publicKey);
    const secrets = [pem, `${pem}\n`, JSON.stringify(rsa.publicJwk), rsa.publicJwk.n as string];
    for (const secret of secrets) {
      for (const kid of [rsa.kid, undefined]) {
        const forged = await sign(
          good({ [NS]: hasuraClaims({ "x-hasura-user-id": "1" }) }),
          new TextEncoder().encode(secret),
          {
            alg: "HS256",
            ...(kid ? { kid } : {}),
          },
        );
        expectAuthFailure(await post(gw, "{ requestHeaders }", bearer(forged)), 401, "INVALID_JWT");
      }
    }
    expect((await stats(id, "accounts")).operations).toBe(before);
  });

  it("an unknown kid (a key the JWKS does not hold)", async () => {
    const id = uniqueId();
    const published = await keyPair("RS256", "published");
    const other = await keyPair("RS256", "not-published");
    await jwksControl(id, { keys: [published.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"]) });
    await expectRejected(id, gw, bearer(await signWith(other, good())), 401, "INVALID_JWT");
    // A token signed by the unpublished key but naming the published kid fails too.
    const lying = await sign(good(), other.privateKey, { alg: "RS256", kid: published.kid });
    await expectRejected(id, gw, bearer(lying), 401, "INVALID_JWT");
  });

  it("a wrong iss, and a missing iss when one is required", async () => {
    const id = uniqueId();
    const gw = testGateway(id, STRICT_GATEWAY);
    await expectRejected(id, gw, bearer(await sign(good({ iss: "https://evil.test/" }))), 401, "INVALID_JWT");
    const claims = good();
    delete claims.iss;
    await expectRejected(id, gw, bearer(await sign(claims)), 401, "INVALID_JWT");
  });
});

describe("expiry", () => {
  it.each([
    ["a token expired beyond clockToleranceSec -> 401 JWT_EXPIRED", STRICT, 600],
    [
      "without clockToleranceSec (default 0) the same token is JWT_EXPIRED",
      hsJwt({ issuer: ISSUER, audience: AUDIENCE }),
      10,
    ],
  ])("%s", async (_name, jwt, expiredSec) => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: { jwt } });
    await expectRejected(id, gw, bearer(await sign(good({ exp: nowSec() - expiredSec }))), 401, "JWT_EXPIRED");
  });

  it("a token expired by less than clockToleranceSec is accepted", async () => {
    const id = uniqueId();
    const received = await upstreamHeaders(
      testGateway(id, STRICT_GATEWAY),
      bearer(await sign(good({ exp: nowSec() - 10 }))),
    );
    expect(received["x-hasura-user-id"]).toBe("42");
  });

  it("a token accepted while valid is JWT_EXPIRED once its exp has passed (no verdict outlives exp)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: { jwt: hsJwt({ issuer: ISSUER, audience: AUDIENCE }) } });
    const exp = nowSec() + 2;
    const token = await sign(good({ exp }));
    expect(receivedHeaders(await post(gw, "{ requestHeaders }", bearer(token)))["x-hasura-user-id"]).toBe("42");
    const before = (await stats(id, "accounts")).operations;
    // Bounded: at most ~3 s.
    await sleep(Math.max(0, (exp + 1) * 1000 - Date.now()) + 50);
    expectAuthFailure(await post(gw, "{ requestHeaders }", bearer(token)), 401, "JWT_EXPIRED");
    expect((await stats(id, "accounts")).operations).toBe(before);
  });
});

describe("claims -> 401 INVALID_CLAIMS", () => {
  /** `claims` without the key `key` (a copy). */
  const without = <T extends Record<string, unknown>>(claims: T, key: string): T => {
    const copy = { ...claims };
    delete copy[key];
    return copy;
  };

  it.each<[string, Record<string, unknown>, () => JWTPayload]>([
    ["a missing claims namespace", STRICT, () => without(good(), NS)],
    [
      "claims under another namespace than the configured one",
      STRICT,
      () => without(good({ "https://other.example/claims": hasuraClaims() }), NS),
    ],
    [
      "invalid stringified JSON with claimsFormat stringified_json",
      { ...STRICT, claimsFormat: "stringified_json" },
      () => good({ [NS]: JSON.stringify(hasuraClaims()).slice(0, -3) }),
    ],
    ["missing x-hasura-allowed-roles", STRICT, () => good({ [NS]: without(hasuraClaims(), "x-hasura-allowed-roles") })],
    ["missing x-hasura-default-role", STRICT, () => good({ [NS]: without(hasuraClaims(), "x-hasura-default-role") })],
    [
      "a default role that is not among the allowed roles",
      STRICT,
      () => good({ [NS]: hasuraClaims({ "x-hasura-default-role": "admin" }) }),
    ],
  ])("%s", async (_name, jwt, claims) => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: { jwt } });
    await expectRejected(id, gw, bearer(await sign(claims())), 401, "INVALID_CLAIMS");
  });
});

describe("roles", () => {
  it("an x-hasura-role header outside the token's allowed roles -> 403 ROLE_NOT_ALLOWED", async () => {
    const id = uniqueId();
    const token = await sign(good());
    await expectRejected(
      id,
      testGateway(id, STRICT_GATEWAY),
      { ...bearer(token), "x-hasura-role": "admin" },
      403,
      "ROLE_NOT_ALLOWED",
    );
  });
});

const ECHO_SDL = `
scalar JSON
type Echo { method: String! path: String! query: JSON headers: String! body: String }
extend type Query {
  whoAmI: Echo @rest(service: "svc", endpoint: "whoAmI")
}
`;

describe("forged session headers next to a valid JWT", () => {
  const FORGED = {
    "x-hasura-user-id": "1",
    "x-hasura-org-id": "evil-org",
    "X-Hasura-Allowed-Roles": "admin",
  };

  function expectClaimsOnly(received: Received): void {
    expect(received["x-hasura-user-id"]).toBe("42");
    expect(received["x-hasura-role"]).toBe("user");
    expect(received["x-hasura-org-id"]).toBeUndefined();
    expect(received["x-hasura-allowed-roles"]).toBeUndefined();
  }

  it("a remote receives the claim's x-hasura-user-id, not the client's (forwardClientHeaders: true)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "accounts", forwardClientHeaders: true }], auth: { jwt: STRICT } });
    const received = await upstreamHeaders(gw, {
      ...bearer(await sign(good())),
      ...FORGED,
      "x-visible": "forwarded",
    });
    // forwardClientHeaders: true is in effect: ordinary client headers do arrive.
    expect(received["x-visible"]).toBe("forwarded");
    expectClaimsOnly(received);
    expectClaimsOnly((await stats(id, "accounts")).lastHeaders);
  });

  it("a REST service receives the claim's x-hasura-user-id, not the client's (forwardClientHeaders: true)", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      {
        remotes: ["accounts"],
        auth: { jwt: STRICT },
        services: [
          {
            name: "svc",
            forwardClientHeaders: true,
            endpoints: { whoAmI: { method: "GET", path: "/echo/who" } },
          },
        ],
      },
      { files: { "schemas/echo.graphql": ECHO_SDL } },
    );
    const answer = await post(gw, "{ whoAmI { path headers } }", {
      ...bearer(await sign(good())),
      ...FORGED,
      "x-visible": "forwarded",
    });
    expect(answer.body.errors, answer.text).toBeUndefined();
    expect(answer.status).toBe(200);
    const echo = (answer.body.data as { whoAmI: { path: string; headers: string } }).whoAmI;
    expect(echo.path).toBe("/echo/who");
    const received = JSON.parse(echo.headers) as Received;
    expect(received["x-visible"]).toBe("forwarded");
    expectClaimsOnly(received);
    expect((await restStats(id)).requests).toEqual({ "GET /echo/who": 1 });
  });
});

describe("admin secret", () => {
  it("a wrong x-admin-secret -> 401 UNAUTHORIZED, even next to a valid JWT", async () => {
    const id = uniqueId();
    const gw = testGateway(id, STRICT_GATEWAY);
    await expectRejected(id, gw, { "x-admin-secret": "wrong-secret" }, 401, "UNAUTHORIZED");
    await expectRejected(
      id,
      gw,
      { "x-admin-secret": "wrong-secret", ...bearer(await sign(good())) },
      401,
      "UNAUTHORIZED",
    );
  });

  it("with ADMIN_SECRET unset, any x-admin-secret -> 401 UNAUTHORIZED", async () => {
    const id = uniqueId();
    const gw = testGateway(id, STRICT_GATEWAY, { env: { ADMIN_SECRET: undefined } });
    for (const value of ["undefined", "test-admin-secret", "null"]) {
      await expectRejected(id, gw, { "x-admin-secret": value }, 401, "UNAUTHORIZED");
    }
  });
});

describe("requests without a token", () => {
  it.each([
    ["no token and no unauthenticatedRole -> 401 UNAUTHENTICATED", {}],
    [
      "client session headers without a token do not authenticate -> 401 UNAUTHENTICATED",
      { "x-hasura-role": "user", "x-hasura-user-id": "42" },
    ],
  ])("%s", async (_name, headers) => {
    const id = uniqueId();
    await expectRejected(id, testGateway(id, STRICT_GATEWAY), headers, 401, "UNAUTHENTICATED");
  });

  it("GraphiQL's page loads without a token, but a query sent by GET still needs one", async () => {
    const id = uniqueId();
    const gw = testGateway(id, STRICT_GATEWAY);
    const page = await gw.fetch("/graphql", { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const query = await gw.fetch(`/graphql?query=${encodeURIComponent("{ me { id } }")}`, {
      headers: { accept: "text/html, application/json" },
    });
    expect(query.status).toBe(401);
    expect(((await query.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("no token with unauthenticatedRole runs as that role: x-hasura-role anonymous is forwarded, nothing else", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", forwardClientHeaders: true }],
      auth: { jwt: STRICT, unauthenticatedRole: "anonymous" },
      public: ["Query.requestHeaders"],
    });
    const received = receivedHeaders(await post(gw, "{ requestHeaders }", { "x-hasura-user-id": "7" }));
    expect(received["x-hasura-role"]).toBe("anonymous");
    expect(received["x-hasura-user-id"]).toBeUndefined();
    expect((await stats(id, "accounts")).lastHeaders["x-hasura-role"]).toBe("anonymous");
  });
});
