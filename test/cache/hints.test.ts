/**
 * Cache hints (src/cache): Apollo's `@cacheControl` in schemas/*.graphql (declared by the gateway, stripped
 * from the served schema, checked at startup) and the policy rules (field over type, minimum over the
 * selection, scalar inheritance, inheritMaxAge, PRIVATE wins, mutations never cached).
 */
import { buildSchema, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { mergeCacheHints, operationPolicy, readSdlCacheHints } from "../../src/cache";
import { asRole, hsAuth, startupProblems, testGateway } from "../fixtures/gateways";
import { restStats, uniqueId } from "../helpers";
import { ask } from "./helpers";

const SERVICE = { name: "payments", endpoints: { getCharge: { method: "GET", path: "/charges/{args.id}" } } };

const SDL = `
type Charge @cacheControl(maxAge: 30) { id: ID! amount: Int! }
extend type Query {
  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge")
  chargeShort(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") @cacheControl(maxAge: 2)
  chargePrivate(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") @cacheControl(scope: PRIVATE)
}`;

describe("@cacheControl in schemas/*.graphql", () => {
  it("caches by the type's hint, a field hint overriding it, and PRIVATE per user; the served schema has no directive", async () => {
    const id = uniqueId();
    const gateway = testGateway(id, { services: [SERVICE] }, { files: { "schemas/payments.graphql": SDL } });
    const charge = '{ charge(id: "ch_1") { id amount } }';
    expect((await ask(gateway, charge)).cacheControl).toBe("public, max-age=30");
    const hit = await ask(gateway, charge);
    expect(hit.xCache).toBe("HIT");
    expect(hit.body.data).toEqual({ charge: { id: "ch_1", amount: 500 } });
    expect((await restStats(id)).requests["GET /charges/ch_1"]).toBe(1);
    expect((await ask(gateway, '{ chargeShort(id: "ch_1") { id } }')).cacheControl).toBe("public, max-age=2");
    // PRIVATE without a user id (no auth): not cached.
    expect((await ask(gateway, '{ chargePrivate(id: "ch_1") { id } }')).xCache).toBeNull();
    const sdl = await (await gateway.admin("/admin/schema", "GET")).text();
    expect(sdl).toContain("chargeShort");
    expect(sdl).not.toContain("cacheControl");
    expect(sdl).not.toContain("CacheControlScope");
  });

  it("caches PRIVATE answers per user with a token carrying x-hasura-user-id", async () => {
    const id = uniqueId();
    const gateway = testGateway(
      id,
      { services: [SERVICE], auth: hsAuth() },
      { files: { "schemas/payments.graphql": SDL } },
    );
    const query = '{ chargePrivate(id: "ch_1") { id } }';
    const u1 = await asRole("user", "u1");
    expect((await ask(gateway, query, undefined, u1)).xCache).toBe("MISS");
    const hit = await ask(gateway, query, undefined, u1);
    expect(hit.xCache).toBe("HIT");
    expect(hit.cacheControl).toBe("private, max-age=30");
    expect((await ask(gateway, query, undefined, await asRole("user", "u2"))).xCache).toBe("MISS");
  });

  it("hints a remote's type with `extend type` in an SDL file", async () => {
    const id = uniqueId();
    const files = { "schemas/hints.graphql": "extend type User @cacheControl(maxAge: 20)" };
    const gateway = testGateway(id, { remotes: ["accounts"] }, { files });
    expect((await ask(gateway, '{ user(id: "1") { id } }')).cacheControl).toBe("public, max-age=20");
    expect((await ask(gateway, '{ user(id: "1") { id } }')).xCache).toBe("HIT");
  });

  it("refuses a bad @cacheControl at startup, located", async () => {
    const id = uniqueId();
    const bad = `type Charge @cacheControl(maxAge: -1) { id: ID! }
extend type Query {
  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") @cacheControl(scope: SECRET, ttl: 3)
}`;
    const gateway = testGateway(id, { services: [SERVICE] }, { files: { "schemas/bad.graphql": bad } });
    const problems = await startupProblems(gateway);
    expect(problems).toEqual([
      { path: "schemas/bad.graphql:1:13", message: expect.stringContaining("@cacheControl on Charge: maxAge") },
      { path: "schemas/bad.graphql:3:77", message: expect.stringContaining("scope must be PUBLIC or PRIVATE") },
      { path: "schemas/bad.graphql:3:77", message: expect.stringContaining('unknown argument "ttl"') },
    ]);
  });
});

describe("the policy of an operation (Apollo's rules, statically)", () => {
  const schema = buildSchema(`
    type Query { product(id: ID!): Product, products: [Product!]!, now: String, viewer: Viewer, feed: Feed, node: Node }
    type Mutation { touch(id: ID!): Product }
    interface Node { id: ID! }
    type Product implements Node { id: ID! name: String, price: Float, reviews: [Review!]!, vendor: Vendor }
    type Vendor { id: ID! }
    type Review { id: ID! body: String }
    type Viewer { id: ID! }
    type Feed { items: [Product!]! }
  `);
  const { types, fields } = readSdlCacheHints([
    {
      path: "schemas/x.graphql",
      sdl: `type Product @cacheControl(maxAge: 60) { id: ID! }
            type Review @cacheControl(maxAge: 20) { id: ID! }
            type Feed @cacheControl(inheritMaxAge: true) { items: [Product!]! }`,
    },
  ]);
  const hints = mergeCacheHints(
    { types, fields },
    {
      defaultMaxAge: 0,
      ttlPerType: { Viewer: 30 },
      ttlPerSchemaCoordinate: { "Query.products": 10, "Query.now": 5, "Query.feed": 15 },
      privatePerType: ["Viewer"],
      keyFields: {},
    },
  );
  const policy = (query: string, operationName?: string) => operationPolicy(schema, parse(query), operationName, hints);

  it("takes the type's max age, a field hint overriding it, the minimum over the selection", () => {
    expect(policy('{ product(id: "1") { id name price } }')).toMatchObject({
      kind: "query",
      maxAge: 60,
      scope: "PUBLIC",
    });
    expect(policy("{ products { id } }").maxAge).toBe(10);
    expect(policy('{ product(id: "1") { id reviews { body } } now }').maxAge).toBe(5);
    expect(policy('{ product(id: "1") { reviews { id } } }').maxAge).toBe(20);
  });

  it("gives root fields and object fields without hints defaultMaxAge (0: not cached), unless inheritMaxAge", () => {
    // Product's scalar fields inherit; Vendor is an object type without a max age: defaultMaxAge 0.
    expect(policy('{ product(id: "1") { id } }').maxAge).toBe(60);
    expect(policy('{ product(id: "1") { vendor { id } } }').maxAge).toBe(0);
    // Feed inherits Query.feed's 15; its items (Product, 60) do not lower it.
    expect(policy("{ feed { items { id } } }")).toMatchObject({ maxAge: 15 });
    // A root field without any hint.
    expect(policy("{ node { id } }").maxAge).toBe(0);
  });

  it("is PRIVATE when a selected type is, follows fragments, and never caches mutations", () => {
    expect(policy("{ products { id } viewer { id } }")).toMatchObject({ maxAge: 10, scope: "PRIVATE" });
    expect(policy("{ products { id } }").scope).toBe("PUBLIC");
    const fragments = "query Q { ...F } fragment F on Query { products { ...P } } fragment P on Product { name }";
    expect(policy(fragments, "Q")).toMatchObject({ maxAge: 10, types: ["Product"] });
    expect(policy('mutation { touch(id: "1") { id } }')).toMatchObject({ kind: "mutation", maxAge: 0 });
    expect(policy("query A { now } query B { now }").kind).toBeNull();
    expect(policy("query A { now } query B { products { id } }", "B").maxAge).toBe(10);
    expect(policy("{ nope }").maxAge).toBe(0);
  });
});
