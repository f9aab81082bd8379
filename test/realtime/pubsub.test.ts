/**
 * Subscribe, publish, receive: the real `graphql-ws` and `graphql-sse` clients against the gateway in
 * workerd, events published with `POST /events/{topic}` and by `@publish` mutations, key-only payloads
 * completed from the REST orders service, field errors of a payload that does not fit, publish order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  graphqlHttp,
  type OrdersUpstream,
  publish,
  type Received,
  rawEventStream,
  realtimeConfig,
  settle,
  signature,
  sseSubscribe,
  startGateway,
  startOrders,
  token,
  totals,
  type WsTestClient,
  waitForTotals,
  wsClient,
} from "./harness";

const ORDER_7 = `subscription { orderUpdated(id: "7") { id status total } }`;
/** `orderUpdated(id)` selecting id, status, total. Each test has its own order, so its topic counts only its own subscribers. */
const orderSub = (id: string) => `subscription { orderUpdated(id: "${id}") { id status total } }`;

let orders: OrdersUpstream;
let gw: Gateway;
/** What each test opened, disposed of after it. */
const open: Array<WsTestClient | Received> = [];

/** A graphql-ws client authenticated at init as `userId`. */
async function wsAs(userId: string): Promise<WsTestClient> {
  const client = wsClient(gw, { connectionParams: { authorization: `Bearer ${await token({ userId })}` } });
  open.push(client);
  return client;
}

/** An SSE subscription of `query` authenticated as `userId`. */
async function sseAs(userId: string, query: string): Promise<Received> {
  const received = sseSubscribe(gw, query, { authorization: `Bearer ${await token({ userId })}` });
  open.push(received);
  return received;
}

/** The subscriptions the shards hold now (the baseline a test adds its own to). */
const subscriptionsNow = async (): Promise<number> => (await totals(gw)).subscriptions;

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url) });
});

afterEach(async () => {
  for (const item of open.splice(0)) {
    await item.dispose();
  }
  // The next test starts from a settled shard (clean-up itself is pinned in lifecycle.test.ts).
  await settle(gw);
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
});

