/**
 * The cache of auth webhook answers (docs/auth.md "Caching" of the webhook): 200 answers only, per
 * distinct credential headers, for what the hook's Cache-Control max-age or Expires allows, capped by
 * maxCacheSec; in memory per isolate and, with kvCache, in KV for other isolates. Counted at the real
 * hook on loopback (fixtures/auth-hook.ts).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { bearer, type Entry, ok, post, receivedHeaders, testGateway } from "../fixtures/gateways";
import { hookControl, hookStats, hookUrl, type TestGateway, uniqueId } from "../helpers";

/** A gateway with test `id`'s accounts remote and hook; `hook` merges into auth.webhook. */
function hookGateway(id: string, hook: Entry = {}, kvPrefix?: string, behaviour = "ok"): TestGateway {
  return testGateway(
    id,
    { remotes: ["accounts"], auth: { webhook: { url: hookUrl(id, behaviour), ...hook } } },
    kvPrefix === undefined ? {} : { kvPrefix },
  );
}

/** Runs `{ requestHeaders }` with `headers`, asserts success, returns the user id the upstream got. */
async function userOf(gw: TestGateway, headers: Record<string, string>): Promise<unknown> {
  return receivedHeaders(await post(gw, "{ requestHeaders }", headers))["x-hasura-user-id"];
}

const calls = async (id: string): Promise<number> => (await hookStats(id)).calls;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const TRACE_A = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const TRACE_B = "00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01";

describe("webhook cache: lifetime", () => {
  it("reuses an answer for its max-age: the hook is called once", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "private, max-age=60" });
    const gw = hookGateway(id);
    for (let i = 0; i < 3; i++) expect(await userOf(gw, bearer("t"))).toBe("42");
    expect(await calls(id)).toBe(1);
  });

  it("calls the hook again once max-age has passed", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "max-age=1" });
    const gw = hookGateway(id);
    await userOf(gw, bearer("t"));
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(1);
    await sleep(1100);
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(2);
  });

  it("takes the answer's Age off its max-age", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "max-age=61", age: 60 });
    const gw = hookGateway(id);
    await userOf(gw, bearer("t"));
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(1);
    await sleep(1100);
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(2);
  });

  it("caps the lifetime at maxCacheSec", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "max-age=600" });
    const gw = hookGateway(id, { maxCacheSec: 1 });
    await userOf(gw, bearer("t"));
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(1);
    await sleep(1100);
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(2);
  });

  it("counts Expires from the answer's Date header", async () => {
    const id = uniqueId();
    // An hour-old Date with Expires a minute after it: 60 s of life, though Expires is past by the clock.
    const date = Date.now() - 3_600_000;
    await hookControl(id, { date: new Date(date).toUTCString(), expires: new Date(date + 60_000).toUTCString() });
    const gw = hookGateway(id);
    await userOf(gw, bearer("t"));
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(1);
  });

  it.each([
    ["no caching header", {}],
    ["no-store (with max-age)", { cacheControl: "no-store, max-age=60" }],
    ["no-cache", { cacheControl: "no-cache" }],
    ["max-age=0", { cacheControl: "max-age=0" }],
    ["s-maxage only (for shared caches)", { cacheControl: "s-maxage=60" }],
    ["an Expires that is not a date", { expires: "soon" }],
  ])("does not cache an answer with %s", async (_what, headers) => {
    const id = uniqueId();
    await hookControl(id, headers);
    const gw = hookGateway(id);
    await userOf(gw, bearer("t"));
    await userOf(gw, bearer("t"));
    expect(await calls(id)).toBe(2);
  });

  it("never caches a refusal or a failure", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "max-age=60" });
    for (const behaviour of ["401", "500"]) {
      const gw = hookGateway(id, {}, undefined, behaviour);
      expect((await post(gw, "{ requestHeaders }", bearer("t"))).status).not.toBe(200);
      expect((await post(gw, "{ requestHeaders }", bearer("t"))).status).not.toBe(200);
    }
    expect(await calls(id)).toBe(4);
  });
});

