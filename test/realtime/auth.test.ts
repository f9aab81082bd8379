/**
 * Who is subscribing: the session from the upgrade request or from connection_init's payload (and which
 * wins), token expiry on a socket and on an SSE stream, topics of other users, and a topic template the
 * session cannot fill.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  closeCodeOf,
  errorCodes,
  type Gateway,
  graphqlHttp,
  nowSec,
  type OrdersUpstream,
  publish,
  type Received,
  realtimeConfig,
  settle,
  sseSubscribe,
  startGateway,
  startOrders,
  token,
  totals,
  until,
  type WsTestClient,
  within,
  wsClient,
} from "./harness";

const MY_NOTIFICATIONS = `subscription { myNotifications { id text } }`;

let orders: OrdersUpstream;
let gw: Gateway;
const open: Array<WsTestClient | Received> = [];

/** Keeps `item` to dispose of after the test. */
function keep<T extends WsTestClient | Received>(item: T): T {
  open.push(item);
  return item;
}

/**
 * Publishes one notification to `users.<userId>.notifications` until it reaches `subscribers`
 * subscriptions (the subscription may still be being set up), at most 5 s.
 * @returns the notification's id
 */
async function notifyUntil(userId: string, subscribers: number): Promise<void> {
  let n = 0;
  await until(
    `${subscribers} subscriber(s) on users.${userId}.notifications`,
    async () => {
      n++;
      const answer = await publish(gw, `users.${userId}.notifications`, { id: `n${n}`, text: `hello ${userId}` });
      return answer.body?.subscribers;
    },
    (count) => count === subscribers,
  );
}

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url) });
});

afterEach(async () => {
  for (const item of open.splice(0)) await item.dispose();
  // The next test starts from a settled shard (clean-up itself is pinned in lifecycle.test.ts).
  await settle(gw);
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
});

describe("realtime: the session of a socket", () => {
  it("takes the session from the upgrade request's Authorization header", async () => {
    const client = keep(wsClient(gw, { headers: { authorization: `Bearer ${await token({ userId: "a-up" })}` } }));
    const sub = client.subscribe(MY_NOTIFICATIONS);
    await notifyUntil("a-up", 1);
    const [first] = await sub.wait(1);
    expect(first?.data?.myNotifications?.text).toBe("hello a-up");
  });

  it('takes the session from connection_init\'s payload { authorization: "Bearer ..." }', async () => {
    const bearer = `Bearer ${await token({ userId: "a-init" })}`;
    const sub = keep(wsClient(gw, { connectionParams: { authorization: bearer } })).subscribe(MY_NOTIFICATIONS);
    await notifyUntil("a-init", 1);
    expect((await sub.wait(1))[0]?.data?.myNotifications?.text).toBe("hello a-init");
  });

  it("takes the session from connection_init's payload { headers: { authorization } }", async () => {
    const bearer = `Bearer ${await token({ userId: "a-headers" })}`;
    const sub = keep(wsClient(gw, { connectionParams: { headers: { authorization: bearer } } })).subscribe(
      MY_NOTIFICATIONS,
    );
    await notifyUntil("a-headers", 1);
    expect((await sub.wait(1))[0]?.data?.myNotifications?.text).toBe("hello a-headers");
  });

  it("lets connection_init's payload win over the upgrade request, and payload.authorization over payload.headers.authorization", async () => {
    const payloadWins = keep(
      wsClient(gw, {
        headers: { authorization: `Bearer ${await token({ userId: "p-upgrade" })}` },
        connectionParams: { authorization: `Bearer ${await token({ userId: "p-payload" })}` },
      }),
    ).subscribe(MY_NOTIFICATIONS);
    const authorizationWins = keep(
      wsClient(gw, {
        connectionParams: {
          authorization: `Bearer ${await token({ userId: "p-authorization" })}`,
          headers: { authorization: `Bearer ${await token({ userId: "p-headers" })}` },
        },
      }),
    ).subscribe(MY_NOTIFICATIONS);
    await notifyUntil("p-payload", 1);
    await notifyUntil("p-authorization", 1);
    expect((await publish(gw, "users.p-upgrade.notifications", { id: "x", text: "x" })).body).toEqual({
      topic: "users.p-upgrade.notifications",
      subscribers: 0,
    });
    expect((await publish(gw, "users.p-headers.notifications", { id: "x", text: "x" })).body).toEqual({
      topic: "users.p-headers.notifications",
      subscribers: 0,
    });
    expect((await payloadWins.wait(1))[0]?.data?.myNotifications?.text).toBe("hello p-payload");
    expect((await authorizationWins.wait(1))[0]?.data?.myNotifications?.text).toBe("hello p-authorization");
  });

  it("answers an SSE subscription without a token (auth required, no unauthenticatedRole) with 401 and GraphQL errors", async () => {
    const answer = await call(gw, "/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: MY_NOTIFICATIONS }),
    });
    expect(answer.status, answer.text).toBe(401);
    expect(answer.headers.get("content-type")).toContain("json");
    expect(answer.body?.errors?.length).toBeGreaterThan(0);
  });
});

