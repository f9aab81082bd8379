import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { REFUSED_URL, remotesOf, testGateway } from "../fixtures/gateways";
import { control, stats, uniqueId } from "../helpers";

describe("degraded start: some remotes unavailable", () => {
  it("serves the other remotes when one remote refuses connections at cold start (no KV entry)", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    const gw = testGateway(
      id,
      { remotes: ["accounts", { name: "down", url: REFUSED_URL, timeoutMs: 5000 }] },
      { kvPrefix },
    );

    const { status, body } = await gw.graphql("{ me { name } }");
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { name: "Ada" } });

    const health = await gw.fetch("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: "degraded",
      schemaHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      remotes: { accounts: "ok", down: "error" },
    });

    const remotes = await remotesOf(gw);
    expect(remotes.status).toBe("degraded");
    expect(remotes.remotes[0]).toMatchObject({ name: "accounts", status: "ok", lastError: null });
    expect(remotes.remotes[1]).toMatchObject({
      name: "down",
      status: "error",
      schemaHash: null,
      loadedAt: null,
      source: null,
      lastError: { code: "UPSTREAM_UNAVAILABLE", message: 'Remote schema "down" is unreachable' },
    });

    // Nothing was cached for the remote that failed.
    expect(await env.SCHEMA_CACHE.get(`${kvPrefix}remote:down`)).toBeNull();
    expect(await env.SCHEMA_CACHE.get(`${kvPrefix}remote:accounts`)).not.toBeNull();
  });

  it.each([
    ["reset", "UPSTREAM_UNAVAILABLE"],
    ["500", "UPSTREAM_UNAVAILABLE"],
    ["html", "UPSTREAM_INVALID_RESPONSE"],
  ])("serves the other remote when one fails introspection at cold start (%s)", async (mode, code) => {
    const id = uniqueId();
    await control(id, "products", { introspectionMode: mode });
    const gw = testGateway(id, { remotes: ["accounts", "products"] });
    const { body } = await gw.graphql("{ me { id } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { id: "1" } });
    const missing = await gw.graphql("{ products { upc } }");
    expect(missing.body.errors?.[0]?.message).toContain('Cannot query field "products"');

    const health = await gw.fetch("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "degraded", remotes: { accounts: "ok", products: "error" } });
    const remotes = await remotesOf(gw);
    expect(remotes.remotes[1]?.lastError?.code).toBe(code);
  });
});

