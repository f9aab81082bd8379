import { describe, expect, it } from "vitest";
import type { RemoteStatus } from "../../src/compose";
import { remotesOf, testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, control, stats, uniqueId } from "../helpers";

/** The gateway of every test here: test `id`'s accounts and products remotes. */
const TWO_REMOTES = { remotes: ["accounts", "products"] };

interface ErrorBody {
  error: { code: string; message: string; [key: string]: unknown };
}

interface ReloadBody {
  status: string;
  reloaded: Array<{ name: string; schemaHash: string; changed: boolean }>;
  schemaHash: string;
  guard: string;
  changes: Array<{ type: string; path: string; level: string; ok: boolean; why?: string }>;
  deprecations: unknown[];
}

const HEX64 = /^[0-9a-f]{64}$/;

describe("admin auth", () => {
  it("answers 401 UNAUTHORIZED without the x-admin-secret header", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    for (const [path, method] of [
      ["/admin/remotes", "GET"],
      ["/admin/reload", "POST"],
      ["/admin/remotes/accounts/reload", "POST"],
      ["/admin/schema", "GET"],
    ] as const) {
      const res = await gw.fetch(path, { method });
      expect(res.status, `${method} ${path}`).toBe(401);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("UNAUTHORIZED");
    }
  });

  it("answers 401 UNAUTHORIZED with a wrong secret, and does not reload", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    for (const secret of ["wrong", `${ADMIN_SECRET}x`, ADMIN_SECRET.slice(0, -1), ""]) {
      const res = await gw.fetch("/admin/reload", { method: "POST", headers: { "x-admin-secret": secret } });
      expect(res.status, JSON.stringify(secret)).toBe(401);
      const body = (await res.json()) as ErrorBody;
      expect(body).toMatchObject({ error: { code: "UNAUTHORIZED" } });
      expect(JSON.stringify(body)).not.toContain(ADMIN_SECRET);
    }
    expect((await stats(id, "accounts")).introspections).toBe(0);
  });

  it.each([
    ["unset", undefined],
    ["empty", ""],
  ])("answers 503 ADMIN_DISABLED when ADMIN_SECRET is %s, even with a header", async (_label, value) => {
    const gw = testGateway(uniqueId(), TWO_REMOTES, { env: { ADMIN_SECRET: value } });
    const attempts: Array<Record<string, string>> = [{}, { "x-admin-secret": ADMIN_SECRET }, { "x-admin-secret": "" }];
    for (const headers of attempts) {
      const res = await gw.fetch("/admin/remotes", { headers });
      expect(res.status).toBe(503);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe("ADMIN_DISABLED");
    }
    // The public routes still work.
    expect((await gw.fetch("/healthz")).status).toBe(200);
  });

  it("answers 200 on GET /admin/remotes with the right secret", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.fetch("/admin/remotes", { headers: { "x-admin-secret": ADMIN_SECRET } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
  });
});

