/**
 * `x-gateway-token`: a JWT the gateway signs for every call to a remote schema (HS256 with
 * GATEWAY_TOKEN_SECRET or EdDSA with GATEWAY_TOKEN_PRIVATE_KEY), verified here with jose as a service
 * would; the public JWKS at /.well-known/jwks.json; the per-remote opt-out; bad keys.
 */
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  jwtVerify,
} from "jose";
import { describe, expect, it } from "vitest";
import { createGatewayTokenSigner, createGatewayTokenSource } from "../../src/auth";
import { GatewayError } from "../../src/errors";
import { type Received, testGateway, upstreamHeaders } from "../fixtures/gateways";
import { stats, type TestGateway, uniqueId } from "../helpers";

const SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
const secretKey = new TextEncoder().encode(SECRET);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_CONFIG = { issuer: "junction", ttlSec: 60 };

/** Test `id`'s accounts and products remotes. */
const TWO_REMOTES = { remotes: ["accounts", "products"] };

/** Signs x-gateway-token with HS256. */
const HS_TOKEN_ENV = { env: { GATEWAY_TOKEN_SECRET: SECRET } };

/** Runs `{ requestHeaders }` and returns the `x-gateway-token` the accounts upstream received, asserted to be one string. */
async function receivedToken(gw: TestGateway, headers: Record<string, string> = {}): Promise<string> {
  const token = (await upstreamHeaders(gw, headers))["x-gateway-token"];
  expect(typeof token).toBe("string");
  return token as string;
}

async function ed25519PrivateJwk(): Promise<Record<string, string>> {
  const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
  return { ...(await exportJWK(privateKey)) } as Record<string, string>;
}

describe("x-gateway-token with HS256 (GATEWAY_TOKEN_SECRET)", () => {
  it("sends a JWT that verifies with the secret: iss junction, aud accounts, exp = iat + 60, a UUID jti", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES, HS_TOKEN_ENV);

    const token = await receivedToken(gw);
    const { payload, protectedHeader } = await jwtVerify(token, secretKey, {
      issuer: "junction",
      audience: "accounts",
      algorithms: ["HS256"],
    });

    expect(protectedHeader).toEqual({ alg: "HS256", typ: "JWT" });
    expect(payload.aud).toBe("accounts");
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(30);
    expect(payload.jti).toMatch(UUID);
    // No session yet (authentication comes later): no sub, no session claim.
    expect(payload.sub).toBeUndefined();
    expect(payload.session).toBeUndefined();
    expect((await stats(id, "accounts")).lastHeaders["x-gateway-token"]).toBe(token);
  });

  it("signs a fresh token (new jti) for every request", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES, HS_TOKEN_ENV);
    const first = decodeJwt(await receivedToken(gw));
    const second = decodeJwt(await receivedToken(gw));
    expect(first.jti).toMatch(UUID);
    expect(second.jti).toMatch(UUID);
    expect(second.jti).not.toBe(first.jti);
  });

  it("is rejected by a service that expects another audience", async () => {
    const token = await receivedToken(testGateway(uniqueId(), TWO_REMOTES, HS_TOKEN_ENV));
    await expect(jwtVerify(token, secretKey, { issuer: "junction", audience: "other" })).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
      claim: "aud",
    });
    await expect(
      jwtVerify(token, new TextEncoder().encode(`${SECRET}-wrong`), { issuer: "junction", audience: "accounts" }),
    ).rejects.toMatchObject({ code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" });
  });

  it("gives each remote of one operation its own audience", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES, HS_TOKEN_ENV);
    const { body } = await gw.graphql("{ requestHeaders products(limit: 1) { upc } }");
    expect(body.errors).toBeUndefined();
    const accounts = JSON.parse((body.data as { requestHeaders: string }).requestHeaders) as Received;
    const products = (await stats(id, "products")).lastHeaders["x-gateway-token"] as string;
    expect(
      (await jwtVerify(accounts["x-gateway-token"] as string, secretKey, { audience: "accounts" })).payload.aud,
    ).toBe("accounts");
    expect((await jwtVerify(products, secretKey, { audience: "products" })).payload.aud).toBe("products");
  });

  it("takes iss and the lifetime from the gatewayToken config", async () => {
    const gw = testGateway(uniqueId(), { ...TWO_REMOTES, gatewayToken: { issuer: "my-gw" } }, HS_TOKEN_ENV);
    const token = await receivedToken(gw);
    const { payload } = await jwtVerify(token, secretKey, { issuer: "my-gw", audience: "accounts" });
    expect(payload.iss).toBe("my-gw");
    await expect(jwtVerify(token, secretKey, { issuer: "junction", audience: "accounts" })).rejects.toMatchObject({
      claim: "iss",
    });

    const longer = testGateway(uniqueId(), { ...TWO_REMOTES, gatewayToken: { ttlSec: 300 } }, HS_TOKEN_ENV);
    const claims = decodeJwt(await receivedToken(longer));
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
  });

  it("serves no JWKS: /.well-known/jwks.json is 404 NOT_FOUND", async () => {
    const res = await testGateway(uniqueId(), TWO_REMOTES, HS_TOKEN_ENV).fetch("/.well-known/jwks.json");
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "NOT_FOUND" } });
    expect(text).not.toContain(SECRET);
  });
});

