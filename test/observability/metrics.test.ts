/**
 * Upstream metrics (src/observability, the upstream plugin `timing`): every upstream call of a request
 * writes one Workers Analytics Engine data point to the `METRICS` binding: blobs [upstream, kind,
 * outcome, status], doubles [latency ms, 1], indexes [upstream]. Miniflare's local Analytics Engine
 * binding drops every write (its `writeDataPoint` is empty), so these tests give the Worker a recording
 * `METRICS` object in its env instead.
 */
import { describe, expect, it } from "vitest";
import { BILLING, post, SHOP_FILES, testGateway } from "../fixtures/gateways";
import { control, uniqueId } from "../helpers";

/** One data point as written. */
interface Point {
  blobs?: string[];
  doubles?: number[];
  indexes?: string[];
}

/** A recording stand-in for the Analytics Engine binding. */
function recorder(): { METRICS: { writeDataPoint(point: Point): void }; points: Point[] } {
  const points: Point[] = [];
  return { METRICS: { writeDataPoint: (point) => points.push(structuredClone(point)) }, points };
}

describe("upstream metrics", () => {
  it("write one data point per upstream call, named by the upstream, with outcome ok and the status", async () => {
    const id = uniqueId();
    const { METRICS, points } = recorder();
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { env: { METRICS } });
    const answer = await post(gw, "{ me { id } products(limit: 1) { upc } }");
    expect(answer.body.errors, answer.text).toBeUndefined();
    expect(points.map((p) => p.indexes)).toEqual(expect.arrayContaining([["accounts"], ["products"]]));
    expect(points).toHaveLength(2);
    for (const point of points) {
      const name = point.indexes?.[0] ?? "";
      expect(point.blobs).toEqual([name, "graphql", "ok", "200"]);
      expect(point.doubles).toHaveLength(2);
      expect(point.doubles?.[0]).toBeGreaterThanOrEqual(0);
      expect(point.doubles?.[1]).toBe(1);
    }
  });

  it("write the error code of a failing remote and of a failing REST endpoint", async () => {
    const id = uniqueId();
    const { METRICS, points } = recorder();
    const gw = testGateway(
      id,
      { remotes: ["shop", { name: "crm" }], services: [{ ...BILLING, retries: 0 }] },
      { files: SHOP_FILES, env: { METRICS } },
    );
    const rest = await post(gw, "{ orders(count: 2) { id brokenInvoices { id } } }");
    expect(rest.body.errors?.[0]?.extensions?.code, rest.text).toBe("UPSTREAM_HTTP_ERROR");
    expect(points).toContainEqual({
      blobs: ["shop", "graphql", "ok", "200"],
      doubles: [expect.any(Number), 1],
      indexes: ["shop"],
    });
    expect(points).toContainEqual({
      blobs: ["billing", "rest", "UPSTREAM_HTTP_ERROR", "503"],
      doubles: [expect.any(Number), 1],
      indexes: ["billing"],
    });

    points.length = 0;
    await control(id, "shop", { mode: "reset" });
    const failed = await post(gw, "{ orders(count: 1) { id } }");
    const code = failed.body.errors?.[0]?.extensions?.code;
    expect(code, failed.text).toBe("UPSTREAM_UNAVAILABLE");
    // A query is retried after a connection failure: one point per call the client's request made.
    expect(points.length).toBeGreaterThanOrEqual(1);
    expect(points[0]).toEqual({
      blobs: ["shop", "graphql", code, ""],
      doubles: [expect.any(Number), 1],
      indexes: ["shop"],
    });
  });

  it("write nothing and fail nothing without the binding", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"] }, { env: { METRICS: undefined } });
    const answer = await post(gw, "{ me { id } }");
    expect(answer.body.errors, answer.text).toBeUndefined();
  });
});