describe("realtime: subscribe and publish", () => {
  it("delivers an event published with a signature and one published with the admin secret over graphql-ws and graphql-sse, and answers 202 { topic, subscribers } counting both", async () => {
    const base = await subscriptionsNow();
    const viaWs = (await wsAs("u-pub")).subscribe(ORDER_7);
    const viaSse = await sseAs("u-pub", ORDER_7);
    await waitForTotals(gw, { subscriptions: base + 2 });
    const getsBefore = orders.gets("7");

    const signed = await publish(gw, "orders.7", { id: "7", status: "SHIPPED", total: 1.5 }, "signature");
    expect(signed.status, signed.text).toBe(202);
    expect(signed.body).toEqual({ topic: "orders.7", subscribers: 2 });
    const admin = await publish(gw, "orders.7", { id: "7", status: "CANCELLED", total: 2.5 }, "admin");
    expect(admin.status, admin.text).toBe(202);
    expect(admin.body).toEqual({ topic: "orders.7", subscribers: 2 });

    const expected = [
      { data: { orderUpdated: { id: "7", status: "SHIPPED", total: 1.5 } } },
      { data: { orderUpdated: { id: "7", status: "CANCELLED", total: 2.5 } } },
    ];
    expect(await viaWs.wait(2)).toEqual(expected);
    expect(await viaSse.wait(2)).toEqual(expected);
    // Every selected field was in the payload: nothing to complete upstream.
    expect(orders.gets("7") - getsBefore).toBe(0);
  });

  it("completes a key-only payload from the REST service with ONE upstream call per event for subscriptions sharing (document, variables, session): two on one socket, one on a second socket of the same user", async () => {
    const base = await subscriptionsNow();
    const first = await wsAs("u-share");
    const second = await wsAs("u-share");
    const subs = [first.subscribe(orderSub("8")), first.subscribe(orderSub("8")), second.subscribe(orderSub("8"))];
    await waitForTotals(gw, { subscriptions: base + 3 });
    const getsBefore = orders.gets("8");

    for (let event = 1; event <= 2; event++) {
      const answer = await publish(gw, "orders.8", { id: "8" });
      expect(answer.status, answer.text).toBe(202);
      expect(answer.body).toEqual({ topic: "orders.8", subscribers: 3 });
    }
    const completed = { data: { orderUpdated: { id: "8", status: "PAID", total: 70.5 } } };
    for (const sub of subs) expect(await sub.wait(2)).toEqual([completed, completed]);
    expect(orders.gets("8") - getsBefore, "GET /orders/8 calls for 2 events").toBe(2);
    // The completion call carries the subscriber's session, as any upstream call does.
    expect(orders.getUsers("8").slice(-2)).toEqual(["u-share", "u-share"]);
  });

  it("completes only what a partial payload lacks: its own fields win over the key lookup's answer", async () => {
    const base = await subscriptionsNow();
    orders.orders.set("15", { id: "15", userId: "42", status: "PAID", total: 15.5, quantity: 1 });
    const sub = (await wsAs("u-partial")).subscribe(orderSub("15"));
    await waitForTotals(gw, { subscriptions: base + 1 });
    const answer = await publish(gw, "orders.15", { id: "15", status: "SHIPPED" });
    expect(answer.body).toEqual({ topic: "orders.15", subscribers: 1 });
    expect(await sub.wait(1)).toEqual([{ data: { orderUpdated: { id: "15", status: "SHIPPED", total: 15.5 } } }]);
    expect(orders.gets("15")).toBe(1);
  });

  it("never shares an execution between different users: the same key-only subscription of two users costs one upstream call per user per event", async () => {
    const base = await subscriptionsNow();
    const alice = (await wsAs("u-alice")).subscribe(orderSub("9"));
    const bob = (await wsAs("u-bob")).subscribe(orderSub("9"));
    await waitForTotals(gw, { subscriptions: base + 2 });
    const getsBefore = orders.gets("9");

    const answer = await publish(gw, "orders.9", { id: "9" });
    expect(answer.body).toEqual({ topic: "orders.9", subscribers: 2 });
    const completed = { data: { orderUpdated: { id: "9", status: "PAID", total: 70.5 } } };
    expect(await alice.wait(1)).toEqual([completed]);
    expect(await bob.wait(1)).toEqual([completed]);
    expect(orders.gets("9") - getsBefore).toBe(2);
    expect(orders.getUsers("9").slice(-2).sort()).toEqual(["u-alice", "u-bob"]);
  });

  it('shares one execution per event between users of the same role when the field says @topic(share: "role"), and not across roles', async () => {
    const base = await subscriptionsNow();
    const shared = `subscription { orderShared(id: "14") { id status total } }`;
    const wsAsRole = async (userId: string, role: string) => {
      const client = wsClient(gw, { connectionParams: { authorization: `Bearer ${await token({ userId, role })}` } });
      open.push(client);
      return client.subscribe(shared);
    };
    const subs = [await wsAsRole("u-r1", "user"), await wsAsRole("u-r2", "user"), await wsAsRole("u-r3", "editor")];
    await waitForTotals(gw, { subscriptions: base + 3 });
    orders.orders.set("14", { id: "14", userId: "42", status: "SHIPPED", total: 14, quantity: 1 });
    const getsBefore = orders.gets("14");

    const answer = await publish(gw, "orders.14", { id: "14" });
    expect(answer.body).toEqual({ topic: "orders.14", subscribers: 3 });
    const completed = { data: { orderShared: { id: "14", status: "SHIPPED", total: 14 } } };
    for (const sub of subs) expect(await sub.wait(1)).toEqual([completed]);
    expect(orders.gets("14") - getsBefore, "one call for role user, one for role editor").toBe(2);
  });

  it("turns a payload that does not fit the type into field errors on that event, and the subscription goes on to the next event", async () => {
    const base = await subscriptionsNow();
    const sub = (await wsAs("u-bad")).subscribe(orderSub("10"));
    await waitForTotals(gw, { subscriptions: base + 1 });

    const bad = await publish(gw, "orders.10", { id: "10", status: "NOPE", total: 3 });
    expect(bad.status, bad.text).toBe(202);
    const good = await publish(gw, "orders.10", { id: "10", status: "PAID", total: 4 });
    expect(good.status, good.text).toBe(202);

    const [first, second] = await sub.wait(2);
    expect(first?.errors?.length, JSON.stringify(first)).toBeGreaterThan(0);
    expect(JSON.stringify(first?.errors)).toMatch(/OrderStatus|NOPE|enum/i);
    expect(second).toEqual({ data: { orderUpdated: { id: "10", status: "PAID", total: 4 } } });
  });

  it("delivers 20 events published back to back in publish order, over both protocols", async () => {
    const base = await subscriptionsNow();
    const viaWs = (await wsAs("u-order")).subscribe(orderSub("11"));
    const viaSse = await sseAs("u-order", orderSub("11"));
    await waitForTotals(gw, { subscriptions: base + 2 });

    for (let i = 0; i < 20; i++) {
      const answer = await publish(gw, "orders.11", { id: "11", status: "PAID", total: i });
      expect(answer.status, answer.text).toBe(202);
    }
    const totalsOf = (results: Array<{ data?: { orderUpdated?: { total?: number } } }>) =>
      results.map((r) => r.data?.orderUpdated?.total);
    const inOrder = Array.from({ length: 20 }, (_, i) => i);
    expect(totalsOf(await viaWs.wait(20, 10_000))).toEqual(inOrder);
    expect(totalsOf(await viaSse.wait(20, 10_000))).toEqual(inOrder);
  });

  it("answers queries and mutations over the socket", async () => {
    const client = await wsAs("u-ops");
    // A subscription held throughout, so the (lazy) client keeps one socket for the query and the mutation.
    client.subscribe(orderSub("12"));
    const query = client.subscribe(`{ order(id: "7") { id status total } }`);
    expect(await query.wait(1)).toEqual([{ data: { order: { id: "7", status: "PAID", total: 70.5 } } }]);
    expect(await query.ended).toEqual({});

    const id = orders.nextId();
    const mutation = client.subscribe(`mutation { placeOrder(userId: "42", total: 9.5) { id status total } }`);
    expect(await mutation.wait(1)).toEqual([{ data: { placeOrder: { id, status: "PENDING", total: 9.5 } } }]);
    expect(await mutation.ended).toEqual({});
  });

  it("publishes a mutation's result to the @publish topic (orders.{result.id}); the subscriber's other fields are completed", async () => {
    const base = await subscriptionsNow();
    const id = orders.nextId();
    const sub = await sseAs("u-publish", `subscription { orderUpdated(id: "${id}") { id status total userId } }`);
    await waitForTotals(gw, { subscriptions: base + 1 });

    const client = await wsAs("u-publish");
    // The mutation selects only `status`: the gateway adds `id` (the template reads it) to the upstream selection.
    const mutation = client.subscribe(`mutation { placeOrder(userId: "42", total: 12.25) { status } }`);
    expect(await mutation.wait(1)).toEqual([{ data: { placeOrder: { status: "PENDING" } } }]);
    expect(await sub.wait(1)).toEqual([
      { data: { orderUpdated: { id, status: "PENDING", total: 12.25, userId: "42" } } },
    ]);
  });

  it("publishes the result of a mutation sent over plain HTTP POST /graphql too", async () => {
    const base = await subscriptionsNow();
    const id = orders.nextId();
    const sub = (await wsAs("u-publish-http")).subscribe(`subscription { orderUpdated(id: "${id}") { id total } }`);
    await waitForTotals(gw, { subscriptions: base + 1 });
    const answer = await graphqlHttp(gw, `mutation { placeOrder(userId: "42", total: 3.5) { id } }`, {
      authorization: `Bearer ${await token({ userId: "u-publish-http" })}`,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ data: { placeOrder: { id } } });
    expect(await sub.wait(1)).toEqual([{ data: { orderUpdated: { id, total: 3.5 } } }]);
  });

  it("streams a subscription sent as GET /graphql?query=... with Accept: text/event-stream (event: next per event)", async () => {
    const base = await subscriptionsNow();
    const stream = await rawEventStream(gw, "GET", orderSub("13"), {
      authorization: `Bearer ${await token({ userId: "u-get" })}`,
    });
    open.push({ dispose: () => stream.abort() } as unknown as Received);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    await waitForTotals(gw, { subscriptions: base + 1 });
    const answer = await publish(gw, "orders.13", { id: "13", status: "SHIPPED", total: 13 });
    expect(answer.body).toEqual({ topic: "orders.13", subscribers: 1 });
    const text = await stream.until(/event: next/);
    const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
    expect(JSON.parse(data ?? "null")).toEqual({ data: { orderUpdated: { id: "13", status: "SHIPPED", total: 13 } } });
  });

  it("leaves a query sent with Accept: text/event-stream to Yoga: one next, then complete", async () => {
    const stream = await rawEventStream(gw, "POST", `{ order(id: "7") { id status } }`, {
      authorization: `Bearer ${await token({ userId: "u-sse-query" })}`,
    });
    expect(stream.status).toBe(200);
    const text = await stream.until(/event: complete/);
    const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
    expect(JSON.parse(data ?? "null")).toEqual({ data: { order: { id: "7", status: "PAID" } } });
  });

  it("answers a subscription sent as plain HTTP (Accept: application/json) with 400 SUBSCRIPTION_TRANSPORT_REQUIRED", async () => {
    const answer = await graphqlHttp(gw, ORDER_7, { authorization: `Bearer ${await token({ userId: "u-http" })}` });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.text).toContain("SUBSCRIPTION_TRANSPORT_REQUIRED");
  });
});

