/**
 * Purges of the response cache (src/cache): a mutation through the gateway purges the cached answers that
 * hold the entities it returned, and only those; `POST /admin/cache/purge` by entity, type or everything;
 * Cloudflare's purge by tag called through the API (a loopback stand-in, fixtures/cf-api.ts) when
 * `CF_API_TOKEN` and a zone are set.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, uniqueId, upstreamBase } from "../helpers";
import { ask, operations } from "./helpers";

const user = (id: string) => `{ user(id: "${id}") { __typename id name } }`;
const USERS = "{ users { __typename id name } }";
const RENAME_1 = 'mutation { rename(id: "1", name: "Ada L.") { __typename id name } }';

/** A gateway of test `id` over accounts, User answers cached 60 s, namespace `<id>:`. */
const cachedAccounts = (id: string, env: Record<string, unknown> = {}, more: Record<string, unknown> = {}) =>
  testGateway(
    id,
    { remotes: ["accounts"], responseCache: { ttlPerType: { User: 60 }, ...more } },
    { kvPrefix: `${id}:`, env },
  );

/** POST /admin/cache/purge with `body` (raw string or JSON). */
const purge = (gateway: ReturnType<typeof testGateway>, body: unknown, secret = ADMIN_SECRET) =>
  gateway.fetch("/admin/cache/purge", {
    method: "POST",
    headers: { "content-type": "application/json", "x-admin-secret": secret },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** Fills the cache with user 1, user 2 and the user list (which holds users 1 to 3). */
async function warm(gateway: ReturnType<typeof testGateway>): Promise<void> {
  for (const query of [user("1"), user("2"), USERS]) expect((await ask(gateway, query)).xCache).toBe("MISS");
  for (const query of [user("1"), user("2"), USERS]) expect((await ask(gateway, query)).xCache).toBe("HIT");
}

/** The x-cache of each query, in order. */
const states = async (gateway: ReturnType<typeof testGateway>, queries: string[]) => {
  const out: Array<string | null> = [];
  for (const query of queries) out.push((await ask(gateway, query)).xCache);
  return out;
};

describe("purges after mutations", () => {
  it("purges, before answering, the answers holding the returned entity, and only those", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id);
    await warm(gateway);
    const mutation = await ask(gateway, RENAME_1);
    expect(mutation.body.data).toEqual({ rename: { __typename: "User", id: "1", name: "Ada L." } });
    expect(mutation.xCache).toBeNull();
    // user 1 and the list (which holds user 1) are gone; user 2 stays.
    expect(await states(gateway, [user("1"), USERS, user("2")])).toEqual(["MISS", "MISS", "HIT"]);
  });

  it("names entities by the configured key field (responseCache.keyFields)", async () => {
    const id = uniqueId();
    const gateway = testGateway(
      id,
      { remotes: ["products"], responseCache: { ttlPerType: { Product: 60 }, keyFields: { Product: "upc" } } },
      { kvPrefix: `${id}:` },
    );
    const p1 = '{ product(upc: "p1") { __typename upc name } }';
    const p2 = '{ product(upc: "p2") { __typename upc name } }';
    await states(gateway, [p1, p2]);
    expect(await states(gateway, [p1, p2])).toEqual(["HIT", "HIT"]);
    const res = await purge(gateway, { entities: [{ typename: "Product", id: "p2" }] });
    expect(res.status).toBe(200);
    expect(await states(gateway, [p1, p2])).toEqual(["HIT", "MISS"]);
  });
});

describe("entities found through the document (no __typename selected)", () => {
  it("tags answers by the type the schema gives each object and its selected key, aliases included", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id);
    const one = '{ user(id: "1") { id name } }';
    const aliased = '{ u: user(id: "1") { key: id name } }';
    const fragment = "query { users { ...U } } fragment U on User { id }";
    const two = '{ user(id: "2") { id name } }';
    const all = [one, aliased, fragment, two];
    await states(gateway, all);
    expect(await states(gateway, all)).toEqual(["HIT", "HIT", "HIT", "HIT"]);
    const mutation = await ask(gateway, 'mutation { rename(id: "1", name: "Ada L.") { id } }');
    expect(mutation.body.data).toEqual({ rename: { id: "1" } });
    expect(await states(gateway, all)).toEqual(["MISS", "MISS", "MISS", "HIT"]);
  });

  it("finds entities below interfaces and unions by the answer's __typename", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id, {}, { ttlPerType: { User: 60, Org: 60, Node: 60 } });
    const node = '{ node(id: "o1") { __typename ... on Org { id title } } }';
    await states(gateway, [node]);
    expect(await states(gateway, [node])).toEqual(["HIT"]);
    await purge(gateway, { entities: [{ typename: "Org", id: "o1" }] });
    expect(await states(gateway, [node])).toEqual(["MISS"]);
  });
});

