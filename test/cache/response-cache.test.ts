/**
 * The response cache (src/cache): queries whose hints allow it are served from the data centre's Cache
 * API (`x-cache: HIT`, `Age`) without an upstream call; misses, expiry, what is never stored (errors,
 * cookies, admin callers, PRIVATE without a user), and that no answer crosses roles or users.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, asRole, hsAuth, testGateway } from "../fixtures/gateways";
import { control, uniqueId } from "../helpers";
import { ask, operations, sleep } from "./helpers";

const USER_1 = '{ user(id: "1") { __typename id name } }';

describe("hit, miss and expiry", () => {
  it("serves a repeated query from the cache (HIT, Age, same bytes) without calling the upstream again", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, {
      remotes: ["accounts"],
      responseCache: { ttlPerSchemaCoordinate: { "Query.user": 60 } },
    });
    const first = await ask(gateway, USER_1);
    expect(first.status).toBe(200);
    expect(first.xCache).toBe("MISS");
    expect(first.cacheControl).toBe("public, max-age=60");
    expect(first.body).toEqual({ data: { user: { __typename: "User", id: "1", name: "Ada" } } });
    const calls = await operations(id, "accounts");
    const second = await ask(gateway, USER_1);
    expect(second.xCache).toBe("HIT");
    expect(second.text).toBe(first.text);
    expect(Number(second.age)).toBeGreaterThanOrEqual(0);
    expect(second.cacheControl).toBe("public, max-age=60");
    expect(await operations(id, "accounts")).toBe(calls);
    // Other variables (or another document) are another answer.
    const query = "query U($id: ID!) { user(id: $id) { id name } }";
    expect((await ask(gateway, query, { id: "2" })).xCache).toBe("MISS");
    expect((await ask(gateway, query, { id: "3" })).xCache).toBe("MISS");
    const again = await ask(gateway, query, { id: "2" });
    expect(again.xCache).toBe("HIT");
    expect(again.body.data).toEqual({ user: { id: "2", name: "Grace" } });
  });

  it("expires an answer after its max age (the minimum over the selected fields)", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, {
      remotes: ["accounts"],
      responseCache: { ttlPerSchemaCoordinate: { "Query.user": 60, "Query.now": 1 } },
    });
    const query = '{ user(id: "1") { id } now }';
    const first = await ask(gateway, query);
    expect(first.xCache).toBe("MISS");
    expect(first.cacheControl).toBe("public, max-age=1");
    expect((await ask(gateway, query)).xCache).toBe("HIT");
    await sleep(1100);
    const calls = await operations(id, "accounts");
    expect((await ask(gateway, query)).xCache).toBe("MISS");
    expect(await operations(id, "accounts")).toBe(calls + 1);
  });

  it("caches nothing without a hint (defaultMaxAge 0), nor mutations: no x-cache header", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { remotes: ["accounts"], responseCache: { ttlPerType: { User: 30 } } });
    // `now` is a root scalar without a hint: defaultMaxAge (0) makes the whole operation uncached.
    for (let i = 0; i < 2; i++) {
      const answer = await ask(gateway, '{ user(id: "1") { id } now }');
      expect(answer.xCache).toBeNull();
      expect(answer.cacheControl).toBeNull();
    }
    const mutation = 'mutation { rename(id: "1", name: "Ada L.") { id name } }';
    for (let i = 0; i < 2; i++) expect((await ask(gateway, mutation)).xCache).toBeNull();
    // The type's hint is enough for a field returning it.
    expect((await ask(gateway, '{ user(id: "1") { id } }')).xCache).toBe("MISS");
    expect((await ask(gateway, '{ user(id: "1") { id } }')).xCache).toBe("HIT");
  });

  it("uses a defaultMaxAge for root fields and object fields without hints", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { remotes: ["accounts"], responseCache: { defaultMaxAge: 5 } });
    expect((await ask(gateway, "{ now }")).cacheControl).toBe("public, max-age=5");
    expect((await ask(gateway, "{ now }")).xCache).toBe("HIT");
  });
});

describe("never cached", () => {
  it("does not store answers with errors", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { remotes: ["errors"], responseCache: { defaultMaxAge: 60 } });
    for (let i = 0; i < 2; i++) {
      const answer = await ask(gateway, "{ fails }");
      expect(answer.body.errors).toBeDefined();
      expect(answer.xCache).toBe("MISS");
    }
    expect(await operations(id, "errors")).toBe(2);
  });

  it("does not store answers that set cookies", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { remotes: ["accounts"], responseCache: { defaultMaxAge: 60 } });
    await control(id, "accounts", { cookies: ["session=abc; Path=/; HttpOnly"] });
    for (let i = 0; i < 2; i++) expect((await ask(gateway, "{ now }")).xCache).toBe("MISS");
    expect(await operations(id, "accounts")).toBe(2);
  });

  it("never serves nor stores for callers with the admin secret", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { remotes: ["accounts"], responseCache: { defaultMaxAge: 60 } });
    for (let i = 0; i < 2; i++) {
      const answer = await ask(gateway, "{ now }", undefined, ADMIN_HEADERS);
      expect(answer.status).toBe(200);
      expect(answer.xCache).toBeNull();
    }
    expect(await operations(id, "accounts")).toBe(2);
    // Nothing the admin asked was stored for others.
    expect((await ask(gateway, "{ now }")).xCache).toBe("MISS");
    // And a stored answer is not served to the admin.
    expect((await ask(gateway, "{ now }", undefined, ADMIN_HEADERS)).xCache).toBeNull();
    expect(await operations(id, "accounts")).toBe(4);
  });
});

describe("isolation", () => {
  const PERMISSIONS = {
    full: {
      accounts:
        "type Query { user(id: ID!): User requestHeaders: String! me: User } type User { id: ID! name: String! }",
    },
    other: {
      accounts:
        "type Query { user(id: ID!): User requestHeaders: String! me: User } type User { id: ID! name: String! }",
    },
    narrow: { accounts: "type Query { user(id: ID!): User } type User { id: ID! }" },
  };

  /** Test `id`'s accounts remote with the roles above, `Query.user` cached 60 s. */
  const rolesGateway = (id: string) =>
    testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      permissions: PERMISSIONS,
      responseCache: { ttlPerSchemaCoordinate: { "Query.user": 60 } },
    });

  it("keys answers by role: another role misses, and a role that may not see a field is refused, never served", async () => {
    const id = uniqueId();
    const gateway = rolesGateway(id);
    const query = '{ user(id: "1") { id name } }';
    const full = await asRole("full", "u1");
    expect((await ask(gateway, query, undefined, full)).xCache).toBe("MISS");
    const hit = await ask(gateway, query, undefined, full);
    expect(hit.xCache).toBe("HIT");
    // A caller with a token gets a private Cache-Control: no shared cache keeps it.
    expect(hit.cacheControl).toBe("private, max-age=60");
    expect((await ask(gateway, query, undefined, await asRole("other", "u1"))).xCache).toBe("MISS");
    const narrow = await ask(gateway, query, undefined, await asRole("narrow", "u1"));
    expect(narrow.status).toBe(400);
    expect(narrow.body.data).toBeUndefined();
    expect(narrow.xCache).toBeNull();
  });

  it("keys PRIVATE answers by user: no answer crosses users; without a user id nothing is cached", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      permissions: PERMISSIONS,
      responseCache: {
        ttlPerSchemaCoordinate: { "Query.requestHeaders": 60, "Query.me": 60 },
        privatePerType: ["User"],
      },
    });
    // requestHeaders echoes what the upstream received: the forwarded x-hasura-user-id differs per user.
    const query = "{ me { id } requestHeaders }";
    const seen = async (answer: { body: { data?: Record<string, unknown> | null } }) =>
      JSON.parse(String(answer.body.data?.requestHeaders))["x-hasura-user-id"];
    const u1 = await asRole("full", "u1");
    const u2 = await asRole("full", "u2");
    const first = await ask(gateway, query, undefined, u1);
    expect(first.xCache).toBe("MISS");
    expect(first.cacheControl).toBe("private, max-age=60");
    expect(await seen(first)).toBe("u1");
    const second = await ask(gateway, query, undefined, u2);
    expect(second.xCache).toBe("MISS");
    expect(await seen(second)).toBe("u2");
    const again1 = await ask(gateway, query, undefined, u1);
    const again2 = await ask(gateway, query, undefined, u2);
    expect([again1.xCache, again2.xCache]).toEqual(["HIT", "HIT"]);
    expect([await seen(again1), await seen(again2)]).toEqual(["u1", "u2"]);
    // A token without x-hasura-user-id: PRIVATE is not cached at all.
    const anonymous = await asRole("full");
    for (let i = 0; i < 2; i++) expect((await ask(gateway, query, undefined, anonymous)).xCache).toBeNull();
  });

  it("shares PUBLIC answers between users of a role, with a private Cache-Control for callers with a token", async () => {
    const id = uniqueId();
    const gateway = rolesGateway(id);
    const query = '{ user(id: "2") { id name } }';
    expect((await ask(gateway, query, undefined, await asRole("full", "u1"))).xCache).toBe("MISS");
    const other = await ask(gateway, query, undefined, await asRole("full", "u2"));
    expect(other.xCache).toBe("HIT");
    expect(other.cacheControl).toBe("private, max-age=60");
  });
});

