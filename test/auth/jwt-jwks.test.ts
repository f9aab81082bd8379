/**
 * Asymmetric tokens verified with keys from a real JWK Set endpoint (test/fixtures/jwks.ts): RS256,
 * PS256, ES256 and EdDSA; the keys are fetched once and cached, Cache-Control max-age is honoured, an
 * outage after the first fetch keeps the cached keys, key rotation refetches once, a burst of unknown
 * kids refetches at most once per cooldown, and an endpoint down on first use is 503 JWKS_UNAVAILABLE.
 * Waits are bounded (a few seconds at most, with jwksCooldownSec: 1 or 2).
 */
import { describe, expect, it } from "vitest";
import {
  bearer,
  HS_SECRET,
  jwksAuth,
  post,
  type RawAnswer,
  receivedHeaders,
  testGateway,
  upstreamHeaders,
} from "../fixtures/gateways";
import { stats, type TestGateway, uniqueId } from "../helpers";
import {
  expectAuthFailure,
  hasuraClaims,
  jwksControl,
  jwksRequests,
  keyPair,
  NS,
  payload,
  sign,
  signWith,
  sleep,
} from "./jwt-helpers";

const ask = (gw: TestGateway, token: string): Promise<RawAnswer> => post(gw, "{ requestHeaders }", bearer(token));

/** Asserts that the token was accepted: the accounts upstream saw the token's user id. */
function expectAccepted(answer: RawAnswer, userId = "42"): void {
  expect(receivedHeaders(answer)["x-hasura-user-id"]).toBe(userId);
}

describe("algorithms via the JWK Set", () => {
  it.each(["RS256", "PS256", "ES256", "EdDSA"])("accepts a %s token whose kid is in the JWK Set", async (alg) => {
    const id = uniqueId();
    const pair = await keyPair(alg, `${alg.toLowerCase()}-key`);
    await jwksControl(id, { keys: [pair.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, [alg]) });
    const token = await signWith(pair, payload({ [NS]: hasuraClaims({ "x-hasura-user-id": `${alg}-user` }) }));
    const received = await upstreamHeaders(gw, bearer(token));
    expect(received["x-hasura-user-id"]).toBe(`${alg}-user`);
    expect(received["x-hasura-role"]).toBe("user");
    expect(await jwksRequests(id)).toBe(1);
  });

  it("rejects a token whose alg is not configured even though its key is published", async () => {
    const id = uniqueId();
    const es = await keyPair("ES256", "es");
    await jwksControl(id, { keys: [es.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"]) });
    expectAuthFailure(await ask(gw, await signWith(es)), 401, "INVALID_JWT");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("with both jwksUrl and secret, HS256 uses the secret and RS256 the JWK Set", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "rsa");
    await jwksControl(id, { keys: [rsa.publicJwk] });
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: jwksAuth(id, ["RS256", "HS256"], { secret: HS_SECRET }),
    });
    expectAccepted(await ask(gw, await sign(payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "hs" }) }))), "hs");
    expectAccepted(
      await ask(gw, await signWith(rsa, payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "rs" }) }))),
      "rs",
    );
  });
});

