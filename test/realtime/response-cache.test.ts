/**
 * The response cache (src/cache) and the realtime layer: a mutation sent over graphql-ws runs in a
 * connection shard (a Durable Object), outside the HTTP cache path; the Yoga/envelop plugin
 * useResponseCachePurge still purges, before the result is sent, the cached HTTP answers holding the
 * entity the mutation returned, and only those.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  graphqlHttp,
  type OrdersUpstream,
  realtimeConfig,
  startGateway,
  startOrders,
  token,
  type WsTestClient,
  wsClient,
} from "./harness";

let orders: OrdersUpstream;
let gw: Gateway;
let client: WsTestClient | undefined;

beforeAll(async () => {
  orders = await startOrders();
  gw = await startGateway({ config: realtimeConfig(orders.url, { responseCache: { ttlPerType: { Order: 60 } } }) });
});

afterAll(async () => {
  await client?.dispose();
  await gw?.stop();
  await orders?.close();
});

describe("a mutation over graphql-ws", () => {
  it("purges the cached HTTP answers holding the entity it returned, and only those", async () => {
    const auth = { authorization: `Bearer ${await token({ userId: "42" })}` };
    const id = orders.nextId();
    const created = `{ order(id: "${id}") { __typename id status } }`;
    const other = '{ order(id: "7") { __typename id status } }';
    const xCache = async (query: string) => (await graphqlHttp(gw, query, auth)).headers.get("x-cache");
    expect([await xCache(created), await xCache(other)]).toEqual(["MISS", "MISS"]);
    expect([await xCache(created), await xCache(other)]).toEqual(["HIT", "HIT"]);
    client = wsClient(gw, { connectionParams: auth });
    const mutation = client.subscribe(`mutation { placeOrder(userId: "42", total: 9.5) { __typename id } }`);
    expect(await mutation.wait(1)).toEqual([{ data: { placeOrder: { __typename: "Order", id } } }]);
    expect([await xCache(created), await xCache(other)]).toEqual(["MISS", "HIT"]);
  });
});