describe("a new config", () => {
  it("never serves answers made under the old one (same KV prefix, tighter limits: refused, not a hit)", async () => {
    const id = uniqueId();
    const spec = { remotes: ["accounts"], responseCache: { ttlPerSchemaCoordinate: { "Query.user": 60 } } };
    const before = testGateway(id, spec, { kvPrefix: `${id}:` });
    const query = '{ user(id: "1") { id name } }';
    expect((await ask(before, query)).xCache).toBe("MISS");
    expect((await ask(before, query)).xCache).toBe("HIT");
    const after = testGateway(id, { ...spec, limits: { maxDepth: 1 } }, { kvPrefix: `${id}:` });
    const refused = await ask(after, query);
    expect(refused.status).toBe(400);
    expect(refused.xCache).toBe("MISS");
  });
});

describe("client headers forwarded to upstreams", () => {
  const query = "{ requestHeaders }";
  const received = (answer: { body: { data?: Record<string, unknown> | null } }) =>
    JSON.parse(String(answer.body.data?.requestHeaders));

  it("are part of the key when a remote forwards them by name", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, {
      remotes: [{ name: "accounts", forwardClientHeaders: ["accept-language"] }],
      responseCache: { ttlPerSchemaCoordinate: { "Query.requestHeaders": 60 } },
    });
    const fr = await ask(gateway, query, undefined, { "accept-language": "fr" });
    const de = await ask(gateway, query, undefined, { "accept-language": "de" });
    expect([fr.xCache, de.xCache]).toEqual(["MISS", "MISS"]);
    expect(received(de)["accept-language"]).toBe("de");
    const again = await ask(gateway, query, undefined, { "accept-language": "fr", "x-other": "ignored" });
    expect(again.xCache).toBe("HIT");
    expect(received(again)["accept-language"]).toBe("fr");
  });

  it("with forwardClientHeaders: true, every forwarded header is, but not per-request ids", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, {
      remotes: [{ name: "accounts", forwardClientHeaders: true }],
      responseCache: { ttlPerSchemaCoordinate: { "Query.requestHeaders": 60 } },
    });
    const a = await ask(gateway, query, undefined, { "x-tenant": "a", "x-request-id": "r1" });
    const b = await ask(gateway, query, undefined, { "x-tenant": "b", "x-request-id": "r2" });
    expect([a.xCache, b.xCache]).toEqual(["MISS", "MISS"]);
    expect(received(b)["x-tenant"]).toBe("b");
    const again = await ask(gateway, query, undefined, { "x-tenant": "a", "x-request-id": "r3" });
    expect([again.xCache, received(again)["x-tenant"]]).toEqual(["HIT", "a"]);
  });
});