describe("x-gateway-token with EdDSA (GATEWAY_TOKEN_PRIVATE_KEY)", () => {
  it("publishes the public key at /.well-known/jwks.json and signs tokens that verify against it", async () => {
    const privateJwk = await ed25519PrivateJwk();
    const gw = testGateway(uniqueId(), TWO_REMOTES, { env: { GATEWAY_TOKEN_PRIVATE_KEY: JSON.stringify(privateJwk) } });

    const res = await gw.fetch("/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("content-type")).toContain("application/json");
    const text = await res.text();
    const jwks = JSON.parse(text) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys as [JSONWebKeySet["keys"][number]];
    const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: privateJwk.x as string });
    expect(key).toEqual({ kty: "OKP", crv: "Ed25519", x: privateJwk.x, kid, alg: "EdDSA", use: "sig" });
    expect(key).not.toHaveProperty("d");
    expect(text).not.toContain(privateJwk.d as string);

    const token = await receivedToken(gw);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", typ: "JWT", kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: "junction", audience: "accounts" });
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    expect(payload.jti).toMatch(UUID);
    await expect(
      jwtVerify(token, createLocalJWKSet(jwks), { issuer: "junction", audience: "other" }),
    ).rejects.toMatchObject({ claim: "aud" });
  });

  it("wins over GATEWAY_TOKEN_SECRET when both are set", async () => {
    const privateJwk = await ed25519PrivateJwk();
    const gw = testGateway(uniqueId(), TWO_REMOTES, {
      env: {
        GATEWAY_TOKEN_PRIVATE_KEY: JSON.stringify(privateJwk),
        GATEWAY_TOKEN_SECRET: SECRET,
      },
    });
    expect(decodeProtectedHeader(await receivedToken(gw)).alg).toBe("EdDSA");
  });
});

describe("who gets a token", () => {
  it('sends no x-gateway-token to a remote with "gatewayToken": false', async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "accounts", gatewayToken: false }, "products"] }, HS_TOKEN_ENV);
    const received = await upstreamHeaders(gw);
    expect(received["x-gateway-token"]).toBeUndefined();
    expect((await stats(id, "accounts")).lastHeaders["x-gateway-token"]).toBeUndefined();
  });

  it("sends no header and fails nothing when neither secret is set; the JWKS route is 404", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    expect((await upstreamHeaders(gw))["x-gateway-token"]).toBeUndefined();
    const res = await gw.fetch("/.well-known/jwks.json");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });

  it("never forwards a client's x-gateway-token; the gateway's replaces it", async () => {
    const forged = "forged.client.token";
    const signed = testGateway(
      uniqueId(),
      { remotes: [{ name: "accounts", forwardClientHeaders: true }, "products"] },
      HS_TOKEN_ENV,
    );
    const token = await receivedToken(signed, { "x-gateway-token": forged });
    expect(token).not.toBe(forged);
    await jwtVerify(token, secretKey, { audience: "accounts" });

    const optedOut = testGateway(
      uniqueId(),
      { remotes: [{ name: "accounts", forwardClientHeaders: ["x-gateway-token"], gatewayToken: false }, "products"] },
      HS_TOKEN_ENV,
    );
    expect((await upstreamHeaders(optedOut, { "x-gateway-token": forged }))["x-gateway-token"]).toBeUndefined();
  });

  it("lets a configured x-gateway-token header win", async () => {
    const gw = testGateway(
      uniqueId(),
      { remotes: [{ name: "accounts", headers: { "X-Gateway-Token": "static" } }, "products"] },
      HS_TOKEN_ENV,
    );
    expect(await receivedToken(gw)).toBe("static");
  });

  it("does not send a token with introspection (no request context)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES, HS_TOKEN_ENV);
    await receivedToken(gw);
    const before = await stats(id, "accounts");
    const res = await gw.admin("/admin/remotes/accounts/reload");
    expect(res.status).toBe(200);
    const after = await stats(id, "accounts");
    expect(after.introspections).toBe(before.introspections + 1);
    expect(after.lastHeaders["x-gateway-token"]).toBeUndefined();
  });
});

