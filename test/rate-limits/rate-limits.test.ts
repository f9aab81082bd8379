/**
 * Rate limits on /graphql (docs/security.md "Rate limits"): the `rateLimits` rules counted by Miniflare's
 * own Workers Rate Limiting binding (the implementation `wrangler dev` runs), 429 `RATE_LIMITED` with
 * `Retry-After`, keys per user, role and IP, the admin exemption, and the config errors of a rule.
 *
 * The bindings are the test-only ones of vitest.config.ts: RATE_LIMITER_TEST (3 per 60 s) and
 * RATE_LIMITER_TEST_10S (2 per 10 s). They are shared by every test of the run, so each test counts
 * under keys of its own (unique user ids, roles and IPs). Miniflare's binding resets every count at each
 * wall-clock multiple of its period: {@link awayFromWindowEdge} keeps a test's counted requests in one window.
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability";
import { ADMIN_HEADERS, asRole, hsAuth, ok, post, startupProblems, testGateway } from "../fixtures/gateways";
import { type TestGateway, uniqueId } from "../helpers";

/** The test binding with limit 3 and period 60. */
const TEST_BINDING = "RATE_LIMITER_TEST";
/** The test binding with limit 2 and period 10. */
const TEST_BINDING_10S = "RATE_LIMITER_TEST_10S";

/** A rule on {@link TEST_BINDING} (3 per 60 s) keyed by `key`. */
const rule = (key: "user" | "role" | "ip") => ({ key, limit: 3, periodSec: 60, binding: TEST_BINDING });

/** A unique client IP (documentation range of RFC 5737 plus a unique suffix: the binding only sees a string). */
const uniqueIp = (): string => `192.0.2.${uniqueId("ip")}`;

const QUERY = "{ __typename }";

/**
 * Loads the gateway's schema with an admin request (never counted), then waits, when fewer than
 * `marginMs` remain in the current window of a `periodSec` binding, for the next window to begin.
 */
