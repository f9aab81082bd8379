/**
 * @rest(batch: true) on a remote's type (docs/joins.md): one REST call per level with every distinct
 * key as a repeated query parameter, items matched to parents by the endpoint's keyField (missing keys
 * -> [] for a list field, null for an object field), `select` applied first; and the call-count rule
 * with @join and @rest together (shop, crm, billing: three calls for 100 orders).
 */
import { describe, expect, it } from "vitest";
import { ok, shopGateway } from "../fixtures/gateways";
import { restLog, restStats, uniqueId } from "../helpers";
import { customerOf, invoicesOf, operations, range, received, timesSent } from "./setup";

/** The orderId parameters of one logged request, sorted. */
function orderIdsOf(entry: string | undefined): string[] {
  const search = entry?.split("?")[1] ?? "";
  return new URLSearchParams(search).getAll("orderId").sort();
}

const sortedIds = (ns: number[]): string[] => ns.map((n) => `o${n}`).sort();

describe("@rest with batch: true", () => {
  it("100 orders with customer (@join batch) and invoices (@rest batch): one shop, one crm and one billing call", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders { id customer { name } invoices { id orderId amount } } }"));
    expect(data.orders).toEqual(
      range(100).map((n) => ({
        id: `o${n}`,
        customer: customerOf(n) && { name: customerOf(n)?.name },
        invoices: invoicesOf(n),
      })),
    );
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 1, crm: 1 });
    expect(await restStats(id)).toEqual({ requests: { "GET /invoices": 1 }, total: 1 });
    // Every key once, as repeated parameters: ?orderId=o1&orderId=o2...
    const log = await restLog(id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/^GET \/invoices\?orderId=o\d+(&orderId=o\d+)+$/);
    expect(orderIdsOf(log[0])).toEqual(sortedIds(range(100)));
    for (const key of ["c1", "c5", "c404"]) expect(timesSent(await received(id, "crm"), key), key).toBe(1);
  });

  it("matches items by keyField although the service answers in another order; a parent without items gets []", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 6) { id invoices { id amount } } }"));
    expect(data.orders).toEqual(
      range(6).map((n) => ({ id: `o${n}`, invoices: invoicesOf(n).map(({ id, amount }) => ({ id, amount })) })),
    );
    expect((data.orders as Array<{ invoices: unknown[] }>)[4]?.invoices).toEqual([]);
    expect(await restStats(id)).toEqual({ requests: { "GET /invoices": 1 }, total: 1 });
  });

  it("answers the first match or null for an object field", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 5) { id firstInvoice { id amount } } }"));
    expect(data.orders).toEqual(
      range(5).map((n) => ({
        id: `o${n}`,
        firstInvoice: n === 5 ? null : { id: `inv-o${n}-1`, amount: n * 10 + 1 },
      })),
    );
    expect(await restStats(id)).toEqual({ requests: { "GET /invoices": 1 }, total: 1 });
  });

  it("applies the endpoint's select before matching", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 10) { id wrappedInvoices { id orderId } } }"));
    expect(data.orders).toEqual(
      range(10).map((n) => ({
        id: `o${n}`,
        wrappedInvoices: invoicesOf(n).map(({ id, orderId }) => ({ id, orderId })),
      })),
    );
    expect(await restStats(id)).toEqual({ requests: { "GET /invoices-wrapped": 1 }, total: 1 });
    expect(orderIdsOf((await restLog(id))[0])).toEqual(sortedIds(range(10)));
  });

  it("fetches the parent key (id) without showing it, and sends each distinct key once across the level", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(`{
        orders(count: 3) { total invoices { amount } }
        search { ... on Order { invoices { id } } ... on Coupon { code } }
      }`),
    );
    expect(data).toEqual({
      orders: [
        { total: 10, invoices: [{ amount: 11 }, { amount: 12 }] },
        { total: 20, invoices: [{ amount: 21 }, { amount: 22 }] },
        { total: 30, invoices: [{ amount: 31 }, { amount: 32 }] },
      ],
      search: [
        { invoices: [{ id: "inv-o1-1" }, { id: "inv-o1-2" }] },
        { code: "SAVE10" },
        { invoices: [{ id: "inv-o2-1" }, { id: "inv-o2-2" }] },
      ],
    });
    expect(await operations(id, ["shop"])).toEqual({ shop: 1 });
    expect(await restStats(id)).toEqual({ requests: { "GET /invoices": 1 }, total: 1 });
    expect(orderIdsOf((await restLog(id))[0])).toEqual(["o1", "o2", "o3"]);
  });

  it("takes variables and fragments", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(
        "query ($n: Int) { orders(count: $n) { ...Billing } } fragment Billing on Order { id invoices { ...I } } fragment I on Invoice { amount }",
        { n: 2 },
      ),
    );
    expect(data.orders).toEqual([
      { id: "o1", invoices: [{ amount: 11 }, { amount: 12 }] },
      { id: "o2", invoices: [{ amount: 21 }, { amount: 22 }] },
    ]);
    expect((await restStats(id)).total).toBe(1);
  });

  it("nulls only the field, with its path and serviceName, when the service fails", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const res = await gw.graphql("{ orders(count: 3) { id brokenInvoices { id } invoices { id } } }");
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data?.orders).toEqual(
      range(3).map((n) => ({
        id: `o${n}`,
        brokenInvoices: null,
        invoices: invoicesOf(n).map(({ id }) => ({ id })),
      })),
    );
    const errors = res.body.errors ?? [];
    expect(errors.length, JSON.stringify(errors)).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.path, JSON.stringify(error)).toEqual(["orders", error.path?.[1], "brokenInvoices"]);
      expect(error.extensions?.serviceName, JSON.stringify(error)).toBe("billing");
    }
    expect(new Set(errors.map((e) => e.path?.[1]))).toEqual(new Set([0, 1, 2]));
    expect(JSON.stringify(res.body)).not.toContain("hunter2");
    // The batch GET answered 503 is retried twice (issue 12, retries): 3 calls, one error per parent.
    expect(await restStats(id)).toEqual({ requests: { "GET /status/503": 3, "GET /invoices": 1 }, total: 4 });
  });
});

describe("@rest on a remote's type without batch", () => {
  it("calls the endpoint once per distinct parent, with args templates from the parent", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 3) { id a: invoicesOne { id } b: invoicesOne { amount } } }"));
    expect(data.orders).toEqual(
      range(3).map((n) => ({
        id: `o${n}`,
        a: invoicesOf(n).map(({ id }) => ({ id })),
        b: invoicesOf(n).map(({ amount }) => ({ amount })),
      })),
    );
    expect(await restStats(id)).toEqual({
      requests: { "GET /invoices/by-order/o1": 1, "GET /invoices/by-order/o2": 1, "GET /invoices/by-order/o3": 1 },
      total: 3,
    });
  });
});
