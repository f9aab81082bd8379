/**
 * @join (docs/joins.md): fields of a remote's type (shop's Order) resolved by a root field of another
 * remote (crm), batched (one call per level with the distinct keys, results matched by key) or not
 * (one delegation per distinct argument set, all in one HTTP request); parent keys fetched but hidden;
 * aliases, fragments, variables, unions, interfaces, customization; errors of the joined source.
 * Every test counts the operations the real fixture upstreams received.
 */
import { describe, expect, it } from "vitest";
import { ok, shopGateway } from "../fixtures/gateways";
import { control, uniqueId } from "../helpers";
import { CUSTOMERS, customerIdOf, customerOf, operations, range, received, rootSelections, timesSent } from "./setup";

const BOTH = ["shop", "crm"] as const;

describe("@join with batch: true", () => {
  it("joins 100 orders to their customers with one shop and one crm operation, matching by key", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders { id customerId customer { id name tier } } }"));
    // crm answers the known ids in reverse order and leaves c404 out: results are matched by id.
    expect(data.orders).toEqual(
      range(100).map((n) => ({ id: `o${n}`, customerId: customerIdOf(n), customer: customerOf(n) })),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    const crm = await received(id, "crm");
    expect(rootSelections(crm, "customersByIds")).toBe(1);
    // The call got the distinct keys: each once, however many orders share it.
    for (const key of ["c1", "c2", "c3", "c4", "c5", "c404"]) expect(timesSent(crm, key), key).toBe(1);
  });

  it("fetches the parent's key without showing it when not selected, shows it when selected (or aliased)", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const hidden = ok(await gw.graphql("{ orders(count: 3) { total customer { name } } }"));
    expect(hidden.orders).toEqual([
      { total: 10, customer: { name: "Alice" } },
      { total: 20, customer: { name: "Bob" } },
      { total: 30, customer: { name: "Carol" } },
    ]);
    const shown = ok(await gw.graphql("{ orders(count: 2) { customerId customer { tier } } }"));
    expect(shown.orders).toEqual([
      { customerId: "c1", customer: { tier: "gold" } },
      { customerId: "c2", customer: { tier: "silver" } },
    ]);
    const aliased = ok(await gw.graphql("{ orders(count: 2) { cid: customerId customer { name } } }"));
    expect(aliased.orders).toEqual([
      { cid: "c1", customer: { name: "Alice" } },
      { cid: "c2", customer: { name: "Bob" } },
    ]);
    // Nor does the target's key field (id) show when only name is selected, and no __typename leaks.
    expect(JSON.stringify(hidden)).not.toMatch(/"id"|__typename|customerId/);
    expect(await operations(id, BOTH)).toEqual({ shop: 3, crm: 3 });
  });

  it("answers null for a key the joined source does not know, without an error", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql('{ order(id: "o7") { id customer { name } } other: order(id: "o8") { customer { name } } }'),
    );
    expect(data).toEqual({ order: { id: "o7", customer: null }, other: { customer: { name: "Carol" } } });
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
  });

  it("handles aliases of the joined field and of the target's fields, in one crm call", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql("{ list: orders(count: 6) { key: id buyer: customer { who: name } again: customer { tier } } }"),
    );
    expect(data.list).toEqual(
      range(6).map((n) => ({
        key: `o${n}`,
        buyer: { who: customerOf(n)?.name },
        again: { tier: customerOf(n)?.tier },
      })),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
  });

  it("handles named and inline fragments on the parent and on the joined type", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(`
        query Orders { orders(count: 4) { ...O } }
        fragment O on Order { id ... on Order { customer { ...C ... on Customer { tier } } } }
        fragment C on Customer { name }
      `),
    );
    expect(data.orders).toEqual(
      range(4).map((n) => ({ id: `o${n}`, customer: { name: customerOf(n)?.name, tier: customerOf(n)?.tier } })),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
  });

  it("handles variables and directives: $count on the root field, @include on the joined field", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const query =
      "query ($n: Int!, $with: Boolean!) { orders(count: $n) { id customer @include(if: $with) { name } } }";
    const on = ok(await gw.graphql(query, { n: 3, with: true }));
    expect(on.orders).toEqual(range(3).map((n) => ({ id: `o${n}`, customer: { name: customerOf(n)?.name } })));
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    const off = ok(await gw.graphql(query, { n: 2, with: false }));
    expect(off.orders).toEqual([{ id: "o1" }, { id: "o2" }]);
    // Not selected: crm is not called.
    expect(await operations(id, BOTH)).toEqual({ shop: 2, crm: 1 });
  });

  it("joins inside a union and an interface, one crm call for the level", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(`{
        search { __typename ... on Order { id customer { name } } ... on Coupon { code } }
        purchases { id ... on Order { customer { tier } } }
      }`),
    );
    expect(data).toEqual({
      search: [
        { __typename: "Order", id: "o1", customer: { name: "Alice" } },
        { __typename: "Coupon", code: "SAVE10" },
        { __typename: "Order", id: "o2", customer: { name: "Bob" } },
      ],
      purchases: [
        { id: "o3", customer: { tier: "bronze" } },
        { id: "o4", customer: { tier: "gold" } },
      ],
    });
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
  });

  it("gives the one call of a level the distinct keys of all its parents, wherever the field is selected", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(
        "{ orders(count: 3) { id customer { name } } search { ... on Order { id customer { name } } } }",
      ),
    );
    expect(data).toEqual({
      orders: range(3).map((n) => ({ id: `o${n}`, customer: { name: customerOf(n)?.name } })),
      search: [{ id: "o1", customer: { name: "Alice" } }, {}, { id: "o2", customer: { name: "Bob" } }],
    });
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    const crm = await received(id, "crm");
    expect(rootSelections(crm, "customersByIds")).toBe(1);
    for (const key of ["c1", "c2", "c3"]) expect(timesSent(crm, key), key).toBe(1);
  });

  it("works through crm's customization: gateway type and field names in the SDL and query, crm's own field in @join", async () => {
    const id = uniqueId();
    const sdl = `
extend type Order {
  customer: Crm_Customer @join(remote: "crm", field: "customersByIds", args: { ids: "{parent.customerId}" }, batch: true)
  customerSingle: Crm_Customer @join(remote: "crm", field: "customer", args: { id: "{parent.customerId}" })
}`;
    const gw = shopGateway(id, {
      files: { "schemas/joins.graphql": sdl },
      crm: {
        customization: {
          typeNames: { prefix: "Crm_" },
          fieldNames: [
            { parentType: "Query", mapping: { customersByIds: "crmCustomers", customer: "crmCustomer" } },
            { parentType: "Customer", mapping: { name: "fullName" } },
          ],
        },
      },
    });
    const data = ok(
      await gw.graphql("{ orders(count: 7) { id customer { __typename id fullName } customerSingle { fullName } } }"),
    );
    expect(data.orders).toEqual(
      range(7).map((n) => {
        const c = customerOf(n);
        return {
          id: `o${n}`,
          customer: c && { __typename: "Crm_Customer", id: c.id, fullName: c.name },
          customerSingle: c && { fullName: c.name },
        };
      }),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    const crm = await received(id, "crm");
    // crm got its own field and type names (gateway names may appear as aliases only).
    expect(rootSelections(crm, "customersByIds")).toBe(1);
    const withoutAliases = crm.map((op) => op.query.replace(/[\w$]+\s*:/g, "")).join("\n");
    expect(withoutAliases).not.toMatch(/crmCustomer|fullName|Crm_/);
    expect(withoutAliases).toMatch(/(?<![\w$])name(?![\w$])/);
    // The renamed root fields still serve.
    expect(ok(await gw.graphql('{ crmCustomer(id: "c4") { fullName } }'))).toEqual({
      crmCustomer: { fullName: "Dan" },
    });
  });
});

