/**
 * Realtime features around the edges of a subscription: a topic field of a remote's type completed
 * through the remote's `merge` entry, the JWT cookie of a WebSocket upgrade counting only from an
 * allowed Origin (cross-site WebSocket hijacking), and `rateLimits` on the handshake and on each
 * operation over the socket.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildSchema, graphql } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  HS_SECRET,
  type OrdersUpstream,
  publish,
  rawUpgrade,
  realtimeConfig,
  settle,
  startGateway,
  startOrders,
  token,
  totals,
  waitForTotals,
  wsClient,
} from "./harness";

/** A GraphQL remote serving products by upc (list lookup), counting the queries that are not introspection. */
async function startCatalog(): Promise<{ url: string; calls: () => number; close(): Promise<void> }> {
  const schema = buildSchema(`
    type Product { upc: String! name: String! price: Float! }
    type Query { productsByUpcs(upcs: [String!]!): [Product]! }
  `);
  let calls = 0;
  const server: Server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const { query, variables, operationName } = JSON.parse(body || "{}");
    if (!String(query).includes("__schema")) calls++;
    const result = await graphql({
      schema,
      source: query,
      variableValues: variables,
      operationName,
      rootValue: {
        productsByUpcs: ({ upcs }: { upcs: string[] }) =>
          upcs.map((upc) => ({ upc, name: `Product ${upc}`, price: upc.length * 10 })),
      },
    });
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(result));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    calls: () => calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("a topic field of a remote's type", () => {
  let catalog: Awaited<ReturnType<typeof startCatalog>>;
  let gw: Gateway;
  beforeAll(async () => {
    catalog = await startCatalog();
    gw = await startGateway({
      config: {
        remotes: [
          {
            name: "catalog",
            url: catalog.url,
            merge: { Product: { key: "upc", resolver: "productsByUpcs", argument: "upcs" } },
          },
        ],
        realtime: { shards: 1 },
      },
      sdl: 'type Subscription { productChanged(upc: String!): Product @topic(name: "products.{args.upc}") }',
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await catalog?.close();
  });

  it("completes a key-only payload through the remote's merge entry: one remote call per event for subscriptions sharing an execution", async () => {
    const client = wsClient(gw);
    const query = 'subscription { productChanged(upc: "abc") { upc name cost: price } }';
    const first = client.subscribe(query);
    const second = client.subscribe(query);
    await waitForTotals(gw, { subscriptions: 2 });
    const before = catalog.calls();
    const answer = await publish(gw, "products.abc", { upc: "abc", name: "Renamed" });
    expect(answer.body).toEqual({ topic: "products.abc", subscribers: 2 });
    const expected = { data: { productChanged: { upc: "abc", name: "Renamed", cost: 30 } } };
    expect((await first.wait(1))[0]).toEqual(expected);
    expect((await second.wait(1))[0]).toEqual(expected);
    expect(catalog.calls() - before).toBe(1);
    await client.dispose();
  });
});

describe("the JWT cookie of a WebSocket upgrade", () => {
  let gw: Gateway;
  const sdl = [
    "type Order { id: ID! }",
    "type Query { ping: String }",
    'type Subscription { orderUpdated(id: ID!): Order @topic(name: "orders.{args.id}") }',
  ].join("\n");
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        auth: { jwt: { secret: HS_SECRET, algorithms: ["HS256"], header: { type: "Cookie", name: "session" } } },
        cors: { origins: ["https://app.example"], credentials: true },
        realtime: { shards: 1 },
      },
      sdl,
    });
  });
  afterAll(async () => gw?.stop());

  const subscribeWith = async (origin: string) => {
    const client = wsClient(gw, { headers: { cookie: `session=${await token()}`, origin } });
    const received = client.subscribe('subscription { orderUpdated(id: "1") { id } }');
    return { client, received };
  };

  it("counts from an allowed Origin: the socket is acknowledged and subscribes", async () => {
    const { client } = await subscribeWith("https://app.example");
    await waitForTotals(gw, { subscriptions: 1 });
    await client.dispose();
    await settle(gw);
  });

  it("does not count from another Origin (cross-site WebSocket hijacking): closed with 4403 at connection_init", async () => {
    const { client, received } = await subscribeWith("https://evil.example");
    expect((await client.closed).code).toBe(4403);
    await received.ended;
    expect((await totals(gw)).subscriptions).toBe(0);
    await client.dispose();
  });
});

describe("rateLimits over a WebSocket", () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({
      config: {
        rateLimits: [{ key: "ip", limit: 5, periodSec: 60, binding: "RL_REALTIME" }],
        realtime: { shards: 1 },
      },
      sdl: 'type Tick { n: Int } type Query { ping: String } type Subscription { tick: Tick @topic(name: "ticks") }',
      ratelimits: { RL_REALTIME: { simple: { limit: 5, period: 60 } } },
    });
  });
  afterAll(async () => gw?.stop());

  it("counts the handshake and each operation: past the limit an operation gets RATE_LIMITED and the socket stays open, then a handshake is refused with 429", async () => {
    const client = wsClient(gw);
    // A held subscription keeps the (lazy) client on one socket: the handshake and it are 2 of 5.
    const held = client.subscribe("subscription { tick { n } }");
    await waitForTotals(gw, { subscriptions: 1 });
    for (let i = 0; i < 3; i++) {
      const query = client.subscribe("{ ping }");
      expect((await query.wait(1))[0]).toEqual({ data: { ping: null } });
    }
    const refused = client.subscribe("{ ping }");
    const ended = await refused.ended;
    const errors = ended.error as Array<{ extensions?: Record<string, unknown> }>;
    expect(errors[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(errors[0]?.extensions?.http).toBeUndefined();
    expect(client.closes).toEqual([]);
    const answer = await publish(gw, "ticks", { n: 1 });
    expect((await held.wait(1))[0]).toEqual({ data: { tick: { n: 1 } } });
    expect(answer.body).toEqual({ topic: "ticks", subscribers: 1 });
    const upgrade = await rawUpgrade(gw, { protocol: "graphql-transport-ws" });
    expect(upgrade.status).toBe(429);
    await client.dispose();
  });
});

describe("client headers of a subscribing connection", () => {
  let orders: OrdersUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    orders = await startOrders();
    const config = realtimeConfig(orders.url, { auth: undefined });
    (config.services as Array<Record<string, unknown>>)[0] = {
      ...(config.services as Array<Record<string, unknown>>)[0],
      forwardClientHeaders: ["accept-language"],
    };
    gw = await startGateway({ config });
  });
  afterAll(async () => {
    await gw?.stop();
    await orders?.close();
  });

  it("reach the upstream calls of its events as they reach a query's: a named header of the upgrade request, never an unnamed one", async () => {
    const client = wsClient(gw, { headers: { "accept-language": "de-CH", "x-unnamed": "no" } });
    const received = client.subscribe('subscription { orderUpdated(id: "77") { id status total } }');
    await waitForTotals(gw, { subscriptions: 1 });
    await publish(gw, "orders.77", { id: "77" });
    await received.wait(1);
    const seen = orders.getHeaders("77");
    expect(seen).toHaveLength(1);
    expect(seen[0]?.["accept-language"]).toBe("de-CH");
    expect(seen[0]?.["x-unnamed"]).toBeUndefined();
    await client.dispose();
  });
});
