/**
 * Query plans fail as stitching does (test/plans/harness.ts): null propagation from a merged non-null field,
 * an upstream error inside a nested entity, an entity a remote does not know, and a remote that is down,
 * at the root and under other sources' entities. Same data text, same error set, no more upstream calls.
 */
import { describe, expect, it } from "vitest";
import { BILLING, PEOPLE_MERGE, REVIEWS_MERGE, SHOP_FILES } from "../fixtures/gateways";
import { control, remoteUrl } from "../helpers";
import { fieldOf, HIVE, hiveRemotes, hiveSpec, misplacedErrors, planPair } from "./harness";

/** shop and crm (a batched @join), people and reviews merged by User.id. */
const JOINED = {
  remotes: ["shop", "crm", { name: "people", merge: PEOPLE_MERGE }, { name: "reviews", merge: REVIEWS_MERGE }],
  services: [BILLING],
  limits: { maxUpstreamCalls: 100 },
};

/** The comparable parts of the errors of an answer, as objects. */
const errorsOf = (answer: { errors: string[] }) => answer.errors.map((e) => JSON.parse(e) as Record<string, unknown>);

let stockouts = 0;

/** A plan pair over Hive's remotes with inventory replaced by hive_stockout, whose inventoryByUpcs fails as a whole. */
function stockoutPair(): ReturnType<typeof planPair> {
  const id = `stockout-${Date.now().toString(36)}-${stockouts++}`;
  const remotes = hiveRemotes().map((remote) =>
    remote.name === "hive_inventory" ? { ...remote, url: remoteUrl(id, "hive_stockout") } : remote,
  );
  return planPair(hiveSpec({ remotes }), {
    id,
    kinds: [...HIVE.filter((k) => k !== "hive_inventory"), "hive_stockout"],
  });
}