describe("realtime: token expiry", () => {
  it("closes a socket with 4403 when its token expires (exp about 2 s ahead)", async () => {
    const exp = nowSec() + 2;
    const client = keep(wsClient(gw, { connectionParams: { authorization: `Bearer ${await token({ exp })}` } }));
    const sub = client.subscribe(MY_NOTIFICATIONS);
    const ended = await within("socket closed at exp", sub.ended, 8_000);
    const closedAt = Date.now();
    expect(closeCodeOf(ended)).toBe(4403);
    expect(closedAt).toBeGreaterThanOrEqual(exp * 1000 - 1000);
    expect(closedAt).toBeLessThanOrEqual(exp * 1000 + 3_000);
  });

  it("ends an SSE stream when its token expires: a next with a JWT_EXPIRED error, then complete", async () => {
    const exp = nowSec() + 2;
    const sub = keep(sseSubscribe(gw, MY_NOTIFICATIONS, { authorization: `Bearer ${await token({ exp })}` }));
    const ended = await within("stream ended at exp", sub.ended, 8_000);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 1000);
    expect(ended).toEqual({});
    expect(sub.results.length, JSON.stringify(sub.results)).toBe(1);
    expect(errorCodes(sub.results[0])).toContain("JWT_EXPIRED");
  });
});

describe("realtime: topics and the session", () => {
  it("refuses another user's topic with TOPIC_FORBIDDEN; the connection stays open and the user's own topic works", async () => {
    const bearer = `Bearer ${await token({ userId: "t-me" })}`;
    const client = keep(wsClient(gw, { connectionParams: { authorization: bearer } }));
    // A subscription held throughout, so the (lazy) client keeps its socket whatever the refusal does.
    const held = client.subscribe(`subscription { userNotifications(userId: "t-me") { id text } }`);
    const other = client.subscribe(`subscription { userNotifications(userId: "t-other") { id text } }`);
    const refused = await within("refusal", other.ended);
    expect(errorCodes(refused.error)).toContain("TOPIC_FORBIDDEN");

    const later = client.subscribe(`subscription { myNotifications { id text } }`);
    await notifyUntil("t-me", 2);
    expect((await held.wait(1))[0]?.data?.userNotifications?.text).toBe("hello t-me");
    expect((await later.wait(1))[0]?.data?.myNotifications?.text).toBe("hello t-me");
    expect((await publish(gw, "users.t-other.notifications", { id: "x", text: "x" })).body?.subscribers).toBe(0);
    expect(client.closes).toEqual([]);
  });

  it("answers a topic template the session cannot fill with MISSING_SESSION_VARIABLE; the connection stays open and a later subscription works", async () => {
    const noUser = await token({ userId: null });
    const client = keep(wsClient(gw, { connectionParams: { authorization: `Bearer ${noUser}` } }));
    const base = (await totals(gw)).subscriptions;
    const held = client.subscribe(`subscription { orderUpdated(id: "7") { id status } }`);
    const refused = await within("refusal", client.subscribe(MY_NOTIFICATIONS).ended);
    expect(errorCodes(refused.error)).toContain("MISSING_SESSION_VARIABLE");

    const later = client.subscribe(`subscription { orderUpdated(id: "7") { id } }`);
    await until(
      "two order subscriptions",
      () => totals(gw),
      (t) => t.subscriptions === base + 2,
    );
    await publish(gw, "orders.7", { id: "7", status: "SHIPPED" });
    expect(await held.wait(1)).toEqual([{ data: { orderUpdated: { id: "7", status: "SHIPPED" } } }]);
    expect(await later.wait(1)).toEqual([{ data: { orderUpdated: { id: "7" } } }]);
    expect(client.closes).toEqual([]);
  });
});

