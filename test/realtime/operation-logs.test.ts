/**
 * Per-operation log lines (src/observability) for operations over WebSocket and SSE: the realtime layer
 * writes one `"graphql operation"` line per query or mutation once it has run and per subscription once
 * it is set up, with the same fields as HTTP, and never the variables or the token.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  type OrdersUpstream,
  realtimeConfig,
  sseSubscribe,
  startGateway,
  startOrders,
  token,
  until,
  type WsTestClient,
  wsClient,
} from "./harness";

/** A variable value that looks like a secret. */
const SECRET = "sk_live_rt_4b3a29180f7e6d5c";

let orders: OrdersUpstream;
let gw: Gateway;
const lines: string[] = [];
const clients: WsTestClient[] = [];

/** The per-operation lines logged so far. */
const operations = () =>
  lines
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((line) => line.msg === "graphql operation");

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url), onLog: (line) => lines.push(line) });
});

afterAll(async () => {
  for (const client of clients) await client.dispose();
  await gw?.stop();
  await orders?.close();
});

describe("realtime: per-operation log lines", () => {
  it("log a WebSocket query, a failing one and a subscription, without variables or token", async () => {
    const bearer = `Bearer ${await token({ userId: "42" })}`;
    const client = wsClient(gw, { connectionParams: { authorization: bearer } });
    clients.push(client);

    const query = client.subscribe("query One($id: ID!) { order(id: $id) { id status } }", { id: "7" });
    await query.ended;
    expect(query.results[0]?.data?.order?.id).toBe("7");
    const line = await until(
      "the query's line",
      async () => operations(),
      (ops) => ops.length >= 1,
    );
    expect(line[0]).toMatchObject({
      operationName: "One",
      operationType: "query",
      role: "user",
      upstreamCalls: 1,
      upstreams: { orders: { calls: 1, errors: 0 } },
      errors: 0,
    });

    const invalid = client.subscribe("query Bad($v: String) { nope(v: $v) }", { v: SECRET });
    await invalid.ended;
    const bad = await until(
      "the invalid query's line",
      async () => operations(),
      (ops) => ops.length >= 2,
    );
    expect(bad[1]).toMatchObject({ level: "warn", operationName: "Bad", errors: 1 });
    // The realtime layer sends validation errors without a code (HTTP's come with Yoga's GRAPHQL_VALIDATION_FAILED).
    expect(bad[1]?.errorCodes).toEqual([]);

    const sub = client.subscribe("subscription Watch($id: ID!) { orderUpdated(id: $id) { id } }", { id: SECRET });
    const all = await until(
      "the subscription's line",
      async () => operations(),
      (ops) => ops.length >= 3,
    );
    expect(all[2]).toMatchObject({ operationName: "Watch", operationType: "subscription", errors: 0 });
    sub.dispose();

    const token42 = bearer.slice("Bearer ".length);
    for (const text of lines) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(token42.split(".")[2]);
    }
  });

  it("log an SSE subscription once it is set up", async () => {
    const before = operations().length;
    const sse = sseSubscribe(gw, 'subscription Sse { orderUpdated(id: "8") { id } }', {
      authorization: `Bearer ${await token({ userId: "42" })}`,
    });
    const ops = await until(
      "the SSE line",
      async () => operations(),
      (all) => all.length > before,
    );
    expect(ops.at(-1)).toMatchObject({ operationName: "Sse", operationType: "subscription", role: "user" });
    sse.dispose();
  });
});
