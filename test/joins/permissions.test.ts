/**
 * Joined fields under per-role permissions (docs/auth.md "Permissions per role" and docs/joins.md): a role
 * sees a @join / @rest field of Order only if its permission SDL lists it; the parent's key field need
 * not be listed (the gateway fetches it anyway); `{session.x}` templates read the caller's session.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, type Answer, asRole, hsAuth, ok, SHOP_FILES, shopGateway } from "../fixtures/gateways";
import { restStats, uniqueId } from "../helpers";
import { customerOf, invoicesOf, operations, range, received, rootSelections } from "./setup";

/** A join whose argument is the caller's user id. */
const VIEWER_SDL = `
extend type Order {
  viewer: Customer @join(remote: "crm", field: "customer", args: { id: "{session.x-hasura-user-id}" })
}
`;

const PERMISSIONS = {
  clerk: { shop: "type Query { orders(count: Int): [Order!]! } type Order { id: ID! total: Float! }" },
  manager: {
    shop: `type Query { orders(count: Int): [Order!]! }
      type Order { id: ID! customer: Customer invoices: [Invoice!]! viewer: Customer }`,
    crm: "type Customer { id: ID! name: String! }",
    billing: "type Invoice { id: ID! amount: Float! }",
  },
};

/** The options of every gateway here (shopGateway): the viewer join, JWT auth and PERMISSIONS. */
const WITH_ROLES = {
  files: { ...SHOP_FILES, "schemas/viewer.graphql": VIEWER_SDL },
  more: { auth: hsAuth(), permissions: PERMISSIONS },
};

/** Asserts a validation failure (400, no data) whose messages contain `text`. */
function rejected(res: Answer, text: string): void {
  const body = JSON.stringify(res.body);
  expect(res.status, body).toBe(400);
  expect(res.body.data ?? undefined, body).toBeUndefined();
  expect((res.body.errors ?? []).map((e) => e.message).join("\n"), body).toContain(text);
}

describe("joined fields and roles", () => {
  it("a role whose permission SDL does not list the joined field cannot query it", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, WITH_ROLES);
    const clerk = await asRole("clerk", "c1");
    rejected(
      await gw.graphql("{ orders(count: 2) { id customer { name } } }", undefined, clerk),
      'Cannot query field "customer" on type "Order"',
    );
    rejected(
      await gw.graphql("{ orders(count: 2) { id invoices { amount } } }", undefined, clerk),
      'Cannot query field "invoices" on type "Order"',
    );
    rejected(
      await gw.graphql("{ orders(count: 2) { viewer { name } } }", undefined, clerk),
      'Cannot query field "viewer" on type "Order"',
    );
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 0, crm: 0 });
    expect((await restStats(id)).total).toBe(0);
    // What it lists works.
    expect(ok(await gw.graphql("{ orders(count: 2) { id total } }", undefined, clerk))).toEqual({
      orders: [
        { id: "o1", total: 10 },
        { id: "o2", total: 20 },
      ],
    });
  });

  it("a role that lists the joined fields can query them without being able to see the parent's key", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, WITH_ROLES);
    const manager = await asRole("manager", "c2");
    const data = ok(
      await gw.graphql("{ orders(count: 7) { id customer { name } invoices { amount } } }", undefined, manager),
    );
    expect(data.orders).toEqual(
      range(7).map((n) => ({
        id: `o${n}`,
        customer: customerOf(n) && { name: customerOf(n)?.name },
        invoices: invoicesOf(n).map(({ amount }) => ({ amount })),
      })),
    );
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 1, crm: 1 });
    expect((await restStats(id)).total).toBe(1);

    rejected(
      await gw.graphql("{ orders(count: 1) { customerId } }", undefined, manager),
      'Cannot query field "customerId" on type "Order"',
    );
    rejected(
      await gw.graphql("{ orders(count: 1) { customer { tier } } }", undefined, manager),
      'Cannot query field "tier" on type "Customer"',
    );
    rejected(
      await gw.graphql("{ orders(count: 1) { customerSingle { name } } }", undefined, manager),
      'Cannot query field "customerSingle" on type "Order"',
    );
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 1, crm: 1 });
  });

  it("fills {session.x} templates from the caller's session: one delegation per request", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, WITH_ROLES);
    for (const [userId, name] of [
      ["c3", "Carol"],
      ["c5", "Eve"],
    ] as const) {
      const data = ok(
        await gw.graphql("{ orders(count: 4) { id viewer { name } } }", undefined, await asRole("manager", userId)),
      );
      expect(data.orders).toEqual(range(4).map((n) => ({ id: `o${n}`, viewer: { name } })));
    }
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 2, crm: 2 });
    // Same arguments for every order: one delegation per request.
    expect(rootSelections(await received(id, "crm"), "customer")).toBe(2);
  });

  it("a {session.x} the session lacks is MISSING_SESSION_VARIABLE on the joined field; crm is not called", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, WITH_ROLES);
    const { status, body } = await gw.graphql("{ orders(count: 2) { id viewer { name } } }", undefined, ADMIN_HEADERS);
    expect(status).toBe(200);
    expect(body.data).toEqual({ orders: range(2).map((n) => ({ id: `o${n}`, viewer: null })) });
    expect(body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [["orders", 0, "viewer"], "MISSING_SESSION_VARIABLE"],
      [["orders", 1, "viewer"], "MISSING_SESSION_VARIABLE"],
    ]);
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 1, crm: 0 });
  });

  it("the admin secret sees every field, the parent's key included", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, WITH_ROLES);
    const data = ok(
      await gw.graphql(
        "{ orders(count: 2) { customerId customer { tier } customerSingle { name } } }",
        undefined,
        ADMIN_HEADERS,
      ),
    );
    expect(data.orders).toEqual([
      { customerId: "c1", customer: { tier: "gold" }, customerSingle: { name: "Alice" } },
      { customerId: "c2", customer: { tier: "silver" }, customerSingle: { name: "Bob" } },
    ]);
  });
});