describe("bad token keys", () => {
  const privateKeyValue = '{"kty":"OKP","crv":"Ed25519","x":"not-json';

  // Issue 12 ("upstream resilience") changed these on purpose: a bad key used to answer every /graphql
  // request with 500; now it fails only the calls that need a token, as field errors with serviceName.
  it("fails the calls that need a token with INVALID_CONFIG naming the secret (never its value) for a private key that is not JSON", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES, { env: { GATEWAY_TOKEN_PRIVATE_KEY: privateKeyValue } });
    for (let i = 0; i < 2; i++) {
      const res = await gw.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ requestHeaders }" }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        data: null,
        errors: [
          {
            message: "Secret GATEWAY_TOKEN_PRIVATE_KEY is not valid JSON (expected an Ed25519 private JWK)",
            path: ["requestHeaders"],
            extensions: { code: "INVALID_CONFIG", serviceName: "accounts" },
          },
        ],
      });
      expect(text).not.toContain("not-json");
    }
    // The schema loads (introspection carries no token), but no operation left the gateway.
    expect((await stats(id, "accounts")).operations).toBe(0);
    expect((await gw.fetch("/.well-known/jwks.json")).status).toBe(500);
    // Routes that do not sign keep working.
    expect((await gw.fetch("/healthz")).status).toBe(200);
  });

  it("rejects a JWK that is not an Ed25519 private key, and one whose x does not belong to its d", async () => {
    const { d: _d, ...publicOnly } = await ed25519PrivateJwk();
    const notPrivate = testGateway(uniqueId(), TWO_REMOTES, {
      env: { GATEWAY_TOKEN_PRIVATE_KEY: JSON.stringify(publicOnly) },
    });
    // A field without an upstream call answers; one that needs a token fails with the key's problem.
    // A GET query needs a CSRF header (docs/security.md, Requests from browsers).
    const csrf = { headers: { "x-graphql-csrf": "1" } };
    expect(await (await notPrivate.fetch("/graphql?query=%7B__typename%7D", csrf)).json()).toEqual({
      data: { __typename: "Query" },
    });
    const res = await notPrivate.graphql("{ requestHeaders }");
    expect(res.status).toBe(200);
    expect(res.body.errors?.[0]).toMatchObject({
      extensions: { code: "INVALID_CONFIG", serviceName: "accounts" },
      message: expect.stringContaining("GATEWAY_TOKEN_PRIVATE_KEY is not an Ed25519"),
    });

    const mismatched: Record<string, string> = await ed25519PrivateJwk();
    mismatched.x = (await ed25519PrivateJwk()).x as string;
    const gw = testGateway(uniqueId(), TWO_REMOTES, { env: { GATEWAY_TOKEN_PRIVATE_KEY: JSON.stringify(mismatched) } });
    const jwks = await gw.fetch("/.well-known/jwks.json");
    expect(jwks.status).toBe(500);
    const body = (await jwks.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INVALID_CONFIG");
    expect(body.error.message).toBe(
      'Secret GATEWAY_TOKEN_PRIVATE_KEY has an "x" that is not the public key of its "d"',
    );
    expect(JSON.stringify(body)).not.toContain(mismatched.d as string);

    const badBytes = { ...(await ed25519PrivateJwk()), d: "AAAA" };
    const bad = await testGateway(uniqueId(), TWO_REMOTES, {
      env: { GATEWAY_TOKEN_PRIVATE_KEY: JSON.stringify(badBytes) },
    }).graphql("{ requestHeaders }");
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({
      data: null,
      errors: [
        {
          message: "Secret GATEWAY_TOKEN_PRIVATE_KEY could not be imported as an Ed25519 private key",
          path: ["requestHeaders"],
          extensions: { code: "INVALID_CONFIG", serviceName: "accounts" },
        },
      ],
    });
  });

  it("rejects a GATEWAY_TOKEN_SECRET shorter than 32 bytes (RFC 7518, 3.2)", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES, { env: { GATEWAY_TOKEN_SECRET: "short-secret" } });
    const { status, body } = await gw.graphql("{ requestHeaders }");
    expect(status).toBe(200);
    expect(body).toEqual({
      data: null,
      errors: [
        {
          message: "Secret GATEWAY_TOKEN_SECRET must be at least 32 bytes long (RFC 7518, 3.2)",
          path: ["requestHeaders"],
          extensions: { code: "INVALID_CONFIG", serviceName: "accounts" },
        },
      ],
    });
  });
});

