/**
 * GET /admin/plans (the plans contract): `planned` counts operations executed through a plan, `fallbacks`
 * multi-source operations stitching executed (no plan fits, or plans are off); the cache stays within
 * `execution.planCache.maxEntries`. Counters are per isolate, so each assertion reads a difference on the
 * gateway it sent to.
 */
import { describe, expect, it } from "vitest";
import { HIVE_QUERY, hiveSpec, type PlanStats, planPair, planStats } from "./harness";

/** The difference of two readings of the counters. */
const delta = (before: PlanStats, after: PlanStats) => ({
  planned: after.planned - before.planned,
  fallbacks: after.fallbacks - before.fallbacks,
  entries: after.entries - before.entries,
});

/** A merged-type query (three sources, list merge resolvers, no customization): within what a plan covers. */
const MERGED = "{ topProducts(first: 3) { upc name inStock reviews { id body } } }";

describe("GET /admin/plans", () => {
  it("counts a merged-type query as planned with plans on, and never as planned with plans off", async () => {
    const pair = planPair(hiveSpec());
    await planStats(pair.on);

    const onBefore = await planStats(pair.on);
    const first = await pair.on.graphql(MERGED);
    expect(first.body.errors).toBeUndefined();
    const onFirst = await planStats(pair.on);
    expect(delta(onBefore, onFirst)).toMatchObject({ planned: 1, fallbacks: 0 });
    expect(onFirst.entries).toBeGreaterThanOrEqual(1);
    expect(onFirst.bytes).toBeGreaterThan(0);

    // The second run of the same document uses the cached plan: planned again, no new entry.
    await pair.on.graphql(MERGED);
    const onSecond = await planStats(pair.on);
    expect(delta(onFirst, onSecond)).toEqual({ planned: 1, fallbacks: 0, entries: 0 });

    const offBefore = await planStats(pair.off);
    await pair.off.graphql(MERGED);
    await pair.off.graphql(HIVE_QUERY);
    const offAfter = await planStats(pair.off);
    expect(delta(offBefore, offAfter)).toMatchObject({ planned: 0, fallbacks: 2 });
  });

  it("counts each multi-source operation once, planned or fallback, and no single-source one", async () => {
    const pair = planPair(hiveSpec());
    await planStats(pair.on);
    const documents = [
      HIVE_QUERY,
      "{ me { id } topProducts { upc } }",
      'mutation { renameUser(id: "u1", name: "A") { name reviews { id } } }',
      '{ __type(name: "User") { name } users { id reviews { id } } }',
    ];
    for (const query of documents) {
      const before = await planStats(pair.on);
      const res = await pair.on.graphql(query);
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
      const change = delta(before, await planStats(pair.on));
      expect(change.planned + change.fallbacks, query).toBe(1);
    }
    const before = await planStats(pair.on);
    await pair.on.graphql("{ users { id name } }");
    const change = delta(before, await planStats(pair.on));
    expect(change, "single-source").toMatchObject({ planned: 0, fallbacks: 0 });
  });

  it("keeps at most planCache.maxEntries plans when many distinct documents are sent", async () => {
    const pair = planPair(hiveSpec({ execution: { planCache: { maxEntries: 3 } } }));
    const first = await planStats(pair.on);
    expect(first).toMatchObject({ maxEntries: 3, maxBytes: 8_388_608 });
    for (let n = 1; n <= 12; n++) {
      const query = `{ topProducts(first: ${(n % 4) + 1}) { upc a${n}: name inStock reviews { id } } }`;
      const answers = await pair.same(query, `document ${n}`);
      expect(answers.on.body.errors).toBeUndefined();
      const counters = await planStats(pair.on);
      expect(counters.entries, `after document ${n}`).toBeLessThanOrEqual(3);
      expect(counters.bytes).toBeLessThanOrEqual(counters.maxBytes);
    }
    const last = await planStats(pair.on);
    expect(last.planned - first.planned).toBe(12);
  });

  it("keeps plans within planCache.maxBytes when many distinct large documents are sent", async () => {
    const pair = planPair(hiveSpec({ execution: { planCache: { maxBytes: 65_536 } } }));
    const first = await planStats(pair.on);
    expect(first).toMatchObject({ maxEntries: 1000, maxBytes: 65_536 });
    let largest = 0;
    for (let n = 1; n <= 60; n++) {
      const res = await pair.on.graphql(HIVE_QUERY.replace("query TestQuery {", `query TestQuery { a${n}: __typename`));
      expect(res.body.errors).toBeUndefined();
      const counters = await planStats(pair.on);
      expect(counters.bytes, `after document ${n}`).toBeLessThanOrEqual(65_536);
      largest = Math.max(largest, counters.entries);
    }
    const last = await planStats(pair.on);
    expect(last.planned - first.planned).toBe(60);
    // The documents did not all fit: some plans were evicted by size, not by count.
    expect(last.entries).toBeLessThan(60);
    expect(largest).toBeGreaterThan(1);
  });
});
