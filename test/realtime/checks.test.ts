/**
 * `@check` on subscriptions (issue 19: "Checks apply to ... subscriptions"): a topic subscription whose
 * argument fails its check is refused with FORBIDDEN over graphql-ws and over SSE (403 before any stream),
 * as a literal and as a variable; an allowed one is delivered; a query over the socket is checked too
 * (no upstream call). The role's SDL is a permission file; the order ids come from a JSON-array claim.
 */
import { SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CLAIMS_NS,
  call,
  errorCodes,
  type Gateway,
  HS_SECRET,
  type OrdersUpstream,
  publish,
  type Received,
  realtimeConfig,
  settle,
  sseSubscribe,
  startGateway,
  startOrders,
  until,
  type WsTestClient,
  within,
  wsClient,
} from "./harness";

/** The user role: orders and their updates, by the ids the session lists. */
const USER_SDL = `
type Query { order(id: ID! @check(in: "{session.x-hasura-order-ids}")): Order }
type Subscription {
  orderUpdated(id: ID! @check(in: "{session.x-hasura-order-ids}")): Order
  userNotifications(userId: ID! @check(eq: "{session.x-hasura-user-id}")): Notification
}
type Order { id: ID! status: OrderStatus! }
type Notification { id: ID! text: String! }
`;

let orders: OrdersUpstream;
let gw: Gateway;
const open: Array<WsTestClient | Received> = [];

/** Keeps `item` to dispose of after the test. */
function keep<T extends WsTestClient | Received>(item: T): T {
  open.push(item);
  return item;
}

/** `Bearer <token>` of role user, user 42, orders 7 and 8 (a JSON-array claim). */
async function bearer(): Promise<string> {
  const token = await new SignJWT({
    [CLAIMS_NS]: {
      "x-hasura-allowed-roles": ["user"],
      "x-hasura-default-role": "user",
      "x-hasura-user-id": "42",
      "x-hasura-order-ids": ["7", "8"],
    },
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(HS_SECRET));
  return `Bearer ${token}`;
}

/** The first error's extensions of a refusal (an error message's payload or a result). */
function firstExtensions(value: unknown): Record<string, unknown> | undefined {
  const list = Array.isArray(value) ? value : ((value as { errors?: unknown[] } | undefined)?.errors ?? []);
  return (list[0] as { extensions?: Record<string, unknown> } | undefined)?.extensions;
}

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({
    config: realtimeConfig(orders.url),
    files: { "schemas/permissions/user.graphql": USER_SDL },
  });
});

afterEach(async () => {
  for (const item of open.splice(0)) await item.dispose();
  await settle(gw);
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
});

describe("realtime: @check on subscriptions", () => {
  it("graphql-ws: refuses a subscription whose argument fails (literal or variable) with FORBIDDEN at its path; an allowed one is delivered", async () => {
    const client = keep(wsClient(gw, { connectionParams: { authorization: await bearer() } }));
    const allowed = client.subscribe("subscription ($id: ID!) { orderUpdated(id: $id) { id status } }", { id: "7" });
    const literal = await within(
      "refusal",
      client.subscribe('subscription { theirs: orderUpdated(id: "9") { id } }').ended,
    );
    expect(errorCodes(literal.error)).toEqual(["FORBIDDEN"]);
    expect(firstExtensions(literal.error)?.path).toEqual(["theirs", "id"]);
    const variable = await within(
      "refusal",
      client.subscribe("subscription ($id: ID!) { orderUpdated(id: $id) { id } }", { id: "9" }).ended,
    );
    expect(errorCodes(variable.error)).toEqual(["FORBIDDEN"]);
    const other = await within(
      "refusal",
      client.subscribe('subscription { userNotifications(userId: "43") { id } }').ended,
    );
    expect(errorCodes(other.error)).toEqual(["FORBIDDEN"]);

    await until(
      "the allowed subscription",
      async () => (await publish(gw, "orders.7", { id: "7", status: "SHIPPED" })).body?.subscribers,
      (count) => count === 1,
    );
    expect((await allowed.wait(1))[0]).toEqual({ data: { orderUpdated: { id: "7", status: "SHIPPED" } } });
    expect((await publish(gw, "orders.9", { id: "9", status: "SHIPPED" })).body?.subscribers).toBe(0);
    expect(client.closes).toEqual([]);
  });

  it("graphql-ws: a query over the socket is checked before its upstream call, refused as an error message (the socket stays open)", async () => {
    const client = keep(wsClient(gw, { connectionParams: { authorization: await bearer() } }));
    // A subscription held throughout, so the (lazy) client keeps its socket whatever the refusal does.
    keep(client.subscribe('subscription { orderUpdated(id: "8") { id } }'));
    const before = orders.gets("9");
    const refused = client.subscribe('query { order(id: "9") { id } }');
    const ended = await within("refusal", refused.ended);
    const errors = ended.error ?? refused.results[0];
    expect(errorCodes(errors)).toEqual(["FORBIDDEN"]);
    expect(orders.gets("9")).toBe(before);
    const answer = client.subscribe('query { order(id: "8") { id } }');
    expect((await answer.wait(1))[0]).toEqual({ data: { order: { id: "8" } } });
    // The refusal is an error message of that operation: the socket (and what it holds) stays open.
    expect(client.closes).toEqual([]);
  });

  it("SSE: refuses a subscription whose argument fails with 403 FORBIDDEN before any stream; an allowed one streams", async () => {
    const authorization = await bearer();
    const refused = await call(gw, "/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization },
      body: JSON.stringify({
        query: "subscription ($id: ID!) { orderUpdated(id: $id) { id } }",
        variables: { id: "9" },
      }),
    });
    expect(refused.status, refused.text).toBe(403);
    expect(errorCodes(refused.body)).toEqual(["FORBIDDEN"]);
    expect(firstExtensions(refused.body)?.path).toEqual(["orderUpdated", "id"]);

    const allowed = keep(
      sseSubscribe(
        gw,
        "subscription ($id: ID!) { orderUpdated(id: $id) { id status } }",
        { authorization },
        { id: "8" },
      ),
    );
    await until(
      "the SSE subscription",
      async () => (await publish(gw, "orders.8", { id: "8", status: "SHIPPED" })).body?.subscribers,
      (count) => count === 1,
    );
    expect((await allowed.wait(1))[0]).toEqual({ data: { orderUpdated: { id: "8", status: "SHIPPED" } } });
  });
});
