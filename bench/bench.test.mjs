/**
 * Tests of the benchmark's own logic (run by `npm run test:scripts`): how answers are judged
 * (scenarios.mjs checkerOf), what the upstreams answer for the H variants (bench/upstreams.mjs, a real
 * server on loopback), and how issue 16's targets are judged (targets.mjs).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { spawnServer } from "./lib.mjs";
import { checkerOf, FAIL_HEADER, requestOf, SCENARIOS, UNIQUE_HEADER } from "./scenarios.mjs";
import { expectedAnswer } from "./systems.mjs";
import { targetRows } from "./targets.mjs";

const scenario = (id) => SCENARIOS.find((s) => s.id === id);

describe("checkerOf", () => {
  const partial = { id: "X", partial: true };
  const expected = JSON.stringify({
    errors: [
      { message: "boom", locations: [{ line: 1, column: 2 }], path: ["a", 0, "b"] },
      { message: "boom", locations: [{ line: 1, column: 2 }], path: ["a", 1, "b"] },
    ],
    data: {
      a: [
        { id: 1, b: null },
        { id: 2, b: null },
      ],
      c: "x",
    },
  });
  const check = checkerOf(partial, expected);
  const answer = (object) => JSON.stringify(object);
  const rightData = {
    a: [
      { id: 1, b: null },
      { id: 2, b: null },
    ],
    c: "x",
  };

  test("byte for byte without `partial`; a 200 with errors fails", () => {
    const exact = checkerOf({ id: "Y" }, '{"data":{"a":1}}');
    assert.equal(exact(200, '{"data":{"a":1}}'), true);
    assert.equal(exact(200, '{"data":{"a": 1}}'), false);
    assert.equal(exact(200, '{"data":{"a":1},"errors":[]}'), false);
    assert.equal(exact(500, '{"data":{"a":1}}'), false);
    assert.throws(() => checkerOf({ id: "Y" }, '{"errors":[{"message":"x"}],"data":null}'));
  });

  test("partial: the same data and (path, message) pairs pass in any order, whatever locations and extensions", () => {
    const reordered = {
      data: rightData,
      errors: [
        { message: "boom", path: ["a", 1, "b"], extensions: { code: "DOWNSTREAM_SERVICE_ERROR", serviceName: "s" } },
        { message: "boom", path: ["a", 0, "b"] },
      ],
    };
    assert.equal(check(200, answer(reordered)), true);
    assert.equal(check.explain(200, answer(reordered)), "");
  });

  test("partial: a wrong or shortened path, a missing or extra error, another message fail", () => {
    const withErrors = (errors) => answer({ data: rightData, errors });
    const one = { message: "boom", path: ["a", 0, "b"] };
    assert.equal(check(200, withErrors([one, { message: "boom", path: ["a", "b"] }])), false);
    assert.equal(check(200, withErrors([one, { message: "boom", path: ["a", 0, "b"] }])), false);
    assert.equal(check(200, withErrors([one])), false);
    assert.equal(check(200, withErrors([one, { message: "boom", path: ["a", 1, "b"] }, one])), false);
    assert.equal(check(200, withErrors([one, { message: "other", path: ["a", 1, "b"] }])), false);
    assert.match(check.explain(200, withErrors([one])), /^errors: 1 \(expected 2\)/);
  });

  test("partial: other data, the same data in another key order, extra keys, a non-200 fail", () => {
    const errors = JSON.parse(expected).errors;
    assert.equal(check(200, answer({ data: { ...rightData, c: "y" }, errors })), false);
    assert.equal(check(200, answer({ data: { c: "x", a: rightData.a }, errors })), false);
    assert.match(check.explain(200, answer({ data: { c: "x", a: rightData.a }, errors })), /^data differs/);
    assert.equal(check(200, answer({ data: rightData, errors, more: 1 })), false);
    assert.equal(check(502, answer({ data: rightData, errors })), false);
    assert.equal(check(200, "not json"), false);
  });
});

describe("the upstreams for the H variants", () => {
  let upstreams;
  before(async () => {
    upstreams = await spawnServer(new URL("upstreams.mjs", import.meta.url).pathname, "bench upstreams");
  });
  after(() => upstreams.child.kill("SIGTERM"));
  const post = async (path, query, headers = {}) =>
    (
      await fetch(`${upstreams.base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query }),
      })
    ).json();

  test("HE: p3's shippingEstimate is null with one error at each of its places, the rest as in H", async () => {
    const h = JSON.parse(await expectedAnswer(upstreams.base, scenario("H")));
    const he = JSON.parse(await expectedAnswer(upstreams.base, scenario("HE")));
    const places = [];
    const walk = (value, path) => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, [...path, i]);
      } else if (value && typeof value === "object") {
        if (value.upc === "p3") places.push([...path, "shippingEstimate"]);
        for (const [key, v] of Object.entries(value)) walk(v, [...path, key]);
      }
    };
    walk(h.data, []);
    assert.ok(places.length > 10, `p3 appears ${places.length} times`);
    assert.deepEqual(he.errors.map((e) => JSON.stringify(e.path)).sort(), places.map((p) => JSON.stringify(p)).sort());
    assert.ok(he.errors.every((e) => e.message === "shippingEstimate of p3 is unavailable (injected)"));
    // The same data as H but for those fields.
    const patched = structuredClone(h.data);
    for (const path of places) path.slice(0, -1).reduce((o, k) => o[k], patched).shippingEstimate = null;
    assert.equal(JSON.stringify(he.data), JSON.stringify(patched));
  });

  test("HE: both inventory subgraphs fail only the product the header names; others ignore the header", async () => {
    const fail = { [FAIL_HEADER]: "p3" };
    const plain = await post(
      "/inventory/graphql",
      '{ inventoryByUpcs(upcs: ["p2", "p3"]) { upc shippingEstimate } }',
      fail,
    );
    assert.deepEqual(plain.data.inventoryByUpcs, [
      { upc: "p2", shippingEstimate: 10 },
      { upc: "p3", shippingEstimate: null },
    ]);
    assert.deepEqual(plain.errors[0].path, ["inventoryByUpcs", 1, "shippingEstimate"]);
    const federation = await post(
      "/inventory/federation",
      '{ _entities(representations: [{ __typename: "Product", upc: "p3" }]) { ... on Product { shippingEstimate } } }',
      fail,
    );
    assert.deepEqual(federation.errors[0].path, ["_entities", 0, "shippingEstimate"]);
    const products = await post("/products/graphql", "{ topProducts { upc name } }", fail);
    assert.equal(products.errors, undefined);
    const without = await post("/inventory/graphql", '{ inventoryByUpcs(upcs: ["p3"]) { shippingEstimate } }');
    assert.deepEqual(without, { data: { inventoryByUpcs: [{ shippingEstimate: 15 }] } });
  });

  test("/__calls sums the upstream calls that carried the given x-bench-request values", async () => {
    await fetch(`${upstreams.base}/__reset`, { method: "POST" });
    await post("/accounts/graphql", "{ users { id } }", { [UNIQUE_HEADER]: "a" });
    await post("/products/graphql", "{ topProducts { upc } }", { [UNIQUE_HEADER]: "a" });
    await post("/products/graphql", "{ topProducts { upc } }", { [UNIQUE_HEADER]: "b" });
    await post("/products/graphql", "{ topProducts { upc } }");
    const calls = async (ids) =>
      (await fetch(`${upstreams.base}/__calls`, { method: "POST", body: JSON.stringify(ids) })).json();
    assert.deepEqual(await calls(["a"]), { requests: 1, calls: 2 });
    assert.deepEqual(await calls(["a", "b", "c"]), { requests: 3, calls: 3 });
    await fetch(`${upstreams.base}/__reset`, { method: "POST" });
    assert.deepEqual(await calls(["a"]), { requests: 1, calls: 0 });
  });

  test("HV: the variables reach every argument (9 users, 6 top products, 2 outer reviews each)", async () => {
    const { body } = requestOf(scenario("HV"));
    assert.ok(JSON.parse(body).variables);
    const hv = JSON.parse(await expectedAnswer(upstreams.base, scenario("HV")));
    assert.equal(hv.errors, undefined);
    assert.equal(hv.data.users.length, 9);
    assert.equal(hv.data.topProducts.length, 6);
    assert.ok(hv.data.users.every((u) => u.reviews.length === 2));
    assert.ok(hv.data.topProducts.every((p) => p.reviews.length === 2));
    assert.ok(hv.data.users[0].reviews[0].product.reviews.length === 3);
    for (const path of ["/accounts/graphql", "/accounts/federation"]) {
      const users = await post(path, "{ users(first: 2) { id } }");
      assert.deepEqual(users.data.users, [{ id: "u1" }, { id: "u2" }]);
    }
  });
});

describe("targetRows", () => {
  const cell = (scenario, system, headers, fields) => ({
    scenario,
    system,
    headers,
    requests: 1000,
    failures: 0,
    upstreamCallsPerRequest: 1,
    ...fields,
  });
  test("judges each target per header mode and leaves unmeasured ones open", () => {
    const cells = [
      cell("S", "forwarder", "unique", { rps: 1000, cpuMsPerRequest: 0.4 }),
      cell("S", "ours", "unique", { rps: 800, cpuMsPerRequest: 0.61 }),
      cell("H", "hive", "unique", { rps: 50, cpuMsPerRequest: 20 }),
      cell("H", "ours", "unique", { rps: 200, cpuMsPerRequest: 4.9, upstreamCallsPerRequest: 9.5, failures: 1 }),
    ];
    const rows = targetRows(cells, ["S", "H"]);
    const get = (scenarioId, prefix) => rows.find((r) => r.scenario === scenarioId && r.target.startsWith(prefix));
    assert.equal(get("S", "ours/forwarder req/s").unique.met, true);
    assert.equal(get("S", "ours/forwarder CPU").unique.met, false);
    assert.equal(get("S", "ours/forwarder CPU").identical.met, null);
    assert.equal(get("H", "ours/Hive CPU").unique.met, true);
    assert.match(get("H", "ours CPU ms/req").unique.value, /stretch met/);
    assert.equal(get("H", "ours upstream calls/req").unique.met, false);
    assert.equal(get("H", "no failure").unique.met, false);
    assert.equal(get("S", "no failure").unique.met, true);
  });
});
