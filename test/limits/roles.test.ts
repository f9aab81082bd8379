/**
 * Limits per role (`limits.roles.<role>` raises or lowers any limit, the join limits included;
 * `limits.exemptAdmin` lifts them for the admin role), `limits.maxUpstreamCalls` (20: each root field
 * and alias, each join field per level), introspection per role (`introspection.disabledForRoles`:
 * 400 INTROSPECTION_DISABLED, `__typename` stays) and "Did you mean" suggestions, removed for every
 * caller unless `limits.fieldSuggestions`. docs/security.md "Operation limits".
 */
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, asRole, hsAuth, mergeGateway, ok, shopGateway, testGateway } from "../fixtures/gateways";
import { restStats, stats, uniqueId } from "../helpers";
import { operations } from "../joins/setup";
import { idAliases, passed, refused, typeChain } from "./setup";

describe("limits.roles", () => {
  it("raises a limit for one role and lowers another's, on the same schema and document", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      limits: { roles: { analyst: { maxAliases: 100 }, intern: { maxDepth: 3 } } },
    });
    const analyst = await asRole("analyst");
    const user = await asRole("user");
    const intern = await asRole("intern");
    // The raised role first: the validation Yoga caches for it must not serve the others.
    expect(passed(await gw.graphql(idAliases(60), undefined, analyst)).me).toMatchObject({ a59: "1" });
    refused(await gw.graphql(idAliases(60), undefined, user), 400, {
      code: "ALIAS_LIMIT_EXCEEDED",
      limit: "maxAliases",
      max: 50,
      actual: 60,
    });
    refused(await gw.graphql(idAliases(101), undefined, analyst), 400, { code: "ALIAS_LIMIT_EXCEEDED", max: 100 });
    passed(await gw.graphql(typeChain(4), undefined, user));
    refused(await gw.graphql(typeChain(4), undefined, intern), 400, {
      code: "DEPTH_LIMIT_EXCEEDED",
      limit: "maxDepth",
      max: 3,
      actual: 4,
    });
    passed(await gw.graphql(typeChain(3), undefined, intern));
  });

  it("applies to the join limits too", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, { more: { auth: hsAuth(), limits: { roles: { intern: { maxJoinFanOut: 1 } } } } });
    const query = "{ orders(count: 1) { customer { id } invoices { id } } }";
    refused(await gw.graphql(query, undefined, await asRole("intern")), 400, {
      code: "JOIN_LIMIT_EXCEEDED",
      limit: "maxJoinFanOut",
      max: 1,
      actual: 2,
    });
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 0, crm: 0 });
    expect(ok(await gw.graphql(query, undefined, await asRole("user"))).orders).toEqual([
      { customer: { id: "c1" }, invoices: [{ id: "inv-o1-1" }, { id: "inv-o1-2" }] },
    ]);
  });

  it("exempts the admin role only with exemptAdmin", async () => {
    const strict = testGateway(uniqueId(), { remotes: ["accounts"] });
    refused(await strict.graphql(idAliases(60), undefined, ADMIN_HEADERS), 400, { code: "ALIAS_LIMIT_EXCEEDED" });
    const id = uniqueId();
    const exempt = testGateway(id, { remotes: ["accounts"], auth: hsAuth(), limits: { exemptAdmin: true } });
    expect(passed(await exempt.graphql(idAliases(60), undefined, ADMIN_HEADERS)).me).toMatchObject({ a59: "1" });
    passed(await exempt.graphql(typeChain(20), undefined, ADMIN_HEADERS));
    refused(await exempt.graphql(idAliases(60), undefined, await asRole("user")), 400, {
      code: "ALIAS_LIMIT_EXCEEDED",
    });
  });
});