describe("POST /admin/reload", () => {
  it("re-introspects every remote, reports the new hashes and serves the new schema at once", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const before = await gw.graphql("{ userCount }");
    expect(before.body.data ?? undefined).toBeUndefined();
    expect(before.body.errors?.[0]?.message).toContain('Cannot query field "userCount" on type "Query"');
    const old = await remotesOf(gw);

    await control(id, "accounts", { version: "v2" });
    // Not picked up without a reload.
    expect((await gw.graphql("{ userCount }")).body.errors?.[0]?.message).toContain("Cannot query field");

    const res = await gw.admin("/admin/reload");
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReloadBody;
    expect(body).toEqual({
      status: "reloaded",
      reloaded: [
        { name: "accounts", schemaHash: expect.stringMatching(HEX64), changed: true },
        { name: "products", schemaHash: old.remotes[1]?.schemaHash, changed: false },
      ],
      schemaHash: expect.stringMatching(HEX64),
      guard: "passed",
      changes: [
        expect.objectContaining({ type: "FIELD_ADDED", path: "Query.userCount", level: "safe", ok: true }),
        expect.objectContaining({ type: "FIELD_ADDED", path: "User.nickname", level: "safe", ok: true }),
      ],
      deprecations: [],
    });
    expect(body.reloaded[0]?.schemaHash).not.toBe(old.remotes[0]?.schemaHash);
    expect(body.schemaHash).not.toBe(old.schemaHash);
    expect((await stats(id, "accounts")).introspections).toBe(2);
    expect((await stats(id, "products")).introspections).toBe(2);

    const after = await gw.graphql("{ userCount me { name nickname } products(limit: 1) { upc } }");
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({ userCount: 3, me: { name: "Ada", nickname: null }, products: [{ upc: "p1" }] });

    const now = await remotesOf(gw);
    expect(now.schemaHash).toBe(body.schemaHash);
    expect(now.remotes[0]).toMatchObject({
      name: "accounts",
      schemaHash: body.reloaded[0]?.schemaHash,
      lastError: null,
    });
  });

  it("reports changed: false for every remote when nothing changed", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const old = await remotesOf(gw);
    const res = await gw.admin("/admin/reload");
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReloadBody;
    expect(body.reloaded.map((r) => [r.name, r.changed])).toEqual([
      ["accounts", false],
      ["products", false],
    ]);
    expect(body.schemaHash).toBe(old.schemaHash);
  });

  it("POST /admin/remotes/:name/reload re-introspects only that remote", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
    await control(id, "accounts", { version: "v2" });

    const res = await gw.admin("/admin/remotes/accounts/reload");
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReloadBody;
    expect(body).toEqual({
      status: "reloaded",
      reloaded: [{ name: "accounts", schemaHash: expect.stringMatching(HEX64), changed: true }],
      schemaHash: expect.stringMatching(HEX64),
      guard: "passed",
      changes: expect.any(Array),
      deprecations: [],
    });
    expect((await stats(id, "accounts")).introspections).toBe(2);
    expect((await stats(id, "products")).introspections).toBe(1);
    expect((await gw.graphql("{ userCount products(limit: 1) { upc } }")).body.data).toEqual({
      userCount: 3,
      products: [{ upc: "p1" }],
    });
  });

  it("answers 404 NOT_FOUND for the reload of an unknown remote", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const res = await gw.admin("/admin/remotes/nope/reload");
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toContain('"nope"');
    expect((await stats(id, "accounts")).introspections).toBe(0);
  });

  it.each([
    ["reset", "UPSTREAM_UNAVAILABLE", "secret"],
    ["500", "UPSTREAM_UNAVAILABLE", "secret stack trace"],
    ["500-json", "UPSTREAM_UNAVAILABLE", "hunter2"],
    ["html", "UPSTREAM_INVALID_RESPONSE", "Login required"],
    ["invalid-json", "UPSTREAM_INVALID_RESPONSE", "oops"],
    ["404", "UPSTREAM_HTTP_ERROR", "not here"],
  ])(
    "keeps the last good schema when introspection fails (%s): 502 RELOAD_FAILED with failures",
    async (mode, code, leak) => {
      const id = uniqueId();
      const gw = testGateway(id, TWO_REMOTES);
      expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
      const old = await remotesOf(gw);

      await control(id, "accounts", { version: "v2", introspectionMode: mode });
      const res = await gw.admin("/admin/reload");
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).not.toContain(leak);
      const body = JSON.parse(text) as ErrorBody & {
        error: { failures: Array<{ remote: string; code: string; message: string; at: string }> };
      };
      expect(body.error.code).toBe("RELOAD_FAILED");
      expect(body.error.message).toContain('"accounts"');
      expect(body.error.failures).toHaveLength(1);
      expect(body.error.failures[0]).toMatchObject({ remote: "accounts", code });

      // Old schema still served, for both remotes.
      const query = await gw.graphql("{ me { name } products(limit: 1) { upc } }");
      expect(query.body.errors).toBeUndefined();
      expect(query.body.data).toEqual({ me: { name: "Ada" }, products: [{ upc: "p1" }] });
      expect((await gw.graphql("{ userCount }")).body.errors?.[0]?.message).toContain("Cannot query field");

      // All or nothing: products' successful introspection was not swapped in either.
      const now = await remotesOf(gw);
      expect(now.schemaHash).toBe(old.schemaHash);
      expect(now.status).toBe("ok");
      const [accounts, products] = now.remotes as [RemoteStatus, RemoteStatus];
      expect(accounts).toMatchObject({ name: "accounts", status: "ok", schemaHash: old.remotes[0]?.schemaHash });
      expect(accounts.lastError).toMatchObject({ code });
      expect(accounts.lastError?.message).toContain('"accounts"');
      expect(Number.isNaN(Date.parse(accounts.lastError?.at ?? ""))).toBe(false);
      expect(products.lastError).toBeNull();

      // Once the remote is healthy again a reload succeeds and clears lastError.
      await control(id, "accounts", { introspectionMode: "ok" });
      expect((await gw.admin("/admin/reload")).status).toBe(200);
      expect((await remotesOf(gw)).remotes[0]?.lastError).toBeNull();
      expect((await gw.graphql("{ userCount }")).body.data).toEqual({ userCount: 3 });
    },
  );

  it("refuses a reload that introduces a conflict: 409 RELOAD_FAILED naming both remotes and the type", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    expect((await gw.graphql("{ products(limit: 1) { upc } }")).body.errors).toBeUndefined();
    const old = await remotesOf(gw);

    await control(id, "accounts", { version: "v3" });
    const res = await gw.admin("/admin/reload");
    expect(res.status).toBe(409);
    const body = (await res.json()) as ErrorBody;
    expect(body.error.code).toBe("RELOAD_FAILED");
    expect(body.error.message).toContain("Product");
    expect(body.error.message).toContain('"accounts"');
    expect(body.error.message).toContain('"products"');

    const query = await gw.graphql("{ me { name } products(limit: 2) { upc name price } }");
    expect(query.body.errors).toBeUndefined();
    expect(query.body.data).toEqual({
      me: { name: "Ada" },
      products: [
        { upc: "p1", name: "Table", price: 899 },
        { upc: "p2", name: "Couch", price: 1299 },
      ],
    });
    const now = await remotesOf(gw);
    expect(now.schemaHash).toBe(old.schemaHash);
    expect(now.remotes.map((r) => [r.name, r.status, r.schemaHash])).toEqual(
      old.remotes.map((r) => [r.name, r.status, r.schemaHash]),
    );
  });

  it("refuses the per-remote reload that introduces a conflict the same way", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    expect((await gw.graphql("{ products(limit: 1) { upc } }")).body.errors).toBeUndefined();
    await control(id, "accounts", { version: "v3" });
    const res = await gw.admin("/admin/remotes/accounts/reload");
    expect(res.status).toBe(409);
    expect(((await res.json()) as ErrorBody).error.code).toBe("RELOAD_FAILED");
    expect((await gw.graphql("{ products(limit: 1) { name } }")).body.data).toEqual({
      products: [{ name: "Table" }],
    });
    const accounts = (await remotesOf(gw)).remotes[0];
    expect(accounts?.status).toBe("ok");
    expect(accounts?.lastError?.code).toBe("SCHEMA_CONFLICT");
    expect(accounts?.lastError?.message).toContain("Type Product");
  });
});

