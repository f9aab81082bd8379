/**
 * `limits.maxJoinDepth` (default 5) and `limits.maxJoinFanOut` (default 50), docs/joins.md "Limits": an
 * operation over a limit is rejected in validation with HTTP 400 JOIN_LIMIT_EXCEEDED (limit, max,
 * actual) before any upstream call. Join points: @join fields, @rest fields on non-root types, and
 * selection sets on a merged type that select fields of different remotes; fragments expanded.
 */
import { describe, expect, it } from "vitest";
import { type Answer, mergeGateway, ok, shopGateway } from "../fixtures/gateways";
import { restStats, uniqueId } from "../helpers";
import { operations } from "./setup";

/** Asserts a 400 JOIN_LIMIT_EXCEEDED naming the limit, its max and the operation's value. */
function exceeded(res: Answer, limit: "maxJoinDepth" | "maxJoinFanOut", max: number, actual: number): void {
  const text = JSON.stringify(res.body);
  expect(res.status, text).toBe(400);
  expect(res.body.data ?? undefined, text).toBeUndefined();
  expect(res.body.errors?.[0]?.extensions, text).toMatchObject({ code: "JOIN_LIMIT_EXCEEDED", limit, max, actual });
  expect(res.body.errors?.[0]?.message, text).toBeTruthy();
}

/**
 * `levels` nested joins: orders { customer { id orders { id customer ... } } } with `count` root orders;
 * `leaf` is added to the innermost selection (which is on Customer when `levels` is odd).
 */
function chain(levels: number, leaf = "", count = 2): string {
  let inner = leaf;
  for (let level = levels; level >= 1; level--) {
    inner = `${level % 2 === 1 ? "customer" : "orders"} { id ${inner} }`;
  }
  return `{ orders(count: ${count}) { ${inner} } }`;
}

/** Asserts no operation reached shop or crm and no REST call reached billing. */
async function nothingCalled(id: string): Promise<void> {
  expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 0, crm: 0 });
  expect((await restStats(id)).total).toBe(0);
}

describe("maxJoinDepth", () => {
  it("defaults to 5: depth 5 runs (one call per source and level), depth 6 is rejected before any call", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const deep = await gw.graphql(chain(6, "name"));
    exceeded(deep, "maxJoinDepth", 5, 6);
    await nothingCalled(id);

    const data = ok(await gw.graphql(chain(5, "name")));
    // o1 -> c1 -> [o1] -> c1 -> [o1] -> c1 (Alice); o2 likewise with c2 (Bob).
    const expected = (n: number, name: string) => ({
      customer: {
        id: `c${n}`,
        orders: [
          {
            id: `o${n}`,
            customer: { id: `c${n}`, orders: [{ id: `o${n}`, customer: { id: `c${n}`, name } }] },
          },
        ],
      },
    });
    expect(data.orders).toEqual([expected(1, "Alice"), expected(2, "Bob")]);
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 3, crm: 3 });
  });

  it("applies a configured lower limit, counting @rest fields on non-root types", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, { more: { limits: { maxJoinDepth: 2 } } });
    exceeded(await gw.graphql(chain(3)), "maxJoinDepth", 2, 3);
    exceeded(
      await gw.graphql("{ orders(count: 1) { customer { orders { invoices { id } } } } }"),
      "maxJoinDepth",
      2,
      3,
    );
    // Through a fragment the depth is the same.
    exceeded(
      await gw.graphql("{ orders(count: 1) { ...F } } fragment F on Order { customer { orders { customer { id } } } }"),
      "maxJoinDepth",
      2,
      3,
    );
    await nothingCalled(id);

    const data = ok(await gw.graphql("{ orders(count: 1) { invoices { amount } customer { name orders { id } } } }"));
    expect(data.orders).toEqual([
      { invoices: [{ amount: 11 }, { amount: 12 }], customer: { name: "Alice", orders: [{ id: "o1" }] } },
    ]);
  });

  it("counts selection sets on a merged type that select fields of both remotes", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id, undefined, undefined, { limits: { maxJoinDepth: 1 } });
    const deep = await gw.graphql("{ people { name reviews { id author { email reviews { id } } } } }");
    exceeded(deep, "maxJoinDepth", 1, 2);
    expect(await operations(id, ["people", "reviews"])).toEqual({ people: 0, reviews: 0 });

    const data = ok(await gw.graphql("{ people { name reviews { id } } }"));
    expect((data.people as unknown[]).length).toBe(5);
    expect(await operations(id, ["people", "reviews"])).toEqual({ people: 1, reviews: 1 });
  });
});

describe("maxJoinFanOut", () => {
  it("defaults to 50: 51 join points are rejected, 50 run in one crm call", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `c${i}: customer { name }`).join(" ");
    exceeded(await gw.graphql(`{ orders(count: 2) { id ${aliases(51)} } }`), "maxJoinFanOut", 50, 51);
    await nothingCalled(id);

    const data = ok(await gw.graphql(`{ orders(count: 2) { id ${aliases(50)} } }`));
    const first = (data.orders as Array<Record<string, unknown>>)[0];
    expect(first?.c0).toEqual({ name: "Alice" });
    expect(first?.c49).toEqual({ name: "Alice" });
    expect((data.orders as Array<Record<string, unknown>>)[1]?.c25).toEqual({ name: "Bob" });
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 1, crm: 1 });
  });

  it("applies a configured limit to the whole operation, fragments expanded", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, { more: { limits: { maxJoinFanOut: 3 } } });
    // F has 2 join points and is spread twice: 4.
    exceeded(
      await gw.graphql(
        "{ orders(count: 1) { ...F } search { ... on Order { ...F } } } fragment F on Order { customer { id } invoices { id } }",
      ),
      "maxJoinFanOut",
      3,
      4,
    );
    // Two root fields, each with join points: counted together.
    exceeded(
      await gw.graphql(
        '{ orders(count: 1) { customer { id } customerSingle { id } } order(id: "o2") { invoices { id } firstInvoice { id } } }',
      ),
      "maxJoinFanOut",
      3,
      4,
    );
    await nothingCalled(id);

    const data = ok(
      await gw.graphql(
        "{ orders(count: 1) { ...F } } fragment F on Order { customer { id } customerSingle { id } invoices { id } }",
      ),
    );
    expect(data.orders).toEqual([
      { customer: { id: "c1" }, customerSingle: { id: "c1" }, invoices: [{ id: "inv-o1-1" }, { id: "inv-o1-2" }] },
    ]);
  });
});