async function awayFromWindowEdge(gw: TestGateway, periodSec: number, marginMs = 3000): Promise<void> {
  ok(await post(gw, QUERY, ADMIN_HEADERS), "warm-up");
  const periodMs = periodSec * 1000;
  const left = periodMs - (Date.now() % periodMs);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

/** Asserts the 429 answer of a rule: status, Retry-After, the GraphQL-shaped body and its extensions. */
function expectRateLimited(
  answer: Awaited<ReturnType<typeof post>>,
  extensions: { limit: number; periodSec: number; key: string },
): void {
  const context = `${answer.status} ${answer.text}`;
  expect(answer.status, context).toBe(429);
  expect(answer.headers.get("retry-after"), context).toBe(String(extensions.periodSec));
  expect(answer.headers.get("content-type")).toContain("application/json");
  expect(answer.body.data, context).toBeUndefined();
  expect(answer.body.errors, context).toHaveLength(1);
  expect(answer.body.errors?.[0]?.extensions, context).toEqual({ code: "RATE_LIMITED", ...extensions });
  expect(answer.body.errors?.[0]?.message).toBe(
    `Rate limit exceeded: at most ${extensions.limit} requests per ${extensions.periodSec} s per ${extensions.key}. Retry after ${extensions.periodSec} s.`,
  );
}

/** Sends QUERY `times` times with `headers` and asserts each is served. */
async function servedTimes(gw: TestGateway, times: number, headers: Record<string, string>, label: string) {
  for (let i = 1; i <= times; i++) ok(await post(gw, QUERY, headers), `${label} #${i}`);
}

describe("rateLimits: 429 RATE_LIMITED past a rule's limit", () => {
  it("key user: a user's 4th request in the window gets 429 with Retry-After 60; another user is still served", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth(), rateLimits: [rule("user")] });
    const alice = await asRole("user", uniqueId("alice"));
    const bob = await asRole("user", uniqueId("bob"));
    await awayFromWindowEdge(gw, 60);
    await servedTimes(gw, 3, alice, "alice");
    expectRateLimited(await post(gw, QUERY, alice), { limit: 3, periodSec: 60, key: "user" });
    expectRateLimited(await post(gw, QUERY, alice), { limit: 3, periodSec: 60, key: "user" });
    await servedTimes(gw, 3, bob, "bob");
  });

  it("key user: a session without a user id is counted by its IP (cf-connecting-ip)", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], auth: hsAuth(), rateLimits: [rule("user")] });
    const noUserId = await asRole("user");
    const ip = uniqueIp();
    await awayFromWindowEdge(gw, 60);
    await servedTimes(gw, 3, { ...noUserId, "cf-connecting-ip": ip }, "no user id");
    expectRateLimited(await post(gw, QUERY, { ...noUserId, "cf-connecting-ip": ip }), {
      limit: 3,
      periodSec: 60,
      key: "user",
    });
    // the same IP with a user id, and another IP without one, have counts of their own
    ok(await post(gw, QUERY, { ...(await asRole("user", uniqueId("carol"))), "cf-connecting-ip": ip }));
    ok(await post(gw, QUERY, { ...noUserId, "cf-connecting-ip": uniqueIp() }));
  });

  it("key role: every caller of a role shares one count; another role is still served", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], auth: hsAuth(), rateLimits: [rule("role")] });
    const role = uniqueId("role");
    const first = await asRole(role, uniqueId("u1"));
    const second = await asRole(role, uniqueId("u2"));
    await awayFromWindowEdge(gw, 60);
    await servedTimes(gw, 2, first, "first user of the role");
    await servedTimes(gw, 1, second, "second user of the role");
    expectRateLimited(await post(gw, QUERY, second), { limit: 3, periodSec: 60, key: "role" });
    expectRateLimited(await post(gw, QUERY, first), { limit: 3, periodSec: 60, key: "role" });
    await servedTimes(gw, 3, await asRole(uniqueId("other"), uniqueId("u3")), "another role");
  });

  it("key ip: the 4th request from one cf-connecting-ip gets 429; another IP is still served (no auth section)", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], rateLimits: [rule("ip")] });
    const ip = uniqueIp();
    await awayFromWindowEdge(gw, 60);
    await servedTimes(gw, 3, { "cf-connecting-ip": ip }, "first IP");
    expectRateLimited(await post(gw, QUERY, { "cf-connecting-ip": ip }), { limit: 3, periodSec: 60, key: "ip" });
    await servedTimes(gw, 3, { "cf-connecting-ip": uniqueIp() }, "second IP");
  });

  it("Retry-After and extensions.periodSec are the refusing rule's period (10 s binding, limit 2)", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      rateLimits: [{ key: "ip", limit: 2, periodSec: 10, binding: TEST_BINDING_10S }],
    });
    const ip = uniqueIp();
    await awayFromWindowEdge(gw, 10, 2000);
    await servedTimes(gw, 2, { "cf-connecting-ip": ip }, "ip");
    expectRateLimited(await post(gw, QUERY, { "cf-connecting-ip": ip }), { limit: 2, periodSec: 10, key: "ip" });
  });

  it("every rule counts each request; the first refusing rule (in config order) answers", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      auth: hsAuth(),
      rateLimits: [rule("user"), { key: "ip", limit: 2, periodSec: 10, binding: TEST_BINDING_10S }],
    });
    const dave = await asRole("user", uniqueId("dave"));
    const ip = uniqueIp();
    await awayFromWindowEdge(gw, 10, 2000);
    await servedTimes(gw, 2, { ...dave, "cf-connecting-ip": ip }, "dave");
    // the user rule (3) still allows a 3rd request, the IP rule (2) does not
    expectRateLimited(await post(gw, QUERY, { ...dave, "cf-connecting-ip": ip }), {
      limit: 2,
      periodSec: 10,
      key: "ip",
    });
    // that refused request was counted by the user rule too: from another IP, dave's 4th is refused by it
    expectRateLimited(await post(gw, QUERY, { ...dave, "cf-connecting-ip": uniqueIp() }), {
      limit: 3,
      periodSec: 60,
      key: "user",
    });
  });

  it("rules sharing a binding keep separate counts (a user rule falling back to the IP and an IP rule)", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      auth: hsAuth(),
      rateLimits: [rule("user"), rule("ip")],
    });
    const noUserId = { ...(await asRole("user")), "cf-connecting-ip": uniqueIp() };
    await awayFromWindowEdge(gw, 60);
    // each request is counted once under each rule's own key: 3 are served, not 1
    await servedTimes(gw, 3, noUserId, "no user id");
    expectRateLimited(await post(gw, QUERY, noUserId), { limit: 3, periodSec: 60, key: "user" });
  });

  it("requests with the admin secret are never counted nor refused", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], auth: hsAuth(), rateLimits: [rule("ip")] });
    const ip = uniqueIp();
    await awayFromWindowEdge(gw, 60);
    await servedTimes(gw, 5, { ...ADMIN_HEADERS, "cf-connecting-ip": ip }, "admin before");
    // the admin requests left the IP's whole budget to the others
    const user = await asRole("user", uniqueId("erin"));
    await servedTimes(gw, 3, { ...user, "cf-connecting-ip": ip }, "user");
    expectRateLimited(await post(gw, QUERY, { ...user, "cf-connecting-ip": ip }), {
      limit: 3,
      periodSec: 60,
      key: "ip",
    });
    await servedTimes(gw, 2, { ...ADMIN_HEADERS, "cf-connecting-ip": ip }, "admin after");
  });

  it("requests refused by authentication are not counted (the rules run after it)", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], auth: hsAuth(), rateLimits: [rule("ip")] });
    const ip = uniqueIp();
    await awayFromWindowEdge(gw, 60);
    for (let i = 0; i < 4; i++) {
      const refused = await post(gw, QUERY, { "cf-connecting-ip": ip });
      expect(refused.status, refused.text).toBe(401);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    await servedTimes(gw, 3, { ...(await asRole("user", uniqueId("frank"))), "cf-connecting-ip": ip }, "after 401s");
  });

  it("without rateLimits nothing is limited, whatever the binding has counted for that IP", async () => {
    const ip = uniqueIp();
    const limited = testGateway(uniqueId(), { remotes: ["accounts"], rateLimits: [rule("ip")] });
    await awayFromWindowEdge(limited, 60);
    await servedTimes(limited, 3, { "cf-connecting-ip": ip }, "limited gateway");
    expect((await post(limited, QUERY, { "cf-connecting-ip": ip })).status).toBe(429);
    const open = testGateway(uniqueId(), { remotes: ["accounts"] });
    await servedTimes(open, 6, { "cf-connecting-ip": ip }, "gateway without rules");
  });
});