describe("POST /admin/cache/purge", () => {
  it("purges by entity, by type and everything", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id);
    await warm(gateway);
    const byEntity = await purge(gateway, { entities: [{ typename: "User", id: "2" }] });
    expect(byEntity.status).toBe(200);
    expect(await byEntity.json()).toMatchObject({ status: "purged", deleted: 2, tags: 1, everywhere: false });
    expect(await states(gateway, [user("1"), user("2"), USERS])).toEqual(["HIT", "MISS", "MISS"]);
    // By type: every answer whose selection returns a User (tagged whether or not __typename was selected).
    const noTypename = '{ user(id: "3") { name } }';
    expect(await states(gateway, [noTypename, noTypename])).toEqual(["MISS", "HIT"]);
    expect((await purge(gateway, { types: ["User"] })).status).toBe(200);
    expect(await states(gateway, [user("1"), user("2"), USERS, noTypename])).toEqual(["MISS", "MISS", "MISS", "MISS"]);
    // Everything.
    expect(await states(gateway, [user("1"), USERS])).toEqual(["HIT", "HIT"]);
    expect((await purge(gateway, { all: true })).status).toBe(200);
    const calls = await operations(id, "accounts");
    expect(await states(gateway, [user("1"), USERS])).toEqual(["MISS", "MISS"]);
    expect(await operations(id, "accounts")).toBe(calls + 2);
    expect(await states(gateway, [user("1"), USERS])).toEqual(["HIT", "HIT"]);
  });

  it("answers 400 BAD_REQUEST for a bad body and 401 without the admin secret", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id);
    for (const body of [
      "not json",
      {},
      { types: ["not a name"] },
      { entities: [{ typename: "User" }] },
      { all: 1 },
      [],
    ]) {
      const res = await purge(gateway, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
    expect((await purge(gateway, { all: true }, "wrong")).status).toBe(401);
  });
});

describe("Cloudflare's purge by tag", () => {
  const env = (id: string, zone = "zone-1") => ({
    CF_API_TOKEN: "cf-test-token",
    CF_ZONE_ID: zone,
    CF_API_BASE: `${upstreamBase()}/cf/${id}`,
  });
  const log = async (id: string) =>
    (await (await fetch(`${upstreamBase()}/cf/${id}/log`)).json()) as Array<{
      zone: string;
      authorization: string;
      body: { tags: string[] };
    }>;

  it("calls POST /zones/{zone}/purge_cache with the entity tags after a mutation, and for admin purges", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id, env(id));
    await warm(gateway);
    await ask(gateway, RENAME_1);
    const calls = await log(id);
    expect(calls).toEqual([
      { zone: "zone-1", authorization: "Bearer cf-test-token", body: { tags: [`${id}:junction:e:User:1`] } },
    ]);
    const res = await purge(gateway, { types: ["User"], entities: [{ typename: "User", id: 7 }], all: true });
    expect(await res.json()).toMatchObject({ everywhere: true });
    expect((await log(id))[1]?.body.tags).toEqual([
      `${id}:junction:t:User`,
      `${id}:junction:e:User:7`,
      `${id}:junction:all`,
    ]);
  });

  it("takes the zone from responseCache.zoneId without CF_ZONE_ID, and calls nothing without a token", async () => {
    const id = uniqueId();
    const { CF_ZONE_ID: _zone, ...withoutZone } = env(id);
    const gateway = cachedAccounts(id, withoutZone, { zoneId: "zone-config" });
    await purge(gateway, { types: ["User"] });
    expect((await log(id)).map((call) => call.zone)).toEqual(["zone-config"]);
    const other = uniqueId();
    const silent = cachedAccounts(other, { CF_ZONE_ID: "zone-1", CF_API_BASE: `${upstreamBase()}/cf/${other}` });
    expect(await (await purge(silent, { types: ["User"] })).json()).toMatchObject({ everywhere: false });
    expect(await log(other)).toEqual([]);
  });
});

describe("purges after mutations that reach Yoga directly", () => {
  it("purges through the Yoga plugin for a request the HTTP cache path does not read (application/graphql body)", async () => {
    const id = uniqueId();
    const gateway = cachedAccounts(id);
    await warm(gateway);
    const res = await gateway.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/graphql", accept: "application/json" },
      body: RENAME_1,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toEqual({
      rename: { __typename: "User", id: "1", name: "Ada L." },
    });
    expect(await states(gateway, [user("1"), USERS, user("2")])).toEqual(["MISS", "MISS", "HIT"]);
  });
});
