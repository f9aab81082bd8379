/**
 * Query plans answer as stitching does (test/plans/harness.ts): each test sends one or more documents over
 * the four merged-type remotes (test/fixtures/plan-upstreams.ts) to a gateway with plans off and one with
 * plans on, and asserts the same data text, the same error set and no more upstream calls with plans.
 * Each test also pins a little of the answer itself, so two equally wrong answers do not pass.
 */
import { describe, expect, it } from "vitest";
import { fieldOf, HIVE_QUERY, hiveSpec, planPair } from "./harness";

describe("query plans answer documents over merged types as stitching does", () => {
  it("root fields of two remotes in one operation", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same("{ me { id name } topProducts(first: 2) { upc name price } }");
    expect(off.body.data).toEqual({
      me: { id: "u1", name: "Ada Lovelace" },
      topProducts: [
        { upc: "p1", name: "Table", price: 899 },
        { upc: "p2", name: "Couch", price: 1299 },
      ],
    });
    expect(off.calls).toMatchObject({ hive_accounts: 1, hive_products: 1, hive_reviews: 0, hive_inventory: 0 });
  });

  it("root fields returning one merged object, found and not found", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{
      found: user(id: "u2") { name reviews { body product { name inStock } } }
      missing: user(id: "u404") { name reviews { body } }
      topProducts(first: 1) { upc }
    }`);
    expect(off.body.errors).toBeUndefined();
    expect(fieldOf(off, "missing")).toBeNull();
  });

  it("a merged type's fields from two sources", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same("{ users { id name reviews { id stars } } }");
    expect(off.body.errors).toBeUndefined();
    expect(fieldOf<unknown[]>(off, "users").length).toBe(3);
  });

  it("a merged type's fields from three sources", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same("{ topProducts { upc name weight inStock shippingEstimate reviews { body } } }");
    expect(off.body.errors).toBeUndefined();
    expect(off.calls).toMatchObject({ hive_products: 1, hive_inventory: 1, hive_reviews: 1 });
  });

  // Stitching's per-request loader, keyed by key and selection, answers the
  // third level's p1 and p2 from the first level's inventory call; the plan must not call again either.
  it("a nested level asking a source for keys and fields an earlier level fetched makes no new call", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(
      "{ topProducts(first: 2) { upc name inStock reviews { product { upc inStock } } } }",
    );
    expect(off.calls.hive_inventory).toBe(1);
  });

  it("keys an earlier level fetched, asked again with other arguments, other fields or more keys", async () => {
    const pair = planPair(hiveSpec());
    const args = await pair.same(
      "{ users { id reviews(first: 1) { id author { id reviews(first: 5) { id } } } } }",
      "same keys and field, other arguments",
    );
    const users = fieldOf<Array<{ reviews: Array<{ author: { reviews: unknown[] } }> }>>(args.off, "users");
    expect(users[0]?.reviews).toHaveLength(1);
    expect(users[0]?.reviews[0]?.author.reviews).toHaveLength(2);
    await pair.same(
      "{ topProducts(first: 2) { upc inStock reviews { product { upc inStock shippingEstimate } } } }",
      "same keys, more fields",
    );
    await pair.same(
      "{ topProducts(first: 2) { upc inStock } users { reviews { product { upc inStock } } } }",
      "more keys at a later level",
    );
    await pair.same(
      "{ a: topProducts(first: 2) { upc inStock } b: topProducts(first: 2) { upc stock: inStock } }",
      "same keys, other response keys",
    );
  });

  // p2's warehouse fails at the first level; the third level reuses that answer: the plan places the error
  // there too (stitching answers two errors as well; its paths lack the index, so they are not compared).
  it("an upstream error for a key fetched at an earlier level, asked again at a later one", async () => {
    const pair = planPair(hiveSpec());
    const { off, on } = await pair.same(
      "{ topProducts(first: 2) { upc warehouse reviews { product { upc warehouse } } } }",
      "",
      { paths: "spec" },
    );
    expect(off.errors.length).toBe(2);
    expect(on.body.errors?.map((e) => e.path)).toEqual([
      ["topProducts", 1, "warehouse"],
      ["topProducts", 1, "reviews", 0, "product", "warehouse"],
    ]);
  });

  it("Hive's benchmark query: nesting six levels deep, alternating sources", async () => {
    const pair = planPair(hiveSpec());
    const { off, on } = await pair.same(HIVE_QUERY, "HIVE_QUERY");
    expect(off.body.errors).toBeUndefined();
    expect(off.text.length).toBeGreaterThan(3000);
    expect(on.lane).toBe("planned");
  });

  it("aliases on merged fields, the same field under two aliases with different arguments", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{
      people: users {
        key: id
        fullName: name
        one: reviews(first: 1) { id label: body }
        all: reviews(first: 5) { id stars }
      }
      p: topProducts(first: 1) { code: upc stock: inStock }
      q: topProducts(first: 3) { upc cost: price }
    }`);
    expect(off.body.errors).toBeUndefined();
    const people = fieldOf<Array<{ one: unknown[]; all: unknown[] }>>(off, "people");
    expect(people[0]?.one).toHaveLength(1);
    expect(people[0]?.all).toHaveLength(2);
  });

  it("the same field through two fragments and an inline fragment (collect-fields merge)", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`
      query { topProducts(first: 2) { ...A ...B ... on Product { upc reviews { id author { name } } } } }
      fragment A on Product { upc reviews { body } name }
      fragment B on Product { reviews { id author { id } } inStock }`);
    expect(off.body.errors).toBeUndefined();
    expect(Object.keys(fieldOf<object[]>(off, "topProducts")[0] ?? {})).toEqual(["upc", "reviews", "name", "inStock"]);
  });

  it("__typename at every level", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{ __typename users { __typename id reviews { __typename id product {
      __typename upc inStock reviews { __typename author { __typename name } } } } } }`);
    expect(off.body.errors).toBeUndefined();
    expect(off.text).toContain('"__typename":"Query"');
  });

  it("variables in root and nested arguments, with defaults", async () => {
    const pair = planPair(hiveSpec());
    const query = `query ($n: Int = 2, $per: Int = 1, $upcs: [String!]! = ["p3", "p1"]) {
      topProducts(first: $n) { upc reviews { id author { reviews(first: $per) { id } } } }
      productsByUpcs(upcs: $upcs) { upc name inStock }
    }`;
    const defaults = await pair.same({ query }, "defaults");
    expect(fieldOf<unknown[]>(defaults.off, "topProducts").length).toBe(2);
    const given = await pair.same({ query, variables: { n: 4, per: 2, upcs: ["p4"] } }, "given");
    expect(fieldOf<unknown[]>(given.off, "topProducts").length).toBe(4);
    await pair.same({ query, variables: { n: null } }, "explicit null");
  });

  it("a variable left out keeps the argument's default; one given as null passes null; one variable in two sources", async () => {
    const pair = planPair(hiveSpec());
    const query =
      "query ($per: Int, $n: Int) { users { id reviews(first: $per) { id } } topProducts(first: $n) { upc reviews { id } } }";
    const absent = await pair.same({ query }, "left out");
    expect(fieldOf<Array<{ reviews: unknown[] }>>(absent.off, "users")[0]?.reviews).toHaveLength(2);
    const nulls = await pair.same({ query, variables: { per: null, n: null } }, "null");
    expect(fieldOf<Array<{ reviews: unknown[] }>>(nulls.off, "users")[0]?.reviews).toHaveLength(0);
    const shared =
      "query ($k: Int!) { users { reviews(first: $k) { id product { inStock } } } topProducts(first: $k) { upc } }";
    await pair.same({ query: shared, variables: { k: 1 } }, "one variable, two sources");
  });

  it("@skip and @include with literals and with variables", async () => {
    const pair = planPair(hiveSpec());
    const query = `query ($yes: Boolean!, $no: Boolean = false) {
      topProducts(first: 2) {
        upc
        name @skip(if: true)
        price @include(if: true)
        inStock @include(if: $yes)
        reviews @skip(if: $no) { id author @include(if: false) { name } }
        ... on Product @include(if: $no) { weight }
        ...F @skip(if: $yes)
      }
    }
    fragment F on Product { shippingEstimate }`;
    const a = await pair.same({ query, variables: { yes: true } }, "yes");
    expect(Object.keys(fieldOf<object[]>(a.off, "topProducts")[0] ?? {})).toEqual([
      "upc",
      "price",
      "inStock",
      "reviews",
    ]);
    await pair.same({ query, variables: { yes: false, no: true } }, "no");
  });

  it("a named operation chosen by operationName among several", async () => {
    const pair = planPair(hiveSpec());
    const query = `query A { me { name } }
      query B { topProducts(first: 1) { upc inStock reviews { author { name } } } }
      query C { users { id } }`;
    const b = await pair.same({ query, operationName: "B" }, "B");
    expect(Object.keys(b.off.body.data ?? {})).toEqual(["topProducts"]);
    await pair.same({ query, operationName: "A" }, "A");
    const missing = await pair.same({ query }, "no operationName");
    expect(missing.off.status).toBe(400);
  });

  it("lists of lists of merged entities and of scalars", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same("{ productGrid { upc name sizes inStock reviews { stars } } }");
    expect(fieldOf<unknown[][]>(off, "productGrid").map((row) => row.length)).toEqual([2, 0, 3]);
  });

  it("interfaces and unions whose members come from one source", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{
      sellables { __typename upc price ... on GiftCard { amount } ... on Product { name } }
      search(term: "") { __typename ... on GiftCard { upc amount } ... on Product { upc weight } }
    }`);
    expect(off.body.errors).toBeUndefined();
    expect(off.calls).toMatchObject({ hive_products: 1, hive_inventory: 0, hive_reviews: 0 });
  });

  it("interfaces and unions whose members' fields come from other sources", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{
      sellables { upc ... on Product { inStock reviews { author { name } } } }
      search(term: "a") { __typename ... on Product { name shippingEstimate } ... on GiftCard { amount } }
    }`);
    expect(off.body.errors).toBeUndefined();
    expect(off.calls.hive_inventory).toBeGreaterThan(0);
  });

  it("key fields the client did not select stay out of the answer", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(
      "{ topProducts { name inStock reviews { body author { name reviews { stars } } } } }",
    );
    expect(off.body.errors).toBeUndefined();
    expect(off.text).not.toContain('"upc"');
    expect(off.text).not.toContain('"id"');
  });

  it("an empty list of entities and a root field skipped by a literal", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(
      "{ topProducts(first: 0) { upc inStock reviews { body } } me @skip(if: true) { name } users @include(if: false) { id } }",
    );
    expect(off.body.data).toEqual({ topProducts: [] });
    await pair.same("{ __typename }", "only __typename");
  });

  it("fragments on an interface and on a union inside a merged type's selection", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`
      { topProducts(first: 2) { ...S ... on Hit { __typename } reviews { product { ...S ... on Product { inStock } } } } }
      fragment S on Sellable { upc price ... on Product { shippingEstimate } }`);
    expect(off.body.errors).toBeUndefined();
  });

  it("variables that fail coercion and unknown fields are refused the same way", async () => {
    const pair = planPair(hiveSpec());
    const query = "query ($n: Int!) { topProducts(first: $n) { upc inStock } }";
    const bad = await pair.same({ query, variables: { n: "three" } }, "not an Int");
    expect(bad.off.status).toBe(400);
    await pair.same({ query }, "missing required variable");
    const unknown = await pair.same("{ topProducts { upc inStock nope } }", "unknown field");
    expect(unknown.off.status).toBe(400);
  });

  it("a multi-source query sent by GET", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same({
      method: "GET",
      query: "query Q($n: Int) { topProducts(first: $n) { upc inStock reviews { author { name } } } }",
      variables: { n: 2 },
      operationName: "Q",
    });
    expect(fieldOf<unknown[]>(off, "topProducts")).toHaveLength(2);
  });

  it("introspection mixed with data", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{
      __type(name: "Product") { name fields { name } }
      topProducts(first: 1) { upc inStock __typename }
      __schema { queryType { name } }
    }`);
    expect(off.body.errors).toBeUndefined();
    expect(off.text).toContain('"inStock"');
  });

  it("the second run of the same document (cached plan) answers as the first", async () => {
    const pair = planPair(hiveSpec());
    const first = await pair.same({ query: HIVE_QUERY, operationName: "TestQuery" }, "first");
    const second = await pair.same({ query: HIVE_QUERY, operationName: "TestQuery" }, "second");
    expect(second.on.text).toBe(first.on.text);
    expect(second.off.text).toBe(first.off.text);
    expect(second.on.calls).toEqual(first.on.calls);
    const query = "query ($n: Int) { topProducts(first: $n) { upc inStock reviews { body } } }";
    await pair.same({ query, variables: { n: 1 } }, "variables 1");
    const other = await pair.same({ query, variables: { n: 3 } }, "same document, other variables");
    expect(fieldOf<unknown[]>(other.on, "topProducts").length).toBe(3);
  });
});
