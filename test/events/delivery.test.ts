/**
 * Events reach a real subscriber in workerd: an SSE subscription to the committed example's
 * `Subscription.orderUpdated` (src/index.ts: the Worker entry and its RealtimeShard objects), then one event
 * from `POST /events/{topic}` and one from a REST mutation's `@publish` (another gateway, same hub), both
 * received in publish order. Runs once the schema has `@topic` (the realtime part, src/realtime); skipped
 * before. The subscriber clients of Node (graphql-ws, graphql-sse) are tested in the Node-side project.
 */
import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { schemaFiles } from "../../src/generated";
import { testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, uniqueId } from "../helpers";

const hasTopics = schemaFiles.some((file) => file.sdl.includes("@topic("));

/** The `event: next` blocks of an SSE stream, until `count` of them or 8 s. */
async function nextEvents(res: Response, count: number): Promise<string[]> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: string[] = [];
  let text = "";
  const deadline = Date.now() + 8_000;
  while (events.length < count && Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const blocks = text.split("\n\n");
    text = blocks.pop() ?? "";
    for (const block of blocks) {
      const data = /^data: (.*)$/m.exec(block);
      if (block.includes("event: next") && data) events.push(data[1] as string);
    }
  }
  await reader.cancel();
  return events;
}

it.skipIf(!hasTopics)("an SSE subscriber receives POST /events and @publish events, in order", async () => {
  const orderId = uniqueId("o").replace(/-/g, "_");
  const subscription = await exports.default.fetch("http://gateway.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", "x-admin-secret": ADMIN_SECRET },
    body: JSON.stringify({ query: `subscription { orderUpdated(id: "${orderId}") { id status } }` }),
  });
  expect(subscription.status).toBe(200);
  expect(subscription.headers.get("content-type")).toContain("text/event-stream");
  const received = nextEvents(subscription, 2);
  // The stream's headers come once the shard holds the subscription: a publish from now on reaches it.
  const published = await exports.default.fetch(`http://gateway.test/events/orders.${orderId}`, {
    method: "POST",
    headers: { "x-admin-secret": ADMIN_SECRET },
    body: JSON.stringify({ id: orderId, status: "SHIPPED" }),
  });
  expect(await published.json()).toEqual({ topic: `orders.${orderId}`, subscribers: 1 });
  // A REST mutation of another gateway publishes to the same topic (its answer: id ch_new, status PENDING).
  const sdl = `type Charge { id: ID! status: String! }
extend type Query { ping: String }
extend type Mutation {
  charge(amount: Int!, currency: String!): Charge! @rest(service: "payments", endpoint: "charge") @publish(topic: "orders.{args.currency}")
}`;
  const services = [{ name: "payments", endpoints: { charge: { method: "POST", path: "/charges" } } }];
  const gw = testGateway(uniqueId(), { services }, { files: { "schemas/payments.graphql": sdl } });
  const mutation = await gw.graphql(`mutation { charge(amount: 1, currency: "${orderId}") { id } }`);
  expect(mutation.body).toEqual({ data: { charge: { id: "ch_new" } } });
  expect((await received).map((data) => JSON.parse(data))).toEqual([
    { data: { orderUpdated: { id: orderId, status: "SHIPPED" } } },
    { data: { orderUpdated: { id: "ch_new", status: "PENDING" } } },
  ]);
});