describe("realtime: POST /events/{topic} refusals", () => {
  it("401 EVENT_SIGNATURE_REQUIRED without a signature or the admin secret", async () => {
    const answer = await publish(gw, "orders.7", { id: "7" }, "none");
    expect(answer.status, answer.text).toBe(401);
    expect(answer.body?.error?.code).toBe("EVENT_SIGNATURE_REQUIRED");
  });

  it("403 INVALID_EVENT_SIGNATURE for a signature made with another key, and for a wrong admin secret", async () => {
    const body = JSON.stringify({ id: "7" });
    const wrongKey = await publish(gw, "orders.7", body, { "x-junction-signature": signature(body, "not-the-secret") });
    expect(wrongKey.status, wrongKey.text).toBe(403);
    expect(wrongKey.body?.error?.code).toBe("INVALID_EVENT_SIGNATURE");
    // The signature of another body: a signature is bound to the bytes it signs.
    const otherBody = await publish(gw, "orders.7", body, { "x-junction-signature": signature(`${body} `) });
    expect(otherBody.status, otherBody.text).toBe(403);
    const wrongAdmin = await publish(gw, "orders.7", body, { "x-admin-secret": "nope" });
    expect(wrongAdmin.status, wrongAdmin.text).toBe(403);
  });

  it("400 INVALID_EVENT_PAYLOAD for a body that is not JSON (signed correctly)", async () => {
    const answer = await publish(gw, "orders.7", "{not json", "signature");
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body?.error?.code).toBe("INVALID_EVENT_PAYLOAD");
  });

  it("413 PAYLOAD_TOO_LARGE over events.maxPayloadBytes (1024 here); a payload at the limit is accepted", async () => {
    const sized = (bytes: number) => {
      const shell = JSON.stringify({ id: "7", pad: "" });
      return JSON.stringify({ id: "7", pad: "x".repeat(bytes - shell.length) });
    };
    const over = await publish(gw, "orders.7", sized(1025), "admin");
    expect(over.status, over.text).toBe(413);
    expect(over.body?.error?.code).toBe("PAYLOAD_TOO_LARGE");
    const atLimit = await publish(gw, "orders.7", sized(1024), "admin");
    expect(atLimit.status, atLimit.text).toBe(202);
  });

  it("400 INVALID_TOPIC for a topic with an empty segment", async () => {
    const answer = await publish(gw, "orders..7", { id: "7" }, "admin");
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body?.error?.code).toBe("INVALID_TOPIC");
  });
});