describe("@join without batch", () => {
  it("makes one delegation per distinct argument set, all in one HTTP request", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 20) { id customerSingle { id name } } }"));
    expect(data.orders).toEqual(
      range(20).map((n) => {
        const c = customerOf(n);
        return { id: `o${n}`, customerSingle: c && { id: c.id, name: c.name } };
      }),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    // 20 orders, 6 distinct customer ids (c1..c5 and c404): 6 delegations of crm's customer field.
    const crm = await received(id, "crm");
    expect(rootSelections(crm, "customer")).toBe(6);
    for (const key of ["c1", "c2", "c3", "c4", "c5", "c404"]) expect(timesSent(crm, key), key).toBe(1);
  });

  it("reads {args.x} from the field's arguments (literal or variable): one delegation per distinct value", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(
        'query ($c: ID!) { orders(count: 10) { id a: customerById(id: $c) { name } b: customerById(id: "c1") { name } c: customerById(id: "c9") { name } } }',
        { c: "c3" },
      ),
    );
    expect(data.orders).toEqual(
      range(10).map((n) => ({ id: `o${n}`, a: { name: "Carol" }, b: { name: "Alice" }, c: null })),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    const crm = await received(id, "crm");
    expect(rootSelections(crm, "customer")).toBe(3);
  });

  it("deduplicates argument sets per level, across the positions the field is selected at", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(
      await gw.graphql(
        "{ orders(count: 5) { id customerSingle { name } } search { ... on Order { id customerSingle { name } } } }",
      ),
    );
    expect(data).toEqual({
      orders: range(5).map((n) => ({ id: `o${n}`, customerSingle: { name: customerOf(n)?.name } })),
      search: [{ id: "o1", customerSingle: { name: "Alice" } }, {}, { id: "o2", customerSingle: { name: "Bob" } }],
    });
    expect(await operations(id, BOTH)).toEqual({ shop: 1, crm: 1 });
    // Level 1 has 7 parents with 5 distinct customer ids: 5 delegations.
    const crm = await received(id, "crm");
    expect(rootSelections(crm, "customer")).toBe(5);
    for (const key of ["c1", "c2", "c3", "c4", "c5"]) expect(timesSent(crm, key), key).toBe(1);
  });

  it("hides the parent key of an unbatched join too", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 2) { note customerSingle { tier } } }"));
    expect(data.orders).toEqual([
      { note: null, customerSingle: { tier: "gold" } },
      { note: "note 2", customerSingle: { tier: "silver" } },
    ]);
  });
});