describe("query plans answer errors and missing entities as stitching does", () => {
  // Both answer graphql-js's non-null error as Yoga masks it ("Unexpected error.", INTERNAL_SERVER_ERROR).
  it("a non-null field missing in an entity: null up to the nearest nullable parent, error path", async () => {
    const pair = planPair(hiveSpec());
    // r6's author u404 is unknown to accounts, whose User.name is non-null: r6's author becomes null.
    const { off } = await pair.same("{ topReviews { id author { id name } product { upc name } } }");
    const reviews = fieldOf<Array<{ id: string; author: unknown; product: unknown }>>(off, "topReviews");
    expect(reviews[5]).toEqual({ id: "r6", author: null, product: null });
    expect(reviews[0]?.author).toEqual({ id: "u1", name: "Ada Lovelace" });
    expect(errorsOf(off).map((e) => e.path)).toEqual(
      expect.arrayContaining([
        ["topReviews", 5, "author", "name"],
        ["topReviews", 5, "product", "name"],
      ]),
    );
  });

  it("a non-null field missing in an entity under a list of a merged entity", async () => {
    const pair = planPair(hiveSpec());
    await pair.same(
      "{ users { name reviews { id product { upc name price inStock } } } topReviews(first: 6) { author { name } } }",
    );
  });

  it("an upstream error inside a nested entity: partial data and the error's path", async () => {
    const pair = planPair(hiveSpec());
    // Stitching's path is wrong here (users.0.reviews.0 instead of .1: p2 is u1's second review), so the
    // paths are not compared; the plan's must lead to the null (harness), and this one is pinned.
    const { off, on } = await pair.same("{ users { id reviews { id product { upc name warehouse } } } }", "", {
      paths: "spec",
    });
    expect(misplacedErrors(off.body), "stitching's paths became right: compare them again").not.toEqual([]);
    expect(on.body.errors?.map((e) => e.path)).toEqual([["users", 0, "reviews", 1, "product", "warehouse"]]);
    const errors = errorsOf(off);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.message === "warehouse lookup failed")).toBe(true);
    expect(off.text).toContain('"warehouse":"wh-p1"');
  });

  it("an entity resolver returning null for a key: nullable merged fields are null", async () => {
    const pair = planPair(hiveSpec());
    // p404 (r6's product) is unknown to products and inventory; u404 to accounts (username is nullable).
    const { off } = await pair.same(
      "{ topReviews { id author { id username } product { upc inStock shippingEstimate } } }",
    );
    expect(off.body.errors).toBeUndefined();
    expect(fieldOf<unknown[]>(off, "topReviews")[5]).toEqual({
      id: "r6",
      author: { id: "u404", username: null },
      product: { upc: "p404", inStock: null, shippingEstimate: null },
    });
  });

  it("a remote down: its root field is null with the UPSTREAM_* code and serviceName", async () => {
    const pair = planPair(hiveSpec());
    await pair.same("{ me { id } topProducts(first: 1) { upc } }", "warm-up");
    await control(pair.id, "hive_accounts", { mode: "503" });
    const { off } = await pair.same("{ me { id name } topProducts(first: 2) { upc name inStock } }", "accounts down");
    expect(off.body.data?.me).toBeNull();
    const errors = errorsOf(off);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: ["me"], serviceName: "hive_accounts" });
    expect(String(errors[0]?.code)).toMatch(/^UPSTREAM_/);
  });

  it("a remote down: nested fields it serves under other sources' entities", async () => {
    const pair = planPair(hiveSpec());
    await pair.same("{ topProducts(first: 1) { upc inStock } }", "warm-up");
    await control(pair.id, "hive_inventory", { mode: "500" });
    // Stitching's paths under a list lack the index (["topProducts", "inStock"]), so the paths are not
    // compared; the plan's must lead to the nulls (harness).
    const { off } = await pair.same(
      "{ topProducts(first: 3) { upc name inStock reviews { author { name } } } users { id reviews { product { inStock } } } }",
      "inventory down",
      { paths: "spec" },
    );
    expect(misplacedErrors(off.body), "stitching's paths became right: compare them again").not.toEqual([]);
    const errors = errorsOf(off);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.serviceName === "hive_inventory")).toBe(true);
    expect(off.text).toContain('"name":"Table"');
    await control(pair.id, "hive_reviews", { mode: "html" });
    await pair.same(
      "{ users { id name reviews { id body } } topProducts { upc reviews { body } } }",
      "reviews answers HTML",
      { paths: "spec" },
    );
  });

  it("an entity resolver failing as a whole: its fields null under every entity, with the remote's error", async () => {
    const pair = stockoutPair();
    const { off } = await pair.same(
      "{ topProducts(first: 2) { upc name inStock reviews { product { upc shippingEstimate } } } }",
      "",
      {
        paths: "spec",
      },
    );
    expect(off.errors.join()).toContain("inventory overloaded");
    expect(off.text).toContain('"name":"Table"');
  });

  // The first level's inventoryByUpcs call fails as a whole; the third level asks the same keys and field
  // again. Like stitching's loader, the plan answers them from the failed call (one call), errors included.
  it("an entity resolver failing as a whole, its keys asked again at a later level: no new call", async () => {
    const pair = stockoutPair();
    const { off } = await pair.same(
      "{ topProducts(first: 2) { upc inStock reviews { product { upc inStock } } } }",
      "",
      {
        paths: "spec",
      },
    );
    expect(off.errors).toHaveLength(5);
  });

  it("a remote timing out under merged entities", async () => {
    const pair = planPair(hiveSpec({ remotes: hiveRemotes({ timeoutMs: 300 }) }));
    await pair.same("{ topProducts(first: 1) { upc inStock } }", "warm-up");
    await control(pair.id, "hive_inventory", { mode: "slow", delayMs: 1000 });
    const { off } = await pair.same("{ topProducts(first: 2) { upc name inStock } me { name } }", "inventory slow", {
      paths: "spec",
    });
    expect(String(JSON.parse(off.errors[0] ?? "{}").code)).toMatch(/^UPSTREAM_/);
    expect(fieldOf(off, "me")).toEqual({ name: "Ada Lovelace" });
  });

  it("null parents of merged entities: no key collected, the other entities merged", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(
      "{ topReviews(first: 7) { id author { username reviews { id } } product { upc inStock } } }",
    );
    expect(off.body.errors).toBeUndefined();
    expect(fieldOf<unknown[]>(off, "topReviews")[6]).toEqual({ id: "r7", author: null, product: null });
  });

  it("a merge resolver queried at the root, with keys another source does not know", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(`{
      reviewUsersByIds(ids: ["u2", "u404", "u1"]) { id username reviews(first: 1) { id product { upc inStock } } }
      reviewProductsByUpcs(upcs: ["p404", "p3"]) { upc inStock reviews { id } }
    }`);
    expect(off.body.errors).toBeUndefined();
    expect(fieldOf<unknown[]>(off, "reviewUsersByIds")[1]).toEqual({
      id: "u404",
      username: null,
      reviews: [{ id: "r6", product: { upc: "p404", inStock: null } }],
    });
  });

  it("partial errors answered with Accept: application/json", async () => {
    const pair = planPair(hiveSpec());
    const { off } = await pair.same(
      {
        query: "{ users { id reviews { product { upc warehouse } } } }",
        headers: { accept: "application/json" },
      },
      "",
      { paths: "spec" },
    );
    expect(off.status).toBe(200);
    expect(off.errors.length).toBeGreaterThan(0);
  });

  it("an upstream error for a key that appears twice at one level lands on each object with that key", async () => {
    const pair = planPair(hiveSpec());
    const { off, on } = await pair.same('{ productsByUpcs(upcs: ["p2", "p1", "p2"]) { upc name warehouse } }', "", {
      paths: "spec",
    });
    expect(fieldOf(off, "productsByUpcs")).toEqual([
      { upc: "p2", name: "Couch", warehouse: null },
      { upc: "p1", name: "Table", warehouse: "wh-p1" },
      { upc: "p2", name: "Couch", warehouse: null },
    ]);
    expect(on.body.errors?.map((e) => e.path)).toEqual([
      ["productsByUpcs", 0, "warehouse"],
      ["productsByUpcs", 2, "warehouse"],
    ]);
  });

  it("schema drift: a remote no longer has a field the gateway composed (its whole call refused)", async () => {
    const pair = planPair(hiveSpec());
    await pair.same("{ topProducts(first: 1) { upc weight } }", "v1");
    await control(pair.id, "hive_products", { version: "v2" });
    const { off } = await pair.same(
      "{ users { id reviews { id product { upc name weight inStock } } } topReviews(first: 2) { id } }",
      "products v2 without weight, nested",
      { paths: "spec" },
    );
    expect(off.errors.join()).toContain("weight");
    await pair.same("{ topProducts(first: 2) { upc weight inStock } me { name } }", "products v2, at the root", {
      paths: "spec",
    });
  });

  it("a batched @join over 100 parents beside merged types, one key unknown to the join's remote", async () => {
    const pair = planPair(JOINED, { files: SHOP_FILES });
    const { off } = await pair.same(
      "query ($c: Int) { orders(count: $c) { id customer { name tier } } people { id reviews { stars } } }",
      "",
    );
    expect(fieldOf<unknown[]>(off, "orders")).toHaveLength(100);
  });

  // KNOWN DIFF, by design: hive_inventory, composed with `inStock: Boolean`, now answers it as a String ("true")
  // without a reload. Stitching re-executes the leaf with graphql-js and answers null without an error; the plan
  // copies leaves as the upstream serialized them (it resolves no field an upstream answered whole), so it
  // passes "true" / "false" through. A reload composes the new type. See docs/performance.md#query-plans.
  it.fails("schema drift: a remote answers a leaf of another type than the gateway composed", async () => {
    const pair = planPair(hiveSpec());
    await pair.same("{ topProducts(first: 1) { upc inStock } }", "v1");
    await control(pair.id, "hive_inventory", { version: "v2" });
    const query = "{ topProducts(first: 2) { upc name inStock } }";
    const { off } = await pair.both(query);
    expect(fieldOf(off, "topProducts")).toEqual([
      { upc: "p1", name: "Table", inStock: null },
      { upc: "p2", name: "Couch", inStock: null },
    ]);
    await pair.same(query, "v2 answers inStock as a String");
  });
});