describe("rateLimits: a failing binding", () => {
  it("lets the request through and logs the failure (the one stand-in binding here: the real one cannot be made to fail)", async () => {
    const lines: string[] = [];
    const failing = { limit: () => Promise.reject(new Error("binding unavailable")) };
    const gw = testGateway(
      uniqueId(),
      { remotes: ["accounts"], rateLimits: [{ key: "ip", limit: 1, periodSec: 60, binding: "RATE_LIMITER_FAILING" }] },
      { env: { RATE_LIMITER_FAILING: failing }, log: createLogger({ sink: (line) => lines.push(line) }) },
    );
    await servedTimes(gw, 3, { "cf-connecting-ip": uniqueIp() }, "failing binding");
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.filter((line) => line.msg === "rate limiting binding failed; request let through")).toHaveLength(3);
    expect(logged.find((line) => line.level === "error")).toMatchObject({
      binding: "RATE_LIMITER_FAILING",
      error: "Error: binding unavailable",
    });
  });
});

describe("rateLimits: config errors", () => {
  it("a rule naming a binding the Worker lacks is INVALID_CONFIG at $.rateLimits[i].binding", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      rateLimits: [rule("ip"), { key: "ip", limit: 5, periodSec: 10, binding: "RATE_LIMITER_MISSING" }],
    });
    expect(await startupProblems(gw)).toEqual([
      {
        path: "$.rateLimits[1].binding",
        message:
          'rate limiting binding RATE_LIMITER_MISSING is not declared: add a [[ratelimits]] entry with name = "RATE_LIMITER_MISSING" to wrangler.toml',
      },
    ]);
  });

  it("a rule naming a binding that is not a rate limiter (a KV namespace) is INVALID_CONFIG", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      rateLimits: [{ key: "ip", limit: 3, periodSec: 60, binding: "SCHEMA_CACHE" }],
    });
    expect(await startupProblems(gw)).toEqual([
      {
        path: "$.rateLimits[0].binding",
        message: "SCHEMA_CACHE is not a rate limiting binding ([[ratelimits]] in wrangler.toml)",
      },
    ]);
  });

  it("the binding defaults to RATE_LIMITER (wrangler.toml's), which the test Worker has", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      rateLimits: [{ key: "ip", limit: 1000, periodSec: 60 }],
    });
    ok(await post(gw, QUERY, { "cf-connecting-ip": uniqueIp() }));
    const missing = testGateway(
      uniqueId(),
      { remotes: ["accounts"], rateLimits: [{ key: "ip", limit: 1000, periodSec: 60 }] },
      { env: { RATE_LIMITER: undefined } },
    );
    expect((await startupProblems(missing))[0]?.path).toBe("$.rateLimits[0].binding");
  });

  it("rejects a period other than 10 or 60, a limit below 1, a malformed binding name, an unknown key", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      rateLimits: [
        { key: "ip", limit: 3, periodSec: 30 },
        { key: "ip", limit: 0, periodSec: 60 },
        { key: "ip", limit: 3, periodSec: 60, binding: "rate_limiter" },
        { key: "token", limit: 3, periodSec: 60 },
      ],
    });
    const problems = await startupProblems(gw);
    expect(problems.map((problem) => problem.path)).toEqual([
      "$.rateLimits[0].periodSec",
      "$.rateLimits[1].limit",
      "$.rateLimits[2].binding",
      "$.rateLimits[3].key",
    ]);
    expect(problems[2]?.message).toBe("must be a binding name ([A-Z][A-Z0-9_]*)");
  });

  it("rejects key user or role without an auth section", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], rateLimits: [rule("ip"), rule("user"), rule("role")] });
    expect(await startupProblems(gw)).toEqual([
      {
        path: "$.rateLimits[1].key",
        message: 'key "user" needs an auth section (without it no caller has a user id); use "ip"',
      },
      {
        path: "$.rateLimits[2].key",
        message: 'key "role" needs an auth section (without it no caller has a role); use "ip"',
      },
    ]);
  });
});
