/**
 * What the shard's storage holds over a connection's life: nothing left behind after unsubscribe or
 * disconnect (GET /admin/realtime counts), and the closing handshake. The shard object re-created from
 * storage is in rebuild.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  type OrdersUpstream,
  publish,
  rawSocket,
  realtimeConfig,
  realtimeState,
  settle,
  sleep,
  sseSubscribe,
  startGateway,
  startOrders,
  token,
  totals,
  until,
  waitForTotals,
  within,
  wsClient,
} from "./harness";

const ORDER_7 = `subscription { orderUpdated(id: "7") { id status } }`;

let orders: OrdersUpstream;
let gw: Gateway;
/** What each test opened, disposed of after it (also when it fails half-way). */
const open: Array<{ dispose(): unknown }> = [];
/** Keeps `item` to dispose of after the test. */
function keep<T extends { dispose(): unknown }>(item: T): T {
  open.push(item);
  return item;
}

afterEach(async () => {
  for (const item of open.splice(0)) await item.dispose();
  // The next test starts from a settled shard (clean-up itself is pinned in lifecycle.test.ts).
  await settle(gw);
});

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url) });
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
});

/** An init payload with a token of `userId`. */
const bearerOf = async (userId: string) => ({ authorization: `Bearer ${await token({ userId })}` });

describe("realtime: clean-up", () => {
  it("starts empty: GET /admin/realtime lists shard:0 with 0 connections and 0 subscriptions", async () => {
    const shards = await realtimeState(gw);
    expect(shards["shard:0"]).toMatchObject({ connections: 0, subscriptions: 0, topics: 0 });
    expect(typeof shards["shard:0"]?.instance).toBe("string");
  });

  it("graphql-ws: removes a subscription the client disposes of (complete), then the connection when the client disconnects", async () => {
    const client = keep(wsClient(gw, { connectionParams: await bearerOf("l-ws") }));
    const first = client.subscribe(ORDER_7);
    const second = client.subscribe(`subscription { orderUpdated(id: "8") { id } }`);
    await waitForTotals(gw, { subscriptions: 2, connections: 1 });
    first.dispose();
    await waitForTotals(gw, { subscriptions: 1, connections: 1 });
    expect((await publish(gw, "orders.7", { id: "7", status: "PAID" })).body?.subscribers).toBe(0);
    expect((await publish(gw, "orders.8", { id: "8" })).body?.subscribers).toBe(1);
    expect(await second.wait(1)).toEqual([{ data: { orderUpdated: { id: "8" } } }]);
    await client.dispose();
    await waitForTotals(gw, { subscriptions: 0, connections: 0 });
    const shard = (await realtimeState(gw))["shard:0"];
    expect(shard?.topics).toBe(0);
  });

  it("raw socket: removes a subscription on complete, and everything when the socket drops without a close frame", async () => {
    const socket = await rawSocket(gw);
    keep({ dispose: () => socket.ws.terminate() });
    await socket.init(await bearerOf("l-raw"));
    socket.send({ id: "a", type: "subscribe", payload: { query: ORDER_7 } });
    socket.send({ id: "b", type: "subscribe", payload: { query: ORDER_7 } });
    await waitForTotals(gw, { subscriptions: 2, connections: 1 });
    socket.send({ id: "a", type: "complete" });
    await waitForTotals(gw, { subscriptions: 1, connections: 1 });
    socket.ws.terminate();
    await waitForTotals(gw, { subscriptions: 0, connections: 0 });
    expect((await publish(gw, "orders.7", { id: "7", status: "PAID" })).body?.subscribers).toBe(0);
  });

  it("answers a client's close frame: the closing handshake completes at once, and the connection is gone", async () => {
    const socket = await rawSocket(gw);
    keep({ dispose: () => socket.ws.terminate() });
    await socket.init(await bearerOf("l-close"));
    await waitForTotals(gw, { subscriptions: 0, connections: 1 });
    const started = Date.now();
    socket.ws.close(1000, "bye");
    // Without an answering close frame, `ws` (like browsers) waits for its own timeout (30 s) and reports 1006.
    expect(await within("close handshake", socket.closed, 3_000)).toMatchObject({ code: 1000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    await waitForTotals(gw, { subscriptions: 0, connections: 0 });
  });

  it("graphql-sse: removes the subscription and its connection when the client aborts the stream, once the shard next writes to it", async () => {
    const sub = keep(sseSubscribe(gw, ORDER_7, await bearerOf("l-sse")));
    await waitForTotals(gw, { subscriptions: 1, connections: 1 });
    sub.dispose();
    // workerd under Miniflare does not tell a streaming response that its HTTP client went away until
    // it writes to it (the shard then sees the stream cancelled at the second write: the 12 s keep-alive
    // comments of graphql-sse, or events). Events make those writes now; at most 5 of them.
    await until(
      "the aborted stream removed",
      async () => {
        await publish(gw, "orders.7", { id: "7", status: "PAID" });
        await sleep(300);
        return totals(gw);
      },
      (t) => t.subscriptions === 0 && t.connections === 0,
      5 * 1_000,
    );
    expect((await publish(gw, "orders.7", { id: "7", status: "PAID" })).body?.subscribers).toBe(0);
  });
});