describe("realtime: the role's schema", () => {
  /** A gateway whose roles see only what schemas/permissions/<role>.graphql lists. */
  let restricted: Gateway;
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    restricted = await startGateway({
      config: realtimeConfig(orders.url),
      files: {
        "schemas/permissions/viewer.graphql":
          "type Query { order(id: ID!): Order } type Order { id: ID! status: OrderStatus! }",
        "schemas/permissions/subscriber.graphql":
          "type Query { order(id: ID!): Order } type Subscription { orderUpdated(id: ID!): Order } type Order { id: ID! status: OrderStatus! }",
      },
    });
  });

  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await restricted?.stop();
  });

  /** A graphql-ws client of `restricted` with a token of `role`. */
  async function asRole(role: string): Promise<WsTestClient> {
    const bearer = `Bearer ${await token({ userId: `perm-${role}`, role })}`;
    const client = wsClient(restricted, { connectionParams: { authorization: bearer } });
    clients.push(client);
    return client;
  }

  it("refuses a subscription field outside the role's schema with an error message; the socket stays open and serves what the role may query", async () => {
    const client = await asRole("viewer");
    const held = client.subscribe(`{ order(id: "7") { id status } }`);
    const refused = await within("refusal", client.subscribe(`subscription { orderUpdated(id: "7") { id } }`).ended);
    expect(Array.isArray(refused.error), JSON.stringify(refused)).toBe(true);
    expect(JSON.stringify(refused.error)).toMatch(/orderUpdated|subscription/i);
    expect(await held.wait(1)).toEqual([{ data: { order: { id: "7", status: "PAID" } } }]);
    const after = client.subscribe(`{ order(id: "7") { status } }`);
    expect(await after.wait(1)).toEqual([{ data: { order: { status: "PAID" } } }]);
    expect(client.closes).toEqual([]);
  });

  it("validates a query over the socket against the role's schema, as over HTTP (Cannot query field)", async () => {
    const query = `{ order(id: "7") { id total } }`;
    const overHttp = await graphqlHttp(restricted, query, {
      authorization: `Bearer ${await token({ userId: "perm-viewer", role: "viewer" })}`,
    });
    expect(overHttp.text).toMatch(/Cannot query field \\"total\\"/);
    const client = await asRole("viewer");
    const held = client.subscribe(`{ order(id: "7") { id } }`);
    const sub = client.subscribe(query);
    const ended = await within("the query's end", sub.ended);
    expect(sub.results, "no data for a query the role may not send").toEqual([]);
    expect(JSON.stringify(ended.error)).toMatch(/Cannot query field \\"total\\"/);
    await held.wait(1);
  });

  it("validates the selection against the role's schema: a field the role cannot see is refused, the allowed ones are delivered", async () => {
    const client = await asRole("subscriber");
    const refused = await within(
      "refusal",
      client.subscribe(`subscription { orderUpdated(id: "7") { id total } }`).ended,
    );
    expect(JSON.stringify(refused.error)).toMatch(/total/);
    const allowed = client.subscribe(`subscription { orderUpdated(id: "7") { id status } }`);
    await until(
      "the allowed subscription on orders.7",
      async () => (await totals(restricted)).subscriptions,
      (n) => n === 1,
    );
    const answer = await publish(restricted, "orders.7", { id: "7", status: "SHIPPED", total: 99 });
    expect(answer.body).toEqual({ topic: "orders.7", subscribers: 1 });
    expect(await allowed.wait(1)).toEqual([{ data: { orderUpdated: { id: "7", status: "SHIPPED" } } }]);
  });
});
