/**
 * Trusted documents on the realtime entry points (docs/schema-lifecycle.md): with
 * `trustedDocuments.mode` "require", a `graphql-transport-ws` subscribe and a GraphQL over SSE request
 * that send a query are refused with PERSISTED_QUERY_ONLY, and ones that name a stored document
 * (`documentId`, without a query; Apollo's `extensions.persistedQuery`) subscribe to its text and get
 * its events. Runs the gateway in workerd through Miniflare (the Durable Objects read the config).
 */
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_SECRET,
  call,
  errorCodes,
  type Gateway,
  type OrdersUpstream,
  publish,
  type RawSocket,
  rawSocket,
  realtimeConfig,
  settle,
  startGateway,
  startOrders,
  token,
  until,
} from "./harness";

const ORDER_8 = `subscription { orderUpdated(id: "8") { id status } }`;
const HASH = createHash("sha256").update(ORDER_8).digest("hex");
const BY_ID = "subscription Order($id: ID!) { orderUpdated(id: $id) { id status } }";
const BY_ID_HASH = createHash("sha256").update(BY_ID).digest("hex");
/** Stored with a warning (the schema has no Order.nope): it never validates. */
const STALE = 'subscription Stale { orderUpdated(id: "8") { id nope } }';
const STALE_HASH = createHash("sha256").update(STALE).digest("hex");

let orders: OrdersUpstream;
let gw: Gateway;
const sockets: RawSocket[] = [];
const aborts: AbortController[] = [];

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url, { trustedDocuments: { mode: "require" } }) });
  const pushed = await call(gw, "/admin/documents", {
    method: "POST",
    headers: { "content-type": "application/json", "x-admin-secret": ADMIN_SECRET },
    body: JSON.stringify({ [HASH]: ORDER_8, [BY_ID_HASH]: BY_ID, [STALE_HASH]: STALE }),
  });
  expect(pushed.status, pushed.text).toBe(200);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const abort of aborts.splice(0)) abort.abort();
  await settle(gw);
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
});

/** A raw graphql-transport-ws socket, acknowledged as user `u-8`. */
async function socket(): Promise<RawSocket> {
  const raw = await rawSocket(gw);
  sockets.push(raw);
  await raw.init({ authorization: `Bearer ${await token({ userId: "u-8" })}` });
  return raw;
}

/** Publishes to orders.8 until a message of `type` with `id` arrives on `raw` (the subscription may still be being stored). */
async function eventOn(raw: RawSocket, id: string): Promise<Record<string, unknown>> {
  let status = 0;
  await until(
    "an event on the subscription",
    async () => {
      await publish(gw, "orders.8", { id: "8", status: status++ % 2 === 0 ? "PAID" : "SHIPPED" });
      return raw.messages.some((message) => message.type === "next" && message.id === id);
    },
    (got) => got,
  );
  return raw.messages.find((message) => message.type === "next" && message.id === id) as Record<string, unknown>;
}

/** Reads a streamed answer's body in the background: `text` holds what has arrived so far. */
function streamText(res: Response): { text: string } {
  const out = { text: "" };
  void (async () => {
    const decoder = new TextDecoder();
    try {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        out.text += decoder.decode(chunk.value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  return out;
}

describe('realtime with trustedDocuments.mode "require"', () => {
  it("refuses a WebSocket subscribe that sends a query with PERSISTED_QUERY_ONLY, the socket staying open", async () => {
    const raw = await socket();
    raw.send({ id: "q", type: "subscribe", payload: { query: ORDER_8 } });
    const error = await raw.next("error");
    expect(error.id).toBe("q");
    expect(errorCodes(error.payload)).toEqual(["PERSISTED_QUERY_ONLY"]);
    raw.send({ id: "u", type: "subscribe", payload: { documentId: `sha256:${"0".repeat(64)}` } });
    await until(
      "the error of the unknown id",
      async () => raw.messages.find((message) => message.type === "error" && message.id === "u"),
      (message) => message !== undefined,
    );
    const unknown = raw.messages.find((message) => message.type === "error" && message.id === "u");
    expect(errorCodes(unknown?.payload)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
  });

  it("subscribes a WebSocket to a stored document named by documentId (no query) or Apollo's hash, and delivers its events", async () => {
    const raw = await socket();
    raw.send({ id: "by-id", type: "subscribe", payload: { documentId: `sha256:${HASH}` } });
    raw.send({
      id: "by-hash",
      type: "subscribe",
      payload: { query: "", extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } },
    });
    const first = await eventOn(raw, "by-id");
    expect((first.payload as { data: { orderUpdated: { id: string } } }).data.orderUpdated.id).toBe("8");
    await eventOn(raw, "by-hash");
    expect(raw.messages.filter((message) => message.type === "error")).toEqual([]);
  });

  it("refuses an SSE subscription that sends a query, and streams one named by documentId", async () => {
    const authorization = `Bearer ${await token({ userId: "u-8" })}`;
    const refused = await call(gw, `/graphql?${new URLSearchParams({ query: ORDER_8 })}`, {
      headers: { accept: "text/event-stream", authorization },
    });
    expect(refused.status).toBe(400);
    expect(errorCodes(refused.body)).toEqual(["PERSISTED_QUERY_ONLY"]);
    expect(refused.text).not.toContain('"orderUpdated"');

    const abort = new AbortController();
    aborts.push(abort);
    const res = await fetch(`${gw.url}/graphql?${new URLSearchParams({ documentId: `sha256:${HASH}` })}`, {
      headers: { accept: "text/event-stream", authorization },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const stream = streamText(res);
    await until(
      "an SSE event",
      async () => {
        await publish(gw, "orders.8", { id: "8", status: "PAID" });
        return stream.text;
      },
      (seen) => seen.includes('"orderUpdated"'),
    );
    expect(stream.text).toContain('{"data":{"orderUpdated":{"id":"8","status":"PAID"}}}');
  });

  it("answers an SSE subscription whose stored document does not validate with 400 and the validation error", async () => {
    const res = await call(gw, `/graphql?${new URLSearchParams({ documentId: `sha256:${STALE_HASH}` })}`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${await token({ userId: "u-8" })}` },
    });
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/Cannot query field \\"nope\\" on type \\"Order\\"/);
  });

  it("streams an SSE subscription POSTed with Apollo's hash and variables", async () => {
    const abort = new AbortController();
    aborts.push(abort);
    const res = await fetch(`${gw.url}/graphql`, {
      method: "POST",
      headers: {
        accept: "text/event-stream",
        "content-type": "application/json",
        authorization: `Bearer ${await token({ userId: "u-9" })}`,
      },
      body: JSON.stringify({
        extensions: { persistedQuery: { version: 1, sha256Hash: BY_ID_HASH } },
        variables: { id: "9" },
      }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const stream = streamText(res);
    await until(
      "an SSE event of order 9",
      async () => {
        await publish(gw, "orders.9", { id: "9", status: "SHIPPED" });
        return stream.text;
      },
      (seen) => seen.includes('"orderUpdated"'),
    );
    expect(stream.text).toContain('{"data":{"orderUpdated":{"id":"9","status":"SHIPPED"}}}');
  });
});