/** A billing service whose invoices of an order are a root field: one REST call each. */
const BILLING_ROOT = {
  services: [{ name: "billing", endpoints: { byOrder: { method: "GET", path: "/invoices/by-order/{args.orderId}" } } }],
};
const BILLING_FILES = {
  files: {
    "schemas/billing.graphql": `
type Invoice { id: ID! orderId: ID! amount: Float! }
extend type Query { invoicesOf(orderId: ID!): [Invoice!]! @rest(service: "billing", endpoint: "byOrder") }
`,
  },
};
/** `n` aliased REST root fields, each for another order. */
const charges = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `o${i + 1}: invoicesOf(orderId: "o${i + 1}") { id }`).join(" ")} }`;

describe("limits.maxUpstreamCalls", () => {
  it("defaults to 20: 21 aliased REST root fields are refused before any call, 20 run", async () => {
    const id = uniqueId();
    const gw = testGateway(id, BILLING_ROOT, BILLING_FILES);
    refused(await gw.graphql(charges(21)), 400, {
      code: "UPSTREAM_CALL_LIMIT_EXCEEDED",
      limit: "maxUpstreamCalls",
      max: 20,
      actual: 21,
    });
    refused(await gw.graphql(charges(40)), 400, { code: "UPSTREAM_CALL_LIMIT_EXCEEDED", actual: 40 });
    expect((await restStats(id)).total).toBe(0);
    const data = passed(await gw.graphql(charges(20)));
    expect(data.o19).toEqual([{ id: "inv-o19-1" }, { id: "inv-o19-2" }]);
    expect((await restStats(id)).total).toBe(20);
  });

  it("counts each join field once per level, however many parents and aliases select it", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, { more: { limits: { maxUpstreamCalls: 3 } } });
    // orders (1) + Order.customer and Order.invoices on level 1 (2): 3, whatever the aliases.
    passed(await gw.graphql("{ orders(count: 2) { a: customer { id } b: customer { name } invoices { id } } }"));
    refused(await gw.graphql("{ orders(count: 2) { customer { id } invoices { id } firstInvoice { id } } }"), 400, {
      code: "UPSTREAM_CALL_LIMIT_EXCEEDED",
      max: 3,
      actual: 4,
    });
    // A nested join is another level: orders, customer, Customer.orders, their customer.
    refused(await gw.graphql("{ orders(count: 1) { customer { orders { customer { id } } } } }"), 400, {
      code: "UPSTREAM_CALL_LIMIT_EXCEEDED",
      actual: 4,
    });
  });
});

describe("limits.maxUpstreamCalls with merged types", () => {
  it("counts a merged type whose selection needs another remote as one call per level", async () => {
    const id = uniqueId();
    const gw = mergeGateway(id, undefined, undefined, { limits: { maxUpstreamCalls: 1 } });
    // people (1) + User needing reviews' fields (1).
    refused(await gw.graphql("{ people { name reviews { id } } }"), 400, {
      code: "UPSTREAM_CALL_LIMIT_EXCEEDED",
      max: 1,
      actual: 2,
    });
    expect(await operations(id, ["people", "reviews"])).toEqual({ people: 0, reviews: 0 });
    expect((passed(await gw.graphql("{ people { name } }")).people as unknown[]).length).toBe(5);
  });
});

describe("introspection.disabledForRoles", () => {
  it("refuses __schema and __type for those roles, keeps __typename, and lets other roles introspect", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      introspection: { disabledForRoles: ["user"] },
    });
    const user = await asRole("user");
    for (const query of [
      "{ __schema { queryType { name } } }",
      '{ __type(name: "User") { name } }',
      "{ me { id } ...I } fragment I on Query { __schema { types { name } } }",
    ]) {
      refused(await gw.graphql(query, undefined, user), 400, { code: "INTROSPECTION_DISABLED" });
    }
    expect(passed(await gw.graphql("{ __typename me { __typename id } }", undefined, user))).toEqual({
      __typename: "Query",
      me: { __typename: "User", id: "1" },
    });
    const analyst = await asRole("analyst");
    expect(passed(await gw.graphql("{ __schema { queryType { name } } }", undefined, analyst))).toEqual({
      __schema: { queryType: { name: "Query" } },
    });
    expect((await stats(id, "accounts")).operations).toBe(1);
  });
});

describe("field suggestions", () => {
  const misspelt = "{ me { nmae } }";

  it("are removed for a caller without a token and for a role, on the whole schema", async () => {
    const open = testGateway(uniqueId(), { remotes: ["accounts"] });
    const anonymous = await open.graphql(misspelt);
    expect(anonymous.status).toBe(400);
    expect(anonymous.body.errors?.[0]?.message).toBe('Cannot query field "nmae" on type "User".');
    const authed = testGateway(uniqueId(), { remotes: ["accounts"], auth: hsAuth() });
    const role = await authed.graphql(misspelt, undefined, await asRole("user"));
    expect(role.status).toBe(400);
    expect(JSON.stringify(role.body)).not.toContain("Did you mean");
    expect(role.body.errors?.[0]?.message).toBe('Cannot query field "nmae" on type "User".');
  });

  it("are kept with limits.fieldSuggestions", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], limits: { fieldSuggestions: true } });
    const res = await gw.graphql(misspelt);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toBe('Cannot query field "nmae" on type "User". Did you mean "name"?');
  });
});
