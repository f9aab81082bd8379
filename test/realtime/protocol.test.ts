/**
 * The graphql-transport-ws protocol's close codes and limits, each reached on purpose: with the real
 * `graphql-ws` client where a client can get there, with a raw `ws` socket (or a hand-made upgrade
 * request) for what a well-behaved client never sends.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  closeCode,
  closeCodeOf,
  errorCodes,
  type Gateway,
  type OrdersUpstream,
  publish,
  type RawSocket,
  rawSocket,
  rawUpgrade,
  realtimeConfig,
  sleep,
  startGateway,
  startOrders,
  token,
  until,
  type WsTestClient,
  within,
  wsClient,
} from "./harness";

/** connection_init must come within this (ms). */
const INIT_TIMEOUT_MS = 1_000;
const ORDER_7 = `subscription { orderUpdated(id: "7") { id status } }`;

let orders: OrdersUpstream;
let gw: Gateway;
const sockets: RawSocket[] = [];
const clients: WsTestClient[] = [];

/** A raw graphql-transport-ws socket, closed after the test. */
async function raw(options: Parameters<typeof rawSocket>[1] = {}): Promise<RawSocket> {
  const socket = await rawSocket(gw, options);
  sockets.push(socket);
  return socket;
}

/** connection_init's payload carrying a token of `userId`. */
const bearerOf = async (userId: string) => ({ authorization: `Bearer ${await token({ userId })}` });

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({
    config: realtimeConfig(orders.url, {
      realtime: {
        maxMessageBytes: 2048,
        connectionInitWaitTimeoutMs: INIT_TIMEOUT_MS,
        maxConnectionsPerUser: 2,
        maxSubscriptionsPerConnection: 2,
      },
    }),
  });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const client of clients.splice(0)) await client.dispose();
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
});

describe("realtime: the WebSocket handshake", () => {
  it("echoes Sec-WebSocket-Protocol: graphql-transport-ws (asked alone, or among others)", async () => {
    const alone = await rawUpgrade(gw, { protocol: "graphql-transport-ws" });
    expect(alone.status).toBe(101);
    expect(alone.headers["sec-websocket-protocol"]).toBe("graphql-transport-ws");
    const among = await rawUpgrade(gw, { protocol: "graphql-ws, graphql-transport-ws" });
    expect(among.status).toBe(101);
    expect(among.headers["sec-websocket-protocol"]).toBe("graphql-transport-ws");
  });

  it("4406: accepts a socket without an acceptable subprotocol, then closes it with 4406 (none asked; the legacy graphql-ws asked)", async () => {
    const none = await rawUpgrade(gw, { closeWithinMs: 3_000 });
    expect(none.status).toBe(101);
    expect(none.closeCode).toBe(4406);
    const legacy = await rawUpgrade(gw, { protocol: "graphql-ws", closeWithinMs: 3_000 });
    expect(legacy.status).toBe(101);
    expect(legacy.closeCode).toBe(4406);
  });
});