describe("caching of the JWK Set", () => {
  it("fetches the keys once and serves many requests, sequential and concurrent, from the cache", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "k1");
    await jwksControl(id, { keys: [rsa.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"]) });

    expectAccepted(await ask(gw, await signWith(rsa)));
    expect(await jwksRequests(id)).toBe(1);
    const tokens = await Promise.all(Array.from({ length: 6 }, () => signWith(rsa)));
    for (const answer of await Promise.all(tokens.map((token) => ask(gw, token)))) expectAccepted(answer);
    for (let i = 0; i < 5; i++) expectAccepted(await ask(gw, await signWith(rsa)));
    expect(await jwksRequests(id)).toBe(1);
  });

  it("a first burst of concurrent requests fetches the keys once", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "k1");
    await jwksControl(id, { keys: [rsa.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"]) });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => signWith(rsa)));
    for (const answer of await Promise.all(tokens.map((token) => ask(gw, token)))) expectAccepted(answer);
    expect(await jwksRequests(id)).toBe(1);
  });

  it("honours Cache-Control max-age: no refetch within it, one refetch after it", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "k1");
    await jwksControl(id, { keys: [rsa.publicJwk], cacheControl: "public, max-age=1" });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"], { jwksCooldownSec: 1 }) });

    // Every request carries a new token (fresh jti): the keys are what is cached, not the verdicts.
    expectAccepted(await ask(gw, await signWith(rsa)));
    expectAccepted(await ask(gw, await signWith(rsa)));
    expect(await jwksRequests(id)).toBe(1);

    await sleep(2200);
    expectAccepted(await ask(gw, await signWith(rsa)));
    expectAccepted(await ask(gw, await signWith(rsa)));
    expect(await jwksRequests(id)).toBe(2);
  });

  it("keeps serving the cached keys when the endpoint goes down after the first fetch (max-age expired)", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "k1");
    await jwksControl(id, { keys: [rsa.publicJwk], cacheControl: "max-age=1" });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"], { jwksCooldownSec: 1 }) });
    expectAccepted(await ask(gw, await signWith(rsa)));
    expect(await jwksRequests(id)).toBe(1);

    await jwksControl(id, { mode: "down" });
    await sleep(2200);
    expectAccepted(await ask(gw, await signWith(rsa)));
    expectAccepted(await ask(gw, await signWith(rsa)));
  });

  it("key rotation: a token with a new kid refetches exactly once and is accepted; the old key still works", async () => {
    const id = uniqueId();
    const oldKey = await keyPair("RS256", "old");
    const newKey = await keyPair("RS256", "new");
    await jwksControl(id, { keys: [oldKey.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"], { jwksCooldownSec: 1 }) });
    expectAccepted(await ask(gw, await signWith(oldKey)));
    expect(await jwksRequests(id)).toBe(1);

    await jwksControl(id, { keys: [oldKey.publicJwk, newKey.publicJwk] });
    // Past the cooldown of the first fetch, whichever way the cooldown is counted.
    await sleep(1200);
    const rotated = await signWith(newKey, payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "rotated" }) }));
    expectAccepted(await ask(gw, rotated), "rotated");
    expect(await jwksRequests(id)).toBe(2);
    const rotatedAgain = await signWith(newKey, payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "rotated" }) }));
    expectAccepted(await ask(gw, rotatedAgain), "rotated");
    expectAccepted(await ask(gw, await signWith(oldKey)));
    expect(await jwksRequests(id)).toBe(2);
  });

  it("a burst of tokens with unknown kids within the cooldown refetches at most once", async () => {
    const id = uniqueId();
    const known = await keyPair("RS256", "known");
    const stranger = await keyPair("RS256", "stranger");
    await jwksControl(id, { keys: [known.publicJwk] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"], { jwksCooldownSec: 3 }) });
    // Sign everything first so that the burst itself is quick.
    const unknown = await Promise.all(
      Array.from({ length: 15 }, (_, i) => sign(payload(), stranger.privateKey, { alg: "RS256", kid: `unknown-${i}` })),
    );
    expectAccepted(await ask(gw, await signWith(known)));
    expect(await jwksRequests(id)).toBe(1);

    // Past the cooldown of the first fetch, so the burst may refetch once (but only once).
    await sleep(3200);
    const started = Date.now();
    for (const answer of await Promise.all(unknown.slice(0, 10).map((token) => ask(gw, token)))) {
      expectAuthFailure(answer, 401, "INVALID_JWT");
    }
    for (const token of unknown.slice(10)) expectAuthFailure(await ask(gw, token), 401, "INVALID_JWT");
    // The burst must have fit in the cooldown for the assertion to mean "at most one per cooldown".
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await jwksRequests(id)).toBeLessThanOrEqual(2);
    expect((await stats(id, "accounts")).operations).toBe(1);
    expectAccepted(await ask(gw, await signWith(known)));
    expect(await jwksRequests(id)).toBeLessThanOrEqual(2);
  });

  it("an endpoint down on first use -> 503 JWKS_UNAVAILABLE; it recovers when the endpoint is back", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "k1");
    await jwksControl(id, { keys: [rsa.publicJwk], mode: "down" });
    const gw = testGateway(id, { remotes: ["accounts"], auth: jwksAuth(id, ["RS256"], { jwksCooldownSec: 1 }) });
    const token = await signWith(rsa);
    expectAuthFailure(await ask(gw, token), 503, "JWKS_UNAVAILABLE");
    expectAuthFailure(await ask(gw, await signWith(rsa)), 503, "JWKS_UNAVAILABLE");
    expect(await jwksRequests(id)).toBeGreaterThanOrEqual(1);
    expect((await stats(id, "accounts")).operations).toBe(0);

    await jwksControl(id, { mode: "ok" });
    await sleep(1200);
    expectAccepted(await ask(gw, token));
  });

  it("an unreachable JWKS URL on first use -> 503 JWKS_UNAVAILABLE", async () => {
    const id = uniqueId();
    const rsa = await keyPair("RS256", "k1");
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: { jwt: { jwksUrl: "http://127.0.0.1:9/jwks", algorithms: ["RS256"] } },
    });
    expectAuthFailure(await ask(gw, await signWith(rsa)), 503, "JWKS_UNAVAILABLE");
  });
});
