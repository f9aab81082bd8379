/**
 * The response cache and the request forms around it (src/cache): GETs with a stored document's id or an
 * APQ hash (ETag, If-None-Match -> 304, public Cache-Control with Vary), trusted documents in "require"
 * mode (a sent query is never answered from the cache), and `@preset` arguments (answers keyed by the
 * session variables they read, whatever the scope).
 */
import { describe, expect, it } from "vitest";
import { apollo, documentsGateway, push, sha256 } from "../documents/helpers";
import { asRole, hsAuth, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";
import { ask, operations } from "./helpers";

const USER = "query User($id: ID!) { user(id: $id) { id name } }";
const CACHE = { responseCache: { ttlPerSchemaCoordinate: { "Query.user": 60 } } };

/** GETs /graphql with `params` (objects as JSON) and the CSRF header every GET needs. */
async function get(gateway: ReturnType<typeof testGateway>, params: Record<string, unknown>, headers = {}) {
  const search = new URLSearchParams(
    Object.entries(params).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
  return gateway.fetch(`/graphql?${search}`, {
    headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1", ...headers },
  });
}

describe("GET with a stored document or an APQ hash", () => {
  it("is cacheable by browsers and CDNs: public Cache-Control, Vary, ETag, and 304 for If-None-Match", async () => {
    const id = uniqueId();
    const gateway = documentsGateway(id, "allow", CACHE);
    const hash = await sha256(USER);
    expect((await push(gateway, { [hash]: USER })).status).toBe(200);
    const params = { documentId: `sha256:${hash}`, variables: { id: "2" } };
    const first = await get(gateway, params);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-cache")).toBe("MISS");
    expect(first.headers.get("cache-control")).toBe("public, max-age=60");
    expect(first.headers.get("vary")).toBe("Accept, Authorization, Cookie");
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await first.json()).toEqual({ data: { user: { id: "2", name: "Grace" } } });
    // Apollo's hash form names the same answer: a hit with the same ETag.
    const byHash = await get(gateway, { extensions: apollo(hash), variables: { id: "2" } });
    expect(byHash.headers.get("x-cache")).toBe("HIT");
    expect(byHash.headers.get("etag")).toBe(etag);
    await byHash.text();
    const calls = await operations(id, "accounts");
    const revalidated = await get(gateway, params, { "if-none-match": `W/${etag}, "other"` });
    expect(revalidated.status).toBe(304);
    expect(await revalidated.text()).toBe("");
    expect(revalidated.headers.get("etag")).toBe(etag);
    expect(revalidated.headers.get("cache-control")).toBe("public, max-age=60");
    expect(await operations(id, "accounts")).toBe(calls);
    // A stale tag gets the answer.
    const changed = await get(gateway, params, { "if-none-match": '"0000"' });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ data: { user: { id: "2", name: "Grace" } } });
  });

  it("answers 304 on a miss too when the client already holds the answer", async () => {
    const id = uniqueId();
    const gateway = documentsGateway(id, "allow", CACHE);
    const hash = await sha256(USER);
    await push(gateway, { [hash]: USER });
    const params = { documentId: hash, variables: { id: "3" } };
    const first = await get(gateway, params);
    const etag = first.headers.get("etag") as string;
    await first.text();
    expect(
      (
        await gateway.fetch("/admin/cache/purge", {
          method: "POST",
          headers: { "content-type": "application/json", "x-admin-secret": "test-admin-secret" },
          body: JSON.stringify({ all: true }),
        })
      ).status,
    ).toBe(200);
    const again = await get(gateway, params, { "if-none-match": etag });
    expect(again.headers.get("x-cache")).toBe("MISS");
    expect(again.status).toBe(304);
  });
});

describe("GET without a CSRF header", () => {
  it("is refused as without the cache, even when the answer is cached", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { remotes: ["accounts"], ...CACHE });
    const params = { query: USER, variables: { id: "1" } };
    expect((await get(gateway, params)).headers.get("x-cache")).toBe("MISS");
    expect((await get(gateway, params)).headers.get("x-cache")).toBe("HIT");
    const search = new URLSearchParams({ query: USER, variables: JSON.stringify({ id: "1" }) });
    const res = await gateway.fetch(`/graphql?${search}`, { headers: { accept: "application/graphql-response+json" } });
    expect(res.status).toBe(403);
    expect(res.headers.get("x-cache")).toBeNull();
    expect(await res.text()).toContain("CSRF_HEADER_REQUIRED");
  });
});

describe("trusted documents in require mode", () => {
  it("never answers a sent query from the cache, even when its stored twin is cached", async () => {
    const id = uniqueId();
    const gateway = documentsGateway(id, "require", CACHE);
    const hash = await sha256(USER);
    await push(gateway, { [hash]: USER });
    const byId = async () =>
      gateway.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body: JSON.stringify({ documentId: hash, variables: { id: "1" } }),
      });
    expect((await byId()).headers.get("x-cache")).toBe("MISS");
    expect((await byId()).headers.get("x-cache")).toBe("HIT");
    const sent = await ask(gateway, USER, { id: "1" });
    expect(sent.xCache).toBeNull();
    expect(sent.body.data ?? null).toBeNull();
    expect(JSON.stringify(sent.body.errors)).toContain("PERSISTED_QUERY_ONLY");
  });
});

describe("@preset arguments", () => {
  it("keys answers by the session variables presets read: no answer crosses users, even PUBLIC", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      permissions: {
        self: {
          accounts:
            'type Query { user(id: ID! @preset(value: "x-hasura-user-id")): User } type User { id: ID! name: String! }',
        },
      },
      ...CACHE,
    });
    const query = "{ user { id name } }";
    const u1 = await asRole("self", "1");
    const u2 = await asRole("self", "2");
    const a = await ask(gateway, query, undefined, u1);
    expect([a.xCache, a.body.data]).toEqual(["MISS", { user: { id: "1", name: "Ada" } }]);
    const b = await ask(gateway, query, undefined, u2);
    expect([b.xCache, b.body.data]).toEqual(["MISS", { user: { id: "2", name: "Grace" } }]);
    const a2 = await ask(gateway, query, undefined, u1);
    const b2 = await ask(gateway, query, undefined, u2);
    expect([a2.xCache, a2.body.data]).toEqual(["HIT", { user: { id: "1", name: "Ada" } }]);
    expect([b2.xCache, b2.body.data]).toEqual(["HIT", { user: { id: "2", name: "Grace" } }]);
  });
});