describe("createGatewayTokenSigner", () => {
  it("returns null when neither secret is set (an empty secret counts as unset)", () => {
    expect(createGatewayTokenSigner(TOKEN_CONFIG, {})).toBeNull();
    expect(
      createGatewayTokenSigner(TOKEN_CONFIG, { GATEWAY_TOKEN_SECRET: "", GATEWAY_TOKEN_PRIVATE_KEY: "" }),
    ).toBeNull();
  });

  it("throws GatewayError INVALID_CONFIG at creation for a malformed private key", () => {
    expect(() => createGatewayTokenSigner(TOKEN_CONFIG, { GATEWAY_TOKEN_PRIVATE_KEY: "nope" })).toThrow(GatewayError);
  });

  it("puts sub and the session variables into the token when a session is given", async () => {
    const signer = createGatewayTokenSigner(TOKEN_CONFIG, { GATEWAY_TOKEN_SECRET: SECRET });
    const token = await signer?.sign("billing", { sub: "user-7", variables: { "x-user-role": "editor" } });
    const { payload } = await jwtVerify(token as string, secretKey, { issuer: "junction", audience: "billing" });
    expect(payload.sub).toBe("user-7");
    expect(payload.session).toEqual({ "x-user-role": "editor" });
  });

  it("the per-request source signs once per audience and resolves undefined without a signer", async () => {
    const signer = createGatewayTokenSigner(TOKEN_CONFIG, { GATEWAY_TOKEN_SECRET: SECRET });
    const source = createGatewayTokenSource(signer);
    const [a1, a2, b] = await Promise.all([source("a"), source("a"), source("b")]);
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    expect(decodeJwt(b as string).aud).toBe("b");
    expect(await createGatewayTokenSource(null)("a")).toBeUndefined();
    // A new request (a new source) gets a new token.
    expect(await createGatewayTokenSource(signer)("a")).not.toBe(a1);
  });

  it("measures signing cost in workerd (reported, not asserted)", async () => {
    const hs = createGatewayTokenSigner(TOKEN_CONFIG, { GATEWAY_TOKEN_SECRET: SECRET });
    const ed = createGatewayTokenSigner(TOKEN_CONFIG, {
      GATEWAY_TOKEN_PRIVATE_KEY: JSON.stringify(await ed25519PrivateJwk()),
    });
    const N = 200;
    const timings: Record<string, number> = {};
    for (const [name, signer] of [
      ["HS256", hs],
      ["EdDSA", ed],
    ] as const) {
      await signer?.ready();
      const started = performance.now();
      for (let i = 0; i < N; i++) await signer?.sign("accounts");
      // workerd advances its clock only on I/O: one small fetch makes the elapsed time visible.
      await stats(uniqueId(), "accounts");
      timings[name] = (performance.now() - started) / N;
    }
    const baseline = performance.now();
    await stats(uniqueId(), "accounts");
    const fetchMs = performance.now() - baseline;
    console.log(
      `gateway token signing, per token over ${N}: HS256 ${timings.HS256?.toFixed(4)} ms, EdDSA ${timings.EdDSA?.toFixed(4)} ms (each includes 1/${N} of one loopback fetch, ~${fetchMs.toFixed(2)} ms)`,
    );
    expect(timings.HS256).toBeGreaterThanOrEqual(0);
  });
});
