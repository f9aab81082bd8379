/**
 * Usage counts survive isolates (runs in Node, in the realtime project: vitest.realtime.config.ts). Two
 * Workers from the same bundle (test/realtime/worker.ts) run in one workerd through Miniflare, each in its
 * own isolate: Worker A defines the Durable Objects, Worker B binds A's `DeprecationUsage` (and the
 * realtime objects) by `scriptName`. Proof that they do not share memory: each builds its gateway from its
 * own bindings into a module-level variable, and B's schema has a field A's lacks. Both count the same
 * clients' operations; one admin read on either sees the sum. A subscription (WebSocket and SSE) counts
 * once when subscribed, never per event.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  ADMIN_SECRET,
  EVENTS_SECRET,
  type Gateway,
  type OrdersUpstream,
  publish,
  realtimeConfig,
  SDL,
  sseSubscribe,
  startOrders,
  token,
  wsClient,
} from "../realtime/harness";

/** The realtime tests' SDL with deprecated elements: a field and an enum value, and a subscription on Order. */
const USAGE_SDL = SDL.replace(
  "quantity: Int!\n}",
  'quantity: Int!\n  legacyTotal: Float @deprecated(reason: "This field is deprecated and will be removed after 2027/06/30. Use the total field instead.")\n}',
).replace(
  "enum OrderStatus { PENDING PAID SHIPPED CANCELLED }",
  'enum OrderStatus { PENDING PAID SHIPPED CANCELLED REFUNDED @deprecated(reason: "This enum value is deprecated and will be removed after 2027/06/30.") }',
);
/** Worker B's extra SDL file: a field only B's schema has. */
const B_ONLY = 'extend type Query { onlyInB(id: ID!): Order @rest(service: "orders", endpoint: "getOrder") }';

interface DeprecationsBody {
  deprecations: Array<{
    coordinate: string;
    lastUsed: string | null;
    clients: Array<{ name: string; count: number; lastUsed: string }>;
  }>;
}

let orders: OrdersUpstream;
let mf: Miniflare;
let origin: string;
let wsOrigin: string;
let headers: Record<string, string>;

/** Worker A as the realtime harness' helpers take a gateway (the Miniflare port serves the first Worker). */
const gatewayA = (): Gateway => ({ url: origin, wsUrl: wsOrigin, mf, stop: async () => {} });

/** Sends a request to Worker `name` ("a" or "b"). */
async function send(name: "a" | "b", path: string, init: RequestInit = {}): Promise<Response> {
  const worker = await mf.getWorker(name);
  return (await worker.fetch(`${origin}${path}`, init as never)) as unknown as Response;
}

