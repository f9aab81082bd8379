/**
 * The upstream plugin `circuit-breaker` (docs/security.md "Upstream resilience"): per upstream and
 * isolate, `failureThreshold` consecutive failed calls open the circuit; while open, calls are refused
 * with UPSTREAM_CIRCUIT_OPEN without reaching the upstream and the rest of the operation still answers;
 * after `resetTimeoutMs` exactly one probe goes through, whose outcome closes or re-opens it.
 */
import { describe, expect, it } from "vitest";
import { ok, testGateway } from "../fixtures/gateways";
import { control, stats, type TestGateway, uniqueId } from "../helpers";

const CROSS_QUERY = "{ me { id } products(limit: 1) { upc } }";

/** Ordinary operations (not introspection) the accounts remote of test `id` received. */
const accountsOperations = async (id: string): Promise<number> => (await stats(id, "accounts")).operations;

/** A gateway whose accounts remote opens after 3 failures and stays open `resetTimeoutMs`; no retries. */
function breakerGateway(id: string, resetTimeoutMs: number, more: Record<string, unknown> = {}): TestGateway {
  return testGateway(id, {
    remotes: [
      { name: "accounts", retries: 0, circuitBreaker: { failureThreshold: 3, resetTimeoutMs }, ...more },
      "products",
    ],
  });
}

/** Runs CROSS_QUERY and returns the code of the error on `me` (products must answer). */
async function meCode(gw: TestGateway): Promise<unknown> {
  const { status, body } = await gw.graphql(CROSS_QUERY);
  expect(status).toBe(200);
  expect(body.data?.products).toEqual([{ upc: "p1" }]);
  if (body.errors === undefined) return "none";
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0]?.path).toEqual(["me"]);
  expect(body.errors[0]?.extensions?.serviceName).toBe("accounts");
  return body.errors[0]?.extensions?.code;
}

/** Opens the accounts circuit of `gw`: 3 failing calls (mode 503), each reaching the upstream. */
async function openCircuit(id: string, gw: TestGateway): Promise<void> {
  ok(await gw.graphql("{ __typename }"));
  await control(id, "accounts", { mode: "503" });
  for (let i = 0; i < 3; i++) expect(await meCode(gw)).toBe("UPSTREAM_UNAVAILABLE");
  expect(await accountsOperations(id)).toBe(3);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the circuit breaker", () => {
  it("opens after failureThreshold failures: no upstream call while open, UPSTREAM_CIRCUIT_OPEN, other remotes intact", async () => {
    const id = uniqueId();
    const gw = breakerGateway(id, 60_000);
    await openCircuit(id, gw);
    await control(id, "accounts", { mode: "ok" });
    for (let i = 0; i < 2; i++) expect(await meCode(gw)).toBe("UPSTREAM_CIRCUIT_OPEN");
    const { body } = await gw.graphql("{ me { id } }");
    expect(body.errors?.[0]).toMatchObject({
      path: ["me"],
      extensions: { code: "UPSTREAM_CIRCUIT_OPEN", serviceName: "accounts" },
    });
    expect(await accountsOperations(id)).toBe(3);
  });

  it("lets one probe through after resetTimeoutMs; its success closes the circuit", async () => {
    const id = uniqueId();
    const gw = breakerGateway(id, 300);
    await openCircuit(id, gw);
    await control(id, "accounts", { mode: "ok" });
    expect(await meCode(gw)).toBe("UPSTREAM_CIRCUIT_OPEN");
    await sleep(350);
    expect(await meCode(gw)).toBe("none");
    expect(await meCode(gw)).toBe("none");
    expect(await accountsOperations(id)).toBe(5);
  });

  it("re-opens when the probe fails: the next call is refused without reaching the upstream", async () => {
    const id = uniqueId();
    const gw = breakerGateway(id, 300);
    await openCircuit(id, gw);
    await sleep(350);
    expect(await meCode(gw)).toBe("UPSTREAM_UNAVAILABLE");
    expect(await accountsOperations(id)).toBe(4);
    expect(await meCode(gw)).toBe("UPSTREAM_CIRCUIT_OPEN");
    expect(await accountsOperations(id)).toBe(4);
  });

  it("lets exactly one probe through while half-open: a concurrent call is refused", async () => {
    const id = uniqueId();
    const gw = breakerGateway(id, 300);
    await openCircuit(id, gw);
    await control(id, "accounts", { mode: "slow", delayMs: 300 });
    await sleep(350);
    const codes = await Promise.all([meCode(gw), meCode(gw)]);
    expect(codes.sort()).toEqual(["UPSTREAM_CIRCUIT_OPEN", "none"]);
    expect(await accountsOperations(id)).toBe(4);
  });

  it("counts a timeout as a failure, and one call with its retries once", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", timeoutMs: 300, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } }],
    });
    ok(await gw.graphql("{ __typename }"));
    // Call 1: 503, retried twice (3 upstream operations), one failure. Call 2: a timeout, the second failure.
    await control(id, "accounts", { failures: 3, failMode: "503", mode: "slow", delayMs: 2000 });
    expect((await gw.graphql("{ me { id } }")).body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    expect(await accountsOperations(id)).toBe(3);
    expect((await gw.graphql("{ me { id } }")).body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_TIMEOUT");
    expect(await accountsOperations(id)).toBe(4);
    expect((await gw.graphql("{ me { id } }")).body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_CIRCUIT_OPEN");
    expect(await accountsOperations(id)).toBe(4);
  });

  it('never opens with "circuitBreaker": false', async () => {
    const id = uniqueId();
    const gw = breakerGateway(id, 60_000, { circuitBreaker: false });
    await openCircuit(id, gw);
    // More failures in a row than the default threshold (5), each still calling the remote.
    for (let i = 0; i < 3; i++) expect(await meCode(gw)).toBe("UPSTREAM_UNAVAILABLE");
    expect(await accountsOperations(id)).toBe(6);
  });

  it("keeps one circuit per gateway (isolate) and upstream: another gateway still calls the remote", async () => {
    const id = uniqueId();
    const gw = breakerGateway(id, 60_000);
    await openCircuit(id, gw);
    await control(id, "accounts", { mode: "ok" });
    expect(await meCode(gw)).toBe("UPSTREAM_CIRCUIT_OPEN");
    expect(await meCode(breakerGateway(id, 60_000))).toBe("none");
    expect(await accountsOperations(id)).toBe(4);
  });
});