describe("realtime: close codes", () => {
  it("4400 for a message that is not JSON", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-json"));
    socket.send("{not json");
    expect(await closeCode(socket)).toBe(4400);
  });

  it("4400 for a message of an unknown type", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-type"));
    socket.send({ type: "bogus", id: "1" });
    expect(await closeCode(socket)).toBe(4400);
  });

  it("4400 for a message over realtime.maxMessageBytes (2048 here); one under it is served", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-size"));
    const padded = (bytes: number, id: string) => {
      const shell = JSON.stringify({ id, type: "subscribe", payload: { query: `{ order(id: "7") { id } }\n#` } });
      return JSON.stringify({
        id,
        type: "subscribe",
        payload: { query: `{ order(id: "7") { id } }\n#${"x".repeat(bytes - shell.length)}` },
      });
    };
    socket.send(padded(1500, "small"));
    expect((await socket.next("next")).id).toBe("small");
    socket.send(padded(3000, "big"));
    expect(await closeCode(socket)).toBe(4400);
  });

  it("4401 for subscribe before connection_init was acknowledged", async () => {
    const socket = await raw();
    socket.send({ id: "1", type: "subscribe", payload: { query: ORDER_7 } });
    expect(await closeCode(socket)).toBe(4401);
  });

  it("4403 for a bad token in connection_init's payload (graphql-ws client)", async () => {
    const bad = await token({ userId: "c-bad", secret: "another-secret-another-secret-0123456789" });
    const client = wsClient(gw, { connectionParams: { authorization: `Bearer ${bad}` } });
    clients.push(client);
    const sub = client.subscribe(ORDER_7);
    expect(closeCodeOf(await within("subscription end", sub.ended))).toBe(4403);
    expect(sub.results).toEqual([]);
  });

  it("4403 for connection_init without a token when auth requires one (no unauthenticatedRole)", async () => {
    const socket = await raw();
    socket.send({ type: "connection_init", payload: {} });
    expect(await closeCode(socket)).toBe(4403);
    expect(socket.messages.map((m) => m.type)).not.toContain("connection_ack");
  });

  it("4408 when no connection_init comes within connectionInitWaitTimeoutMs (1000 ms here)", async () => {
    // Read as the close frame the server sends: on a hibernatable socket that never received a message,
    // workerd (1.20260426, Miniflare) sends the close frame but does not finish the closing handshake, so
    // a `ws` client's close event would only come with its own 30 s close timeout.
    const started = Date.now();
    const upgrade = await rawUpgrade(gw, { protocol: "graphql-transport-ws", closeWithinMs: INIT_TIMEOUT_MS + 4_000 });
    expect(upgrade.status).toBe(101);
    expect(upgrade.closeCode).toBe(4408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(INIT_TIMEOUT_MS - 100);
  });

  it("no 4408 once connection_init came in time: the socket is still open after the timeout", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-intime"));
    await sleep(INIT_TIMEOUT_MS + 500);
    socket.send({ id: "q", type: "subscribe", payload: { query: `{ order(id: "7") { id } }` } });
    expect(await socket.next("next")).toEqual({ id: "q", type: "next", payload: { data: { order: { id: "7" } } } });
  });

  it("4409 for a subscribe whose id is already in use", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-dup"));
    socket.send({ id: "same", type: "subscribe", payload: { query: ORDER_7 } });
    socket.send({ id: "same", type: "subscribe", payload: { query: ORDER_7 } });
    expect(await closeCode(socket)).toBe(4409);
  });

  it("4429 for a second connection_init", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-twice"));
    socket.send({ type: "connection_init", payload: await bearerOf("c-twice") });
    expect(await closeCode(socket)).toBe(4429);
  });

  it("4429 'Too many connections' for a user holding realtime.maxConnectionsPerUser (2 here); a closed connection frees its slot", async () => {
    const payload = await bearerOf("c-many");
    const first = await raw();
    await first.init(payload);
    const second = await raw();
    await second.init(payload);
    const third = await raw();
    third.send({ type: "connection_init", payload });
    const closed = await within("third socket closed", third.closed);
    expect(closed.code).toBe(4429);
    expect(closed.reason).toMatch(/too many connections/i);

    // Another user is not affected.
    const other = await raw();
    await other.init(await bearerOf("c-other"));

    // Dropped without a close frame: the slot is freed all the same.
    first.ws.terminate();
    await within("first socket closed", first.closed);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const next = await raw();
      next.send({ type: "connection_init", payload });
      const outcome = await Promise.race([
        next.next("connection_ack").then(() => "ack"),
        next.closed.then((c) => `closed ${c.code}`),
      ]);
      if (outcome === "ack") break;
      if (Date.now() > deadline) throw new Error(`no slot freed within 5 s: ${outcome}`);
      await sleep(200);
    }
  });

  it("429 TOO_MANY_CONNECTIONS for an SSE subscription of a user holding maxConnectionsPerUser sockets", async () => {
    const payload = await bearerOf("c-sse-many");
    for (let i = 0; i < 2; i++) {
      const socket = await raw();
      await socket.init(payload);
    }
    const answer = await call(gw, "/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...payload },
      body: JSON.stringify({ query: ORDER_7 }),
    });
    expect(answer.status, answer.text).toBe(429);
    expect(answer.text).toContain("TOO_MANY_CONNECTIONS");
  });
});

describe("realtime: subscriptions per connection", () => {
  it("answers one subscription past maxSubscriptionsPerConnection (2 here) with an error message TOO_MANY_SUBSCRIPTIONS; the socket stays open and serves", async () => {
    const socket = await raw();
    await socket.init(await bearerOf("c-subs"));
    socket.send({ id: "s1", type: "subscribe", payload: { query: ORDER_7 } });
    socket.send({ id: "s2", type: "subscribe", payload: { query: ORDER_7 } });
    socket.send({ id: "s3", type: "subscribe", payload: { query: ORDER_7 } });
    const error = await socket.next("error");
    expect(error.id).toBe("s3");
    expect(errorCodes(error.payload)).toContain("TOO_MANY_SUBSCRIPTIONS");

    // Still open: completing one frees a place, and both subscriptions held receive the next event.
    socket.send({ id: "s1", type: "complete" });
    await sleep(300);
    socket.send({ id: "s4", type: "subscribe", payload: { query: ORDER_7 } });
    await until(
      "two subscriptions on orders.7",
      async () => (await publish(gw, "orders.7", { id: "7", status: "PAID" })).body?.subscribers,
      (n) => n === 2,
    );
    const delivered = await until(
      "events for s2 and s4",
      async () => new Set(socket.messages.filter((m) => m.type === "next").map((m) => m.id)),
      (ids) => ids.has("s2") && ids.has("s4"),
    );
    expect([...delivered].sort()).toEqual(["s2", "s4"]);
    expect(socket.messages.filter((m) => m.type === "error").map((m) => m.id)).toEqual(["s3"]);
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });
});