/** POSTs an operation to Worker `name` as client `client`. */
async function graphql(name: "a" | "b", client: string, query: string): Promise<Record<string, unknown>> {
  const res = await send(name, "/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", "graphql-client-name": client, ...headers },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** Per coordinate, client `client`'s count, read from Worker `name`'s `GET /admin/deprecations`. */
async function countsOf(name: "a" | "b", client: string): Promise<Record<string, number>> {
  const res = await send(name, "/admin/deprecations", { headers: { "x-admin-secret": ADMIN_SECRET } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as DeprecationsBody;
  const counts: Record<string, number> = {};
  for (const entry of body.deprecations) {
    const mine = entry.clients.find((c) => c.name === client);
    if (mine !== undefined) counts[entry.coordinate] = mine.count;
  }
  return counts;
}

/** Polls `countsOf` until it equals `expected` (the counts are sent in the background), at most 5 s. */
async function expectCounts(name: "a" | "b", client: string, expected: Record<string, number>): Promise<void> {
  const deadline = Date.now() + 5_000;
  let counts = await countsOf(name, client);
  while (JSON.stringify(counts) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    counts = await countsOf(name, client);
  }
  expect(counts).toEqual(expected);
}

beforeAll(async () => {
  orders = await startOrders();
  const script = inject("realtimeWorker");
  const config = realtimeConfig(orders.url);
  const common = {
    modules: [{ type: "ESModule" as const, path: script }],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["enable_request_signal"],
    kvNamespaces: ["SCHEMA_CACHE"],
  };
  const files = (more: Array<{ path: string; sdl: string }> = []) =>
    JSON.stringify([{ path: "schemas/realtime.graphql", sdl: USAGE_SDL }, ...more]);
  const bindings = { ADMIN_SECRET, EVENTS_SECRET, TEST_CONFIG: JSON.stringify(config) };
  mf = new Miniflare({
    workers: [
      {
        name: "a",
        ...common,
        durableObjects: {
          REALTIME: { className: "RealtimeShard", useSQLite: true },
          REALTIME_HUB: { className: "RealtimeHub", useSQLite: true },
          REMOTE_STREAMS: { className: "RemoteStream", useSQLite: true },
          DEPRECATION_USAGE: { className: "DeprecationUsage", useSQLite: true },
        },
        bindings: { ...bindings, TEST_SCHEMA_FILES: files() },
      },
      {
        name: "b",
        ...common,
        durableObjects: {
          REALTIME: { className: "RealtimeShard", scriptName: "a", useSQLite: true },
          REALTIME_HUB: { className: "RealtimeHub", scriptName: "a", useSQLite: true },
          REMOTE_STREAMS: { className: "RemoteStream", scriptName: "a", useSQLite: true },
          DEPRECATION_USAGE: { className: "DeprecationUsage", scriptName: "a", useSQLite: true },
        },
        bindings: { ...bindings, TEST_SCHEMA_FILES: files([{ path: "schemas/b-only.graphql", sdl: B_ONLY }]) },
      },
    ],
    host: "127.0.0.1",
    port: 0,
  });
  const ready = await mf.ready;
  origin = ready.origin;
  wsOrigin = `ws://${ready.host}/graphql`;
  headers = { authorization: `Bearer ${await token({ userId: "7" })}` };
  orders.orders.set("7", { id: "7", userId: "7", status: "PAID", total: 12, quantity: 1 });
});

afterAll(async () => {
  await mf?.dispose();
  await orders?.close();
});

describe("usage counts across isolates", () => {
  it("the two Workers are separate isolates: each built its own gateway from its own bindings", async () => {
    const inB = await graphql("b", "probe", '{ onlyInB(id: "7") { id } }');
    expect(inB).toEqual({ data: { onlyInB: { id: "7" } } });
    const inA = await graphql("a", "probe", '{ onlyInB(id: "7") { id } }');
    expect(JSON.stringify(inA.errors)).toContain("onlyInB");
  });

  it("counts operations of both Workers in the one object; an admin read on either sees both", async () => {
    const client = `two-isolates-${Date.now()}`;
    for (const name of ["a", "b", "b"] as const) {
      const answer = await graphql(name, client, '{ order(id: "7") { id legacyTotal } }');
      expect(answer.errors, JSON.stringify(answer)).toBeUndefined();
    }
    const other = `${client}-other`;
    await graphql("a", other, '{ order(id: "7") { id total } }');
    await expectCounts("a", client, { "Order.legacyTotal": 3 });
    await expectCounts("b", client, { "Order.legacyTotal": 3 });
    await expectCounts("b", other, {});
  });
});

describe("subscriptions", () => {
  it("a WebSocket subscription counts once when subscribed, not per event", async () => {
    const client = `ws-${Date.now()}`;
    const gw = gatewayA();
    const ws = wsClient(gw, {
      connectionParams: { authorization: headers.authorization },
      headers: { "graphql-client-name": client },
    });
    try {
      const received = ws.subscribe('subscription { orderUpdated(id: "7") { id legacyTotal } }');
      await expectCounts("a", client, { "Order.legacyTotal": 1 });
      for (let i = 0; i < 3; i++) {
        const event = { id: "7", userId: "7", status: "PAID", total: i, quantity: 1 };
        expect((await publish(gw, "orders.7", event, "admin")).status).toBe(202);
      }
      await received.wait(3);
      expect(await countsOf("a", client)).toEqual({ "Order.legacyTotal": 1 });
    } finally {
      await ws.dispose();
    }
  });

  it("an SSE subscription counts once when subscribed, not per event", async () => {
    const client = `sse-${Date.now()}`;
    const gw = gatewayA();
    const received = sseSubscribe(gw, 'subscription { orderUpdated(id: "7") { id status legacyTotal } }', {
      ...headers,
      "graphql-client-name": client,
    });
    try {
      await expectCounts("a", client, { "Order.legacyTotal": 1 });
      await publish(gw, "orders.7", { id: "7", userId: "7", status: "PAID", total: 1, quantity: 1 }, "admin");
      await publish(gw, "orders.7", { id: "7", userId: "7", status: "PAID", total: 2, quantity: 1 }, "admin");
      await received.wait(2);
      expect(await countsOf("a", client)).toEqual({ "Order.legacyTotal": 1 });
    } finally {
      received.dispose();
    }
  });
});