describe("nested joins", () => {
  it("makes one call per source and level: shop -> crm -> shop -> crm", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const data = ok(await gw.graphql("{ orders(count: 3) { id customer { id orders { id customer { name } } } } }"));
    // ordersOf(customerId, count: 1) gives each customer's first order, whose customer is that customer.
    expect(data.orders).toEqual(
      range(3).map((n) => ({
        id: `o${n}`,
        customer: { id: `c${n}`, orders: [{ id: `o${n}`, customer: { name: CUSTOMERS[n - 1]?.name } }] },
      })),
    );
    expect(await operations(id, BOTH)).toEqual({ shop: 2, crm: 2 });
    expect(rootSelections(await received(id, "shop"), "ordersOf")).toBe(3);
  });
});

describe("errors of the joined source", () => {
  it.each(["500", "reset"])(
    'nulls only the joined field, with its path and serviceName "crm", when crm fails (%s)',
    async (mode) => {
      const id = uniqueId();
      const gw = shopGateway(id);
      // Compose first (introspection works), then make crm's operations fail.
      ok(await gw.graphql("{ customerCount }"));
      await control(id, "crm", { mode });
      const res = await gw.graphql("{ orders(count: 5) { id total buyer: customer { name } } }");
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data?.orders).toEqual(range(5).map((n) => ({ id: `o${n}`, total: n * 10, buyer: null })));
      const errors = res.body.errors ?? [];
      expect(errors.length, JSON.stringify(errors)).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error.path?.[0], JSON.stringify(error)).toBe("orders");
        expect(error.path?.[2], JSON.stringify(error)).toBe("buyer");
        expect(error.path, JSON.stringify(error)).toHaveLength(3);
        expect(error.extensions?.serviceName, JSON.stringify(error)).toBe("crm");
      }
      // Every nulled field has its error.
      expect(new Set(errors.map((e) => e.path?.[1]))).toEqual(new Set([0, 1, 2, 3, 4]));
      expect(JSON.stringify(res.body)).not.toContain("secret");
      const calls = await operations(id, BOTH);
      expect(calls.shop).toBe(1);
      // customerCount, then the join's one query: a reset connection is retried twice (issue 12, retries).
      expect(calls.crm).toBe(mode === "reset" ? 4 : 2);
    },
  );

  it("nulls only the unbatched joined field when crm answers 500", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    ok(await gw.graphql("{ customerCount }"));
    await control(id, "crm", { mode: "500" });
    const res = await gw.graphql("{ orders(count: 2) { id customerSingle { name } } }");
    expect(res.body.data?.orders).toEqual([
      { id: "o1", customerSingle: null },
      { id: "o2", customerSingle: null },
    ]);
    const errors = res.body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error.path?.slice(0, 1).concat(error.path?.slice(2) ?? [])).toEqual(["orders", "customerSingle"]);
      expect(error.extensions?.serviceName).toBe("crm");
    }
    expect(new Set(errors.map((e) => e.path?.[1]))).toEqual(new Set([0, 1]));
  });
});
