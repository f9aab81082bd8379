/**
 * Workers KV unavailable (docs/operations.md, "Introspection cache and reload"; docs/security.md): the
 * schema cache is an optimisation, never a dependency. A cold isolate whose KV fails introspects and
 * serves; once built, the schema keeps serving while KV fails; a reload that cannot write KV fails with
 * RELOAD_FAILED (500, its cause's status) and the last good schema keeps serving. Real KV cannot be made
 * to fail, so the binding is a stand-in whose every call rejects.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getJson, ok, remotesOf, testGateway } from "../fixtures/gateways";
import { stats, uniqueId } from "../helpers";

/** A KV namespace whose every call fails, as during a KV outage. */
const failingKv = {
  get: () => Promise.reject(new Error("KV unavailable")),
  put: () => Promise.reject(new Error("KV unavailable")),
  delete: () => Promise.reject(new Error("KV unavailable")),
  list: () => Promise.reject(new Error("KV unavailable")),
  getWithMetadata: () => Promise.reject(new Error("KV unavailable")),
} as unknown as KVNamespace;

const QUERY = "{ me { id } products(limit: 2) { upc } }";
const EXPECTED_PRODUCTS = [{ upc: "p1" }, { upc: "p2" }];

describe("KV unavailable", () => {
  it("at cold start: the remotes are introspected and the schema serves", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { env: { SCHEMA_CACHE: failingKv } });
    expect(ok(await gw.graphql(QUERY))).toEqual({ me: { id: "1" }, products: EXPECTED_PRODUCTS });
    expect((await stats(id, "accounts")).introspections).toBe(1);
    const health = await getJson<{ status: string }>(gw, "/healthz");
    expect(health).toEqual({ status: 200, body: expect.objectContaining({ status: "ok" }) });
  });

  it("once the schema is built, polling a failing KV keeps it serving", async () => {
    const id = uniqueId();
    // The test env's real KV, until the outage starts; every poll (pollIntervalMs 0) then meets it.
    let outage = false;
    const reads: string[] = [];
    const kv = {
      get: (key: string, options: unknown) => {
        reads.push(key);
        return outage ? Promise.reject(new Error("KV unavailable")) : env.SCHEMA_CACHE.get(key, options as "text");
      },
      put: (key: string, value: string) =>
        outage ? Promise.reject(new Error("KV unavailable")) : env.SCHEMA_CACHE.put(key, value),
    } as unknown as KVNamespace;
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { pollIntervalMs: 0, env: { SCHEMA_CACHE: kv } });
    ok(await gw.graphql(QUERY));
    outage = true;
    const before = reads.length;
    for (let i = 0; i < 3; i++) {
      expect(ok(await gw.graphql(QUERY))).toEqual({ me: { id: "1" }, products: EXPECTED_PRODUCTS });
    }
    // The polls did meet the outage.
    expect(reads.length).toBeGreaterThan(before);
  });

  it("a reload that cannot write KV is 500 RELOAD_FAILED and the last good schema keeps serving", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { env: { SCHEMA_CACHE: failingKv } });
    ok(await gw.graphql(QUERY));
    const res = await gw.admin("/admin/reload");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: "RELOAD_FAILED", message: "Reload failed: the schema cache (KV) could not be written" },
    });
    expect(ok(await gw.graphql(QUERY))).toEqual({ me: { id: "1" }, products: EXPECTED_PRODUCTS });
    expect((await remotesOf(gw)).status).toBe("ok");
  });
});