describe("no remote available", () => {
  it("answers /graphql with 503 and a SCHEMA_UNAVAILABLE GraphQL error, and /healthz with 503 unavailable", async () => {
    const id = uniqueId();
    await control(id, "products", { introspectionMode: "reset" });
    const gw = testGateway(id, { remotes: [{ name: "down", url: REFUSED_URL, timeoutMs: 5000 }, "products"] });

    const { status, body } = await gw.graphql("{ products { upc } }");
    expect(status).toBe(503);
    expect(body.data ?? undefined).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({
      message: "No remote schema is available; see GET /healthz",
      extensions: { code: "SCHEMA_UNAVAILABLE" },
    });

    const health = await gw.fetch("/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({
      status: "unavailable",
      schemaHash: null,
      remotes: { down: "error", products: "error" },
    });

    const remotes = await remotesOf(gw);
    expect(remotes.status).toBe("unavailable");
    expect(remotes.remotes.map((r) => r.lastError?.code)).toEqual(["UPSTREAM_UNAVAILABLE", "UPSTREAM_UNAVAILABLE"]);

    const schema = await gw.admin("/admin/schema", "GET");
    expect(schema.status).toBe(503);
    expect(((await schema.json()) as { error: { code: string } }).error.code).toBe("SCHEMA_UNAVAILABLE");
  });

  it("answers a GET /graphql query with 503 SCHEMA_UNAVAILABLE too", async () => {
    const gw = testGateway(uniqueId(), { remotes: [{ name: "down", url: REFUSED_URL, timeoutMs: 5000 }] });
    const res = await gw.fetch(`/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1" },
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    expect(body.errors?.[0]?.extensions?.code).toBe("SCHEMA_UNAVAILABLE");
  });
});

describe("recovery of a remote that was down at cold start", () => {
  it("picks the remote up on a later request (retryIntervalMs: 0) without an admin reload", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    await control(id, "products", { introspectionMode: "reset" });
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { kvPrefix, retryIntervalMs: 0 });

    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
    expect((await gw.graphql("{ products { upc } }")).body.errors?.[0]?.message).toContain("Cannot query field");
    expect((await (await gw.fetch("/healthz")).json()) as object).toMatchObject({ status: "degraded" });

    await control(id, "products", { introspectionMode: "ok" });
    // The next request schedules the retry in the background; the one after sees the remote.
    await gw.graphql("{ me { id } }");
    const { body } = await gw.graphql("{ me { id } products(limit: 1) { upc } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { id: "1" }, products: [{ upc: "p1" }] });

    const health = await gw.fetch("/healthz");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", remotes: { accounts: "ok", products: "ok" } });
    const remotes = await remotesOf(gw);
    expect(remotes.remotes[1]).toMatchObject({
      name: "products",
      status: "ok",
      source: "introspection",
      lastError: null,
    });
    // accounts was not introspected again; the recovered remote was written to KV.
    expect((await stats(id, "accounts")).introspections).toBe(1);
    expect(await env.SCHEMA_CACHE.get(`${kvPrefix}remote:products`)).not.toBeNull();
  });

  it("does not let a recovered remote push a serving remote out over a conflict", async () => {
    const id = uniqueId();
    // accounts v3 defines Product differently from products; accounts comes first in config order.
    await control(id, "accounts", { version: "v3", introspectionMode: "reset" });
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { retryIntervalMs: 0 });
    expect((await gw.graphql("{ products(limit: 1) { upc } }")).body.data).toEqual({ products: [{ upc: "p1" }] });

    await control(id, "accounts", { introspectionMode: "ok" });
    await gw.graphql("{ products(limit: 1) { upc } }");
    const { body } = await gw.graphql("{ products(limit: 1) { upc } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ products: [{ upc: "p1" }] });

    const remotes = await remotesOf(gw);
    expect(remotes.remotes.map((r) => [r.name, r.status])).toEqual([
      ["accounts", "error"],
      ["products", "ok"],
    ]);
    expect(remotes.remotes[0]?.lastError?.code).toBe("SCHEMA_CONFLICT");
    expect(remotes.remotes[0]?.lastError?.message).toContain("Type Product");
  });

  it("recovers from an all-down cold start: /graphql goes from 503 to serving", async () => {
    const id = uniqueId();
    await control(id, "accounts", { introspectionMode: "500" });
    const gw = testGateway(id, { remotes: ["accounts"] }, { retryIntervalMs: 0 });
    expect((await gw.graphql("{ me { id } }")).status).toBe(503);

    await control(id, "accounts", { introspectionMode: "ok" });
    await gw.fetch("/healthz");
    const { status, body } = await gw.graphql("{ me { id } }");
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { id: "1" } });
  });

  it("does not retry before retryIntervalMs has passed", async () => {
    const id = uniqueId();
    await control(id, "products", { introspectionMode: "reset" });
    const gw = testGateway(id, { remotes: ["accounts", "products"] }, { retryIntervalMs: 3_600_000 });
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
    await control(id, "products", { introspectionMode: "ok" });
    await gw.graphql("{ me { id } }");
    expect((await gw.graphql("{ products { upc } }")).body.errors?.[0]?.message).toContain("Cannot query field");
    // One introspection by the registry: its call and the pipeline's 2 retries of the reset connection (issue 12).
    expect((await stats(id, "products")).introspections).toBe(3);
  });
});
