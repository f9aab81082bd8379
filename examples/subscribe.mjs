/**
 * Subscribes through the gateway with the `graphql-ws` client (protocol `graphql-transport-ws`) and
 * prints every event until Ctrl+C: one order's updates (a topic), or one product's stock changes (a
 * subscription of the catalog remote schema, with the seller joined from the users remote).
 *
 * Run (with `npm run dev` up):  node examples/subscribe.mjs [orderId]          (default orderId: 1)
 * Then, in another terminal, publish an event for it:
 *   curl -s -X POST http://127.0.0.1:8787/events/orders.1 -H 'x-admin-secret: dev-admin-secret' \
 *     -H 'content-type: application/json' -d '{"id":"1","status":"SHIPPED"}'
 * Or:                           node examples/subscribe.mjs --product [id]     (default id: p-100)
 * Then reserve a unit of it, which makes the catalog emit the change:
 *   curl -s http://127.0.0.1:8787/graphql -H 'content-type: application/json' \
 *     -d '{"query":"mutation { reserve(productId: \"1\", quantity: 1) { id } }"}'
 * Env: PORT (gateway, default 8787), TOKEN (a JWT sent in connection_init, when `auth` is configured).
 */
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const product = process.argv[2] === "--product";
const id = (product ? process.argv[3] : process.argv[2]) ?? (product ? "p-100" : "1");
const subscription = product
  ? {
      query: "subscription ($id: ID!) { productChanged(id: $id) { id name stockCount seller { name } } }",
      label: `product ${id}`,
    }
  : {
      query:
        "subscription ($id: ID!) { orderUpdated(id: $id) { id status total quantity buyer { name } product { name } } }",
      label: `orders.${id}`,
    };
const port = process.env.PORT ?? "8787";
const client = createClient({
  url: `ws://127.0.0.1:${port}/graphql`,
  webSocketImpl: WebSocket,
  // A function: every reconnect (after a deploy, or 4403 when a token expired) sends the current token.
  connectionParams: () => (process.env.TOKEN ? { authorization: `Bearer ${process.env.TOKEN}` } : {}),
  retryAttempts: Number.POSITIVE_INFINITY,
  shouldRetry: () => true,
  on: {
    connected: () => console.log(`connected; subscribed to ${subscription.label}`),
    closed: (event) => console.log(`closed: ${event.code} ${event.reason}`),
  },
});

client.subscribe(
  { query: subscription.query, variables: { id } },
  {
    next: (event) => console.log(JSON.stringify(event)),
    error: (error) => console.error("error:", JSON.stringify(error)),
    complete: () => console.log("complete"),
  },
);

process.on("SIGINT", async () => {
  await client.dispose();
  process.exit(0);
});
