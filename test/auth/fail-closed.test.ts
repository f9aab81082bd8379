/**
 * Authentication fails closed (docs/security.md, "REST templates and calls fail closed"): claims are
 * read as own properties (a `__proto__` key changes nothing); a claim that cannot be an HTTP header
 * value is INVALID_CLAIMS at authentication; an `iat` in the future is refused; `maxTokenAgeSec`;
 * `jwksUrl` must be https except on loopback; a JWK Set over 64 KB is refused.
 */
import { describe, expect, it } from "vitest";
import {
  bearer,
  hsAuth,
  jwksAuth,
  post,
  type RawAnswer,
  receivedHeaders,
  startupProblems,
  testGateway,
} from "../fixtures/gateways";
import { stats, type TestGateway, uniqueId } from "../helpers";
import {
  expectAuthFailure,
  hasuraClaims,
  jwksControl,
  jwksRequests,
  keyPair,
  NS,
  nowSec,
  payload,
  sign,
  signWith,
} from "./jwt-helpers";

const ask = (gw: TestGateway, token: string): Promise<RawAnswer> => post(gw, "{ requestHeaders }", bearer(token));

describe("claims", () => {
  it("a __proto__ key in the claims namespace lends no claims: roles only under __proto__ are INVALID_CLAIMS", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth() });
    // JSON.parse makes "__proto__" an own key, as a token's payload has it.
    const claims = JSON.parse(
      '{"x-hasura-user-id":"7","__proto__":{"x-hasura-allowed-roles":["admin"],"x-hasura-default-role":"admin"}}',
    ) as Record<string, unknown>;
    expectAuthFailure(await ask(gw, await sign(payload({ [NS]: claims }))), 401, "INVALID_CLAIMS");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("a __proto__ key next to valid claims changes nothing in the session", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth() });
    const claims = { ...hasuraClaims() };
    Object.defineProperty(claims, "__proto__", {
      value: { "x-hasura-org-id": "evil", "x-hasura-default-role": "editor" },
      enumerable: true,
    });
    const received = receivedHeaders(await ask(gw, await sign(payload({ [NS]: claims }))));
    expect(received["x-hasura-role"]).toBe("user");
    expect(received["x-hasura-user-id"]).toBe("42");
    expect(received["x-hasura-org-id"]).toBeUndefined();
  });

  it.each([
    ["a newline", "42\r\nx-injected: 1"],
    ["a non-Latin-1 character", "Zoë ☃"],
  ])("a claim value with %s is 401 INVALID_CLAIMS, and no upstream call", async (_label, value) => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth() });
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-user-id": value }) }));
    expectAuthFailure(await ask(gw, token), 401, "INVALID_CLAIMS");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("Latin-1 claim values (é) still pass", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth() });
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-org-id": "café" }) }));
    expect((await ask(gw, token)).status).toBe(200);
  });
});

describe("iat and maxTokenAgeSec", () => {
  it("an iat in the future beyond clockToleranceSec is 401 INVALID_JWT; within it the token passes", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth({ clockToleranceSec: 30 }) });
    const future = await sign(payload({ iat: nowSec() + 120 }));
    expect(expectAuthFailure(await ask(gw, future), 401, "INVALID_JWT")).toContain("iat");
    const skewed = await sign(payload({ iat: nowSec() + 10 }));
    expect(receivedHeaders(await ask(gw, skewed))["x-hasura-user-id"]).toBe("42");
  });

  it("maxTokenAgeSec: an older token is 401 JWT_EXPIRED, a token without iat 401 INVALID_JWT, a fresh one passes", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth({ maxTokenAgeSec: 60 }) });
    expectAuthFailure(await ask(gw, await sign(payload({ iat: nowSec() - 120 }))), 401, "JWT_EXPIRED");
    expectAuthFailure(await ask(gw, await sign(payload({ iat: undefined }))), 401, "INVALID_JWT");
    expect(receivedHeaders(await ask(gw, await sign(payload())))["x-hasura-user-id"]).toBe("42");
  });
});

describe("jwksUrl", () => {
  it("plain http on a host that is not loopback is a config error at $.auth.jwt.jwksUrl", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: { jwt: { jwksUrl: "http://idp.example.com/.well-known/jwks.json", algorithms: ["RS256"] } },
    });
    const problems = await startupProblems(gw);
    expect(problems.map((problem) => problem.path)).toEqual(["$.auth.jwt.jwksUrl"]);
    expect(problems[0]?.message).toContain("https");
  });

  it("https anywhere and http on localhost / [::1] are accepted", async () => {
    for (const url of ["https://idp.example.com/jwks", "http://localhost:8787/jwks", "http://[::1]:8787/jwks"]) {
      const gw = testGateway(uniqueId(), {
        remotes: ["accounts"],
        auth: { jwt: { jwksUrl: url, algorithms: ["RS256"] } },
      });
      expect((await gw.fetch("/healthz")).status, url).not.toBe(500);
    }
  });

  it.each([
    ["big", "with Content-Length"],
    ["big-chunked", "chunked, without Content-Length"],
  ] as const)("a JWK Set of 70 KB (%s, %s) is refused: 503 JWKS_UNAVAILABLE", async (mode, _how) => {
    const id = uniqueId();
    const pair = await keyPair("ES256", "es");
    await jwksControl(id, { keys: [pair.publicJwk], mode });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["ES256"]) });
    expectAuthFailure(await ask(gw, await signWith(pair)), 503, "JWKS_UNAVAILABLE");
    expect(await jwksRequests(id)).toBe(1);
    expect((await stats(id, "accounts")).operations).toBe(0);
  });
});
