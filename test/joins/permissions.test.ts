/**
 * Joined fields under per-role permissions (README "Permissions per role" and "Joins across sources, batched"): a role
 * sees a @join / @rest field of Order only if its permission SDL lists it; the parent's key field need
 * not be listed (the gateway fetches it anyway); `{session.x}` templates read the caller's session.
 */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ADMIN_SECRET, restStats, type TestGateway, uniqueId } from "../helpers";
import {
  type Answer,
  customerOf,
  invoicesOf,
  JOIN_SDL,
  ok,
  operations,
  REST_SDL,
  range,
  received,
  rootSelections,
  shopGateway,
} from "./setup";

const SECRET = "joins-permissions-test-hs256-secret-0123456789";
const NAMESPACE = "https://hasura.io/jwt/claims";

/** Authorization header of an HS256 JWT whose default (and only allowed) role is `role`. */
async function as(role: string, userId?: string): Promise<Record<string, string>> {
  const token = await new SignJWT({
    [NAMESPACE]: {
      "x-hasura-allowed-roles": [role],
      "x-hasura-default-role": role,
      ...(userId === undefined ? {} : { "x-hasura-user-id": userId }),
    },
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(SECRET));
  return { authorization: `Bearer ${token}` };
}

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

function gateway(id: string): TestGateway {
  return shopGateway(id, {
    files: [
      { path: "schemas/joins.graphql", sdl: JOIN_SDL },
      { path: "schemas/billing.graphql", sdl: REST_SDL },
      { path: "schemas/viewer.graphql", sdl: VIEWER_SDL },
    ],
    more: { auth: { jwt: { secret: SECRET, algorithms: ["HS256"] } }, permissions: PERMISSIONS },
  });
}

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
    const gw = gateway(id);
    const clerk = await as("clerk", "c1");
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
    const gw = gateway(id);
    const manager = await as("manager", "c2");
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
    const gw = gateway(id);
    for (const [userId, name] of [
      ["c3", "Carol"],
      ["c5", "Eve"],
    ] as const) {
      const data = ok(
        await gw.graphql("{ orders(count: 4) { id viewer { name } } }", undefined, await as("manager", userId)),
      );
      expect(data.orders).toEqual(range(4).map((n) => ({ id: `o${n}`, viewer: { name } })));
    }
    expect(await operations(id, ["shop", "crm"])).toEqual({ shop: 2, crm: 2 });
    // Same arguments for every order: one delegation per request.
    expect(rootSelections(await received(id, "crm"), "customer")).toBe(2);
  });

  it("the admin secret sees every field, the parent's key included", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    const data = ok(
      await gw.graphql("{ orders(count: 2) { customerId customer { tier } customerSingle { name } } }", undefined, {
        "x-admin-secret": ADMIN_SECRET,
      }),
    );
    expect(data.orders).toEqual([
      { customerId: "c1", customer: { tier: "gold" }, customerSingle: { name: "Alice" } },
      { customerId: "c2", customer: { tier: "silver" }, customerSingle: { name: "Bob" } },
    ]);
  });
});