describe("GET /admin/remotes", () => {
  it("lists every remote with status, schemaHash, loadedAt, source and lastError", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    const started = Date.now();
    const a = testGateway(id, TWO_REMOTES, { kvPrefix });
    const first = await remotesOf(a);
    expect(first).toEqual({
      status: "ok",
      schemaHash: expect.stringMatching(HEX64),
      remotes: ["accounts", "products"].map((name) => ({
        name,
        status: "ok",
        schemaHash: expect.stringMatching(HEX64),
        loadedAt: expect.any(String),
        source: "introspection",
        lastError: null,
      })),
      joins: [],
    });
    for (const remote of first.remotes) {
      expect(new Date(remote.loadedAt as string).toISOString()).toBe(remote.loadedAt);
      expect(Date.parse(remote.loadedAt as string)).toBeGreaterThanOrEqual(started - 1000);
    }
    expect(first.remotes[0]?.schemaHash).not.toBe(first.remotes[1]?.schemaHash);

    const b = testGateway(id, TWO_REMOTES, { kvPrefix });
    const second = await remotesOf(b);
    expect(second).toEqual({
      ...first,
      remotes: first.remotes.map((remote) => ({ ...remote, source: "kv" })),
    });
  });
});

describe("GET /admin/schema", () => {
  it("returns the composed schema as text/plain SDL with the fields of both remotes", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.admin("/admin/schema", "GET");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const sdl = await res.text();
    expect(sdl).toContain("type Query");
    expect(sdl).toMatch(/\bme: User\b/);
    expect(sdl).toMatch(/\bproducts\(limit: Int\): \[Product!\]!/);
    expect(sdl).toContain("type Product");
    expect(sdl).toContain("type User implements Node");
    expect(sdl).not.toContain("userCount");
  });
});

describe("GET /healthz", () => {
  it("answers 200 with every remote ok, without the admin secret and without revealing it", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.fetch("/healthz");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(ADMIN_SECRET);
    expect(JSON.parse(text)).toEqual({
      status: "ok",
      schemaHash: expect.stringMatching(HEX64),
      remotes: { accounts: "ok", products: "ok" },
    });
  });
});
