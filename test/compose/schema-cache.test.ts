import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { control, remoteUrl, stats, uniqueId } from "../helpers";

/** Test `id`'s accounts and products remotes. */
const TWO_REMOTES = { remotes: ["accounts", "products"] };

const BOTH = "{ me { id name } products(limit: 1) { upc } }";
const BOTH_DATA = { me: { id: "1", name: "Ada" }, products: [{ upc: "p1" }] };

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

describe("schema cache in KV", () => {
  it("a cold isolate sharing the KV prefix builds its schema from KV without introspecting the remotes", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;

    const a = testGateway(id, TWO_REMOTES, { kvPrefix });
    const first = await a.graphql(BOTH);
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data).toEqual(BOTH_DATA);
    const accountsAfterA = await stats(id, "accounts");
    const productsAfterA = await stats(id, "products");
    expect(accountsAfterA.introspections).toBe(1);
    expect(productsAfterA.introspections).toBe(1);

    const b = testGateway(id, TWO_REMOTES, { kvPrefix });
    const second = await b.graphql(BOTH);
    expect(second.status).toBe(200);
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data).toEqual(BOTH_DATA);
    const accountsAfterB = await stats(id, "accounts");
    const productsAfterB = await stats(id, "products");
    expect(accountsAfterB.introspections).toBe(1);
    expect(productsAfterB.introspections).toBe(1);
    expect(accountsAfterB.operations).toBe(accountsAfterA.operations + 1);
    expect(productsAfterB.operations).toBe(productsAfterA.operations + 1);
  });

  it("writes a pointer { hash, loadedAt, fingerprint } per remote and the introspection JSON under its sha256", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    const gw = testGateway(id, TWO_REMOTES, { kvPrefix });
    const before = Date.now();
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();

    for (const name of ["accounts", "products"]) {
      const pointer = await env.SCHEMA_CACHE.get<{ hash: string; loadedAt: string; fingerprint: string }>(
        `${kvPrefix}remote:${name}`,
        "json",
      );
      expect(pointer).not.toBeNull();
      expect(Object.keys(pointer ?? {}).sort()).toEqual(["fingerprint", "hash", "loadedAt"]);
      const { hash, loadedAt, fingerprint } = pointer as { hash: string; loadedAt: string; fingerprint: string };
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(fingerprint).toBe(await sha256Hex(remoteUrl(id, name)));
      expect(new Date(loadedAt).toISOString()).toBe(loadedAt);
      expect(Date.parse(loadedAt)).toBeGreaterThanOrEqual(before - 1000);

      const json = await env.SCHEMA_CACHE.get(`${kvPrefix}introspection:${hash}`, "text");
      expect(json).not.toBeNull();
      const introspection = JSON.parse(json as string) as { __schema?: { types?: Array<{ name: string }> } };
      expect(introspection.__schema).toBeTypeOf("object");
      expect(await sha256Hex(json as string)).toBe(hash);
      const typeNames = introspection.__schema?.types?.map((type) => type.name) ?? [];
      expect(typeNames).toContain(name === "accounts" ? "User" : "Product");
    }

    // Nothing is written outside the gateway's prefix.
    const listed = await env.SCHEMA_CACHE.list({ prefix: kvPrefix });
    expect(listed.keys.map((key) => key.name.slice(kvPrefix.length)).sort()).toEqual(
      [
        "remote:accounts",
        "remote:products",
        `introspection:${(await env.SCHEMA_CACHE.get<{ hash: string }>(`${kvPrefix}remote:accounts`, "json"))?.hash}`,
        `introspection:${(await env.SCHEMA_CACHE.get<{ hash: string }>(`${kvPrefix}remote:products`, "json"))?.hash}`,
      ].sort(),
    );
  });

  it("ignores a pointer written for another URL of the same remote name (fingerprint mismatch) and introspects", async () => {
    const id = uniqueId();
    const other = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;

    const a = testGateway(id, TWO_REMOTES, { kvPrefix });
    expect((await a.graphql(BOTH)).body.errors).toBeUndefined();
    expect((await stats(id, "accounts")).introspections).toBe(1);

    // Same remote name, another endpoint, which serves v2 (so using A's cached v1 would be visible).
    await control(other, "accounts", { version: "v2" });
    const b = testGateway(
      id,
      { remotes: [{ name: "accounts", url: remoteUrl(other, "accounts") }, "products"] },
      { kvPrefix },
    );
    const { body } = await b.graphql("{ userCount me { nickname } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ userCount: 3, me: { nickname: null } });
    expect((await stats(other, "accounts")).introspections).toBe(1);
    // products has the same URL in both: its pointer is still used.
    expect((await stats(id, "products")).introspections).toBe(1);
    expect((await stats(id, "accounts")).introspections).toBe(1);

    const remotes = (await (await b.admin("/admin/remotes", "GET")).json()) as {
      remotes: Array<{ name: string; source: string }>;
    };
    expect(remotes.remotes.map((r) => [r.name, r.source])).toEqual([
      ["accounts", "introspection"],
      ["products", "kv"],
    ]);
  });

  it("an isolate polling KV picks up the pointer written by another isolate's reload, without introspecting", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    const a = testGateway(id, TWO_REMOTES, { kvPrefix });
    const b = testGateway(id, TWO_REMOTES, { kvPrefix, pollIntervalMs: 0 });

    expect((await a.graphql("{ me { id } }")).body.errors).toBeUndefined();
    expect((await b.graphql("{ me { id } }")).body.errors).toBeUndefined();
    const before = await b.graphql("{ userCount }");
    expect(before.body.errors?.[0]?.message).toContain('Cannot query field "userCount"');
    expect((await stats(id, "accounts")).introspections).toBe(1);

    await control(id, "accounts", { version: "v2" });
    const reload = await a.admin("/admin/reload");
    expect(reload.status).toBe(200);
    expect((await stats(id, "accounts")).introspections).toBe(2);

    // The first request to B schedules the KV check (waitUntil); the second is served by the new schema.
    await b.graphql("{ me { id } }");
    const after = await b.graphql("{ userCount }");
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({ userCount: 3 });
    // B took the new schema from KV, not from the remote.
    expect((await stats(id, "accounts")).introspections).toBe(2);

    const status = (await (await b.admin("/admin/remotes", "GET")).json()) as {
      remotes: Array<{ name: string; schemaHash: string; source: string }>;
    };
    const reloaded = (await reload.json()) as { reloaded: Array<{ name: string; schemaHash: string }> };
    const accounts = status.remotes.find((r) => r.name === "accounts");
    expect(accounts?.schemaHash).toBe(reloaded.reloaded.find((r) => r.name === "accounts")?.schemaHash);
    expect(accounts?.source).toBe("kv");
  });

  it("an isolate that is not due to poll keeps its schema after another isolate's reload", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    const a = testGateway(id, TWO_REMOTES, { kvPrefix });
    const b = testGateway(id, TWO_REMOTES, { kvPrefix, pollIntervalMs: 3_600_000 });
    expect((await a.graphql("{ me { id } }")).body.errors).toBeUndefined();
    expect((await b.graphql("{ me { id } }")).body.errors).toBeUndefined();

    await control(id, "accounts", { version: "v2" });
    expect((await a.admin("/admin/reload")).status).toBe(200);
    expect((await a.graphql("{ userCount }")).body.data).toEqual({ userCount: 3 });

    await b.graphql("{ me { id } }");
    const after = await b.graphql("{ userCount }");
    expect(after.body.errors?.[0]?.message).toContain('Cannot query field "userCount"');
  });
});