describe("webhook cache: keys", () => {
  it("keeps one entry per credential: another token is another call and another session", async () => {
    const id = uniqueId();
    await hookControl(id, {
      cacheControl: "max-age=60",
      answers: {
        alice: { "x-hasura-role": "user", "x-hasura-user-id": "alice" },
        bob: { "x-hasura-role": "user", "x-hasura-user-id": "bob" },
      },
    });
    const gw = hookGateway(id);
    expect(await userOf(gw, bearer("alice"))).toBe("alice");
    expect(await userOf(gw, bearer("bob"))).toBe("bob");
    expect(await userOf(gw, bearer("alice"))).toBe("alice");
    expect(await userOf(gw, bearer("bob"))).toBe("bob");
    expect(await userOf(gw, { cookie: "sid=alice" })).toBe("42");
    expect(await calls(id)).toBe(3);
  });

  it("keys on every header the hook sees but the per-request ones: an x-api-key caller never gets another's session", async () => {
    const id = uniqueId();
    await hookControl(id, {
      cacheControl: "max-age=60",
      answer: { "x-hasura-role": "user", "x-hasura-allowed-roles": ["user", "editor"], "x-hasura-user-id": "1" },
    });
    const gw = hookGateway(id);
    // Headers that carry no credentials and change per request or client do not split the entry.
    await userOf(gw, { ...bearer("t"), "x-request-id": "r1", "user-agent": "a", traceparent: TRACE_A });
    await userOf(gw, { ...bearer("t"), "x-request-id": "r2", "user-agent": "b", traceparent: TRACE_B });
    expect(await calls(id)).toBe(1);
    // The role asked for, and any other header (a hook may authenticate by it), do.
    await userOf(gw, { ...bearer("t"), "x-hasura-role": "editor" });
    expect(await calls(id)).toBe(2);
    await userOf(gw, { "x-api-key": "k1" });
    await userOf(gw, { "x-api-key": "k2" });
    expect(await calls(id)).toBe(4);
    await userOf(gw, { "x-api-key": "k1" });
    expect(await calls(id)).toBe(4);
  });

  it("with forwardHeaders keys on exactly those headers", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "max-age=60" });
    const gw = hookGateway(id, { forwardHeaders: ["x-session"] });
    await userOf(gw, { "x-session": "s1", ...bearer("a") });
    await userOf(gw, { "x-session": "s1", ...bearer("b") });
    expect(await calls(id)).toBe(1);
    await userOf(gw, { "x-session": "s2", ...bearer("a") });
    expect(await calls(id)).toBe(2);
  });

  it("shares one hook call between identical requests that arrive together", async () => {
    const id = uniqueId();
    await hookControl(id, { cacheControl: "max-age=60", delayMs: 300 });
    const gw = hookGateway(id, {}, undefined, "slow");
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(gw, "{ requestHeaders }", bearer("t"))));
    for (const answer of answers) ok(answer);
    expect(await calls(id)).toBe(1);
  });
});

describe("webhook cache: KV (kvCache)", () => {
  it("lets another isolate (a second gateway with the same KV prefix) reuse an answer", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    await hookControl(id, { cacheControl: "max-age=120" });
    expect(await userOf(hookGateway(id, { kvCache: true }, kvPrefix), bearer("t"))).toBe("42");
    const stored = await env.SCHEMA_CACHE.list({ prefix: `${kvPrefix}authhook:` });
    expect(stored.keys).toHaveLength(1);
    expect(stored.keys[0]?.name).toMatch(/^.+:authhook:[0-9a-f]{64}$/);
    expect(await userOf(hookGateway(id, { kvCache: true }, kvPrefix), bearer("t"))).toBe("42");
    expect(await calls(id)).toBe(1);
    // Another credential is not in KV.
    await userOf(hookGateway(id, { kvCache: true }, kvPrefix), bearer("u"));
    expect(await calls(id)).toBe(2);
  });

  it("keeps answers shorter-lived than 60 s (KV's shortest TTL) and all answers without kvCache out of KV", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    await hookControl(id, { cacheControl: "max-age=30" });
    await userOf(hookGateway(id, { kvCache: true }, kvPrefix), bearer("t"));
    await hookControl(id, { cacheControl: "max-age=120" });
    await userOf(hookGateway(id, {}, kvPrefix), bearer("t"));
    expect((await env.SCHEMA_CACHE.list({ prefix: `${kvPrefix}authhook:` })).keys).toHaveLength(0);
    await userOf(hookGateway(id, { kvCache: true }, kvPrefix), bearer("t"));
    expect(await calls(id)).toBe(3);
  });
});
