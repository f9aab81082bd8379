/**
 * The upstream plugin `retry` (docs/security.md "Upstream resilience"): idempotent calls (a remote's
 * queries, a service's GET) are sent again after a connection failure or HTTP 429/502/503/504, at most
 * `retries` times, honouring Retry-After, all within the call's `timeoutMs`; mutations and POSTs never.
 * Counted on the real loopback upstreams (fixtures/upstreams.ts `failures`, fixtures/rest-upstream.ts `/flaky`).
 */
import { describe, expect, it } from "vitest";
import { parseRetryAfter } from "../../src/upstream";
import { ok, testGateway } from "../fixtures/gateways";
import { control, restStats, stats, uniqueId } from "../helpers";

/** Ordinary operations (not introspection) the accounts remote of test `id` received. */
const accountsOperations = async (id: string): Promise<number> => (await stats(id, "accounts")).operations;

/** When the accounts remote received its last operations, ms since the epoch. */
async function arrivals(id: string): Promise<number[]> {
  return ((await stats(id, "accounts")) as unknown as { lastTimes: number[] }).lastTimes;
}

/** A gateway over test `id`'s accounts and products remotes, `accounts` merged into the accounts entry. */
const gatewayOf = (id: string, accounts: Record<string, unknown> = {}) =>
  testGateway(id, { remotes: [{ name: "accounts", ...accounts }, "products"] });

describe("retries of remote queries", () => {
  it("retries a query answered 503 and returns the second answer: 2 upstream calls, no error", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id);
    ok(await gw.graphql("{ __typename }"));
    await control(id, "accounts", { failures: 1, failMode: "503" });
    expect(ok(await gw.graphql('{ user(id: "2") { name } }'))).toEqual({ user: { name: "Grace" } });
    expect(await accountsOperations(id)).toBe(2);
  });

  it("retries through executor-http too (an operation over two remotes), and after a reset connection", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id);
    ok(await gw.graphql("{ __typename }"));
    await control(id, "accounts", { failures: 1, failMode: "reset" });
    expect(ok(await gw.graphql("{ me { id } products(limit: 1) { upc } }"))).toEqual({
      me: { id: "1" },
      products: [{ upc: "p1" }],
    });
    expect(await accountsOperations(id)).toBe(2);
  });

  it("honours Retry-After on a 429: the second call comes at least its 1 s later", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id, { timeoutMs: 5000 });
    ok(await gw.graphql("{ __typename }"));
    await control(id, "accounts", { failures: 1, failMode: "429", retryAfter: "1" });
    expect(ok(await gw.graphql("{ me { id } }"))).toEqual({ me: { id: "1" } });
    const [first, second] = await arrivals(id);
    expect(await accountsOperations(id)).toBe(2);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(950);
  });

  it("never retries a mutation: 1 upstream call, UPSTREAM_UNAVAILABLE", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id);
    ok(await gw.graphql("{ __typename }"));
    await control(id, "accounts", { failures: 1, failMode: "503" });
    const { body } = await gw.graphql('mutation { rename(id: "1", name: "Ada L") { name } }');
    expect(body.data).toEqual({ rename: null });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", serviceName: "accounts" });
    expect(await accountsOperations(id)).toBe(1);
  });

  it("stops after `retries`: 3 calls with the default 2, 1 call with retries 0", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id);
    ok(await gw.graphql("{ __typename }"));
    await control(id, "accounts", { failures: 10, failMode: "503" });
    const { body } = await gw.graphql("{ me { id } }");
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 503 });
    expect(await accountsOperations(id)).toBe(3);

    const other = uniqueId();
    const none = gatewayOf(other, { retries: 0 });
    ok(await none.graphql("{ __typename }"));
    await control(other, "accounts", { failures: 10, failMode: "503" });
    expect((await none.graphql("{ me { id } }")).body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(await accountsOperations(other)).toBe(1);
  });

  it("stays within timeoutMs: a Retry-After beyond what is left is not waited for", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id, { timeoutMs: 800 });
    ok(await gw.graphql("{ __typename }"));
    await control(id, "accounts", { failures: 10, failMode: "503", retryAfter: "2" });
    const started = Date.now();
    const { body } = await gw.graphql("{ me { id } }");
    expect(Date.now() - started).toBeLessThan(800);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", status: 503 });
    expect(await accountsOperations(id)).toBe(1);
  });

  it("stays within timeoutMs: a slow retry ends as UPSTREAM_TIMEOUT at the budget, not one timeout per attempt", async () => {
    const id = uniqueId();
    const gw = gatewayOf(id, { timeoutMs: 600 });
    ok(await gw.graphql("{ __typename }"));
    // The first call fails at once, the retry hangs (mode slow) beyond the budget.
    await control(id, "accounts", { failures: 1, failMode: "503", mode: "slow", delayMs: 3000 });
    const started = Date.now();
    const { body } = await gw.graphql("{ me { id } }");
    const elapsed = Date.now() - started;
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_TIMEOUT", serviceName: "accounts" });
    expect(elapsed).toBeLessThan(1100);
    expect(await accountsOperations(id)).toBe(2);
  });
});

describe("retries of REST calls", () => {
  const FLAKY = {
    name: "flaky",
    endpoints: {
      read: { method: "GET", path: "/flaky/read", query: { fail: "{args.fail}" } },
      write: { method: "POST", path: "/flaky/write", query: { fail: "{args.fail}" } },
    },
  };
  const SDL = `
    type Attempt { id: ID! attempt: Int! }
    extend type Query { flakyRead(fail: Int!): Attempt @rest(service: "flaky", endpoint: "read") }
    extend type Mutation { flakyWrite(fail: Int!): Attempt @rest(service: "flaky", endpoint: "write") }
  `;

  it("retries a GET answered 503 (2 calls) and never a POST (1 call, UPSTREAM_HTTP_ERROR)", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: ["accounts"], services: [FLAKY] },
      { files: { "schemas/flaky.graphql": SDL } },
    );
    expect(ok(await gw.graphql("{ flakyRead(fail: 1) { id attempt } }"))).toEqual({
      flakyRead: { id: "read", attempt: 2 },
    });
    const { body } = await gw.graphql("mutation { flakyWrite(fail: 1) { id } }");
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_HTTP_ERROR",
      serviceName: "flaky",
      endpoint: "write",
      status: 503,
    });
    expect((await restStats(id)).requests).toEqual({ "GET /flaky/read": 2, "POST /flaky/write": 1 });
  });
});

describe("parseRetryAfter (RFC 9110, section 10.2.3)", () => {
  it("reads seconds and HTTP dates, and ignores anything else", () => {
    const now = Date.parse("Sun, 06 Nov 1994 08:49:37 GMT");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:40 GMT", now)).toBe(3000);
    expect(parseRetryAfter("Sun, 06 Nov 1994 08:49:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
