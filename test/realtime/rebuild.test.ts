/**
 * Subscriptions survive the shard object being evicted and re-created while its sockets stay open:
 * workerd hibernates an idle object whose WebSockets were accepted with the hibernation API after about
 * 10 s (verified with a minimal object in Miniflare 4.20260426: a new instance on the next message), and
 * the next message or RPC creates it again, with a new `instance` in GET /admin/realtime. Its own gateway,
 * so that nothing else (an SSE stream, a request in flight) keeps the object in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  type OrdersUpstream,
  publish,
  realtimeConfig,
  realtimeState,
  sleep,
  startGateway,
  startOrders,
  token,
  type WsTestClient,
  waitForTotals,
  wsClient,
} from "./harness";

const ORDER_7 = `subscription { orderUpdated(id: "7") { id status } }`;

let orders: OrdersUpstream;
let gw: Gateway;
let client: WsTestClient | undefined;

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url) });
});

afterAll(async () => {
  await client?.dispose();
  await gw?.stop();
  await orders?.close();
});

describe("realtime: state rebuilt from storage", () => {
  it("delivers to a subscription made before the shard object was evicted (hibernated) and re-created, its socket kept open", async () => {
    client = wsClient(gw, { connectionParams: { authorization: `Bearer ${await token({ userId: "l-rebuild" })}` } });
    const sub = client.subscribe(ORDER_7);
    await waitForTotals(gw, { subscriptions: 1, connections: 1 });
    const before = (await realtimeState(gw))["shard:0"]?.instance;
    // Idle: no message, no request, no ping (the client's keepAlive is off), so workerd hibernates the
    // object (about 10 s) and drops its instance; the sockets stay with the runtime.
    await sleep(13_000);
    const after = await realtimeState(gw);
    expect(after["shard:0"]?.instance, "the shard object was not re-created").not.toBe(before);
    expect(after["shard:0"]).toMatchObject({ connections: 1, subscriptions: 1, topics: 1 });

    const answer = await publish(gw, "orders.7", { id: "7", status: "SHIPPED" });
    expect(answer.body).toEqual({ topic: "orders.7", subscribers: 1 });
    expect(await sub.wait(1)).toEqual([{ data: { orderUpdated: { id: "7", status: "SHIPPED" } } }]);
    expect(client.closes).toEqual([]);

    // The re-created object still serves the socket: another subscription on it is delivered too.
    const another = client.subscribe(`subscription { orderUpdated(id: "7") { status } }`);
    await waitForTotals(gw, { subscriptions: 2, connections: 1 });
    await publish(gw, "orders.7", { id: "7", status: "PAID" });
    expect(await another.wait(1)).toEqual([{ data: { orderUpdated: { status: "PAID" } } }]);
  }, 40_000);
});
