/**
 * The event triggers' queue consumer on its own (src/triggers/consumer.ts), given batches whose messages
 * record what the consumer decided for each (ack, or retry and its delay): the backoff, `binding` targets
 * reached through `env.<BINDING>.fetch`, and bodies that are not trigger messages. (cloudflare:test's
 * `createMessageBatch` / `getQueueResult` report retries without their `delaySeconds`, so the batch is
 * built here.) The deliveries still go to the real loopback target.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability";
import {
  createDeadLetterStore,
  createTriggerConsumer,
  retryDelaySeconds,
  type TriggerMessage,
} from "../../src/triggers";
import { uniqueId } from "../helpers";
import { controlTarget, received, targetUrl } from "./harness";

const consumer = createTriggerConsumer({ log: createLogger({ sink: () => {} }) });

/** A trigger message for test `id`'s target (or `target`). */
function message(id: string, more: Partial<TriggerMessage> = {}): TriggerMessage {
  return {
    v: 1,
    eventId: crypto.randomUUID(),
    trigger: "hook",
    topic: "orders.1",
    payload: '{"id":"1"}',
    publishedAt: new Date().toISOString(),
    target: { url: targetUrl(id) },
    maxRetries: 3,
    timeoutMs: 5_000,
    signature: "sha256=00",
    deadLetterPrefix: `${uniqueId("kv")}:`,
    ...more,
  };
}

/** What the consumer decided for a batch: acked ids, and retried ids with their delay. */
interface Outcome {
  explicitAcks: string[];
  retryMessages: Array<{ msgId: string; delaySeconds?: number }>;
}

/** Runs one batch of `bodies` with these attempt counts through the consumer with `bindings` added to env. */
async function run(bodies: unknown[], attempts: number[], bindings: Record<string, unknown> = {}): Promise<Outcome> {
  const outcome: Outcome = { explicitAcks: [], retryMessages: [] };
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    attempts: attempts[i] ?? 1,
    body,
    ack: () => outcome.explicitAcks.push(`m${i}`),
    retry: (options?: QueueRetryOptions) =>
      outcome.retryMessages.push({ msgId: `m${i}`, delaySeconds: options?.delaySeconds }),
  }));
  const batch = {
    queue: "junction-event-triggers",
    messages,
    ackAll() {},
    retryAll() {},
  } as unknown as MessageBatch<unknown>;
  await consumer.queue(batch, { ...env, ...bindings } as Env);
  outcome.explicitAcks.sort();
  outcome.retryMessages.sort((a, b) => a.msgId.localeCompare(b.msgId));
  return outcome;
}

describe("the trigger consumer", () => {
  it("retries a failed delivery after 2^(attempts-1) s while attempts <= maxRetries, then keeps a dead letter and acks", async () => {
    const id = uniqueId("trg");
    await controlTarget(id, { mode: "fail" });
    const prefix = `${uniqueId("kv")}:`;
    const msg = message(id, { maxRetries: 3, deadLetterPrefix: prefix });
    const result = await run([msg, msg, msg, msg], [1, 2, 3, 4]);
    expect(result.retryMessages).toEqual([
      { msgId: "m0", delaySeconds: 1 },
      { msgId: "m1", delaySeconds: 2 },
      { msgId: "m2", delaySeconds: 4 },
    ]);
    expect(result.explicitAcks).toEqual(["m3"]);
    const stored = await env.SCHEMA_CACHE.list({ prefix: `${prefix}dead-letters:` });
    expect(stored.keys).toHaveLength(1);
    expect(stored.keys[0]?.metadata).toMatchObject({ eventId: msg.eventId, attempts: 4, lastError: "HTTP 503" });
  });

  it("a non-ASCII topic: percent-encoded in x-junction-topic; its dead letter's summary within KV's 1,024-byte metadata (topic shortened in the listing, whole in the entry)", async () => {
    const id = uniqueId("trg");
    await controlTarget(id, { mode: "fail" });
    const prefix = `${uniqueId("kv")}:`;
    const topic = "€".repeat(256); // 768 bytes of UTF-8
    // A failing binding target gives a long lastError ("no service binding <name>").
    const binding = `B${"X".repeat(150)}`;
    const msg = message(id, { topic, trigger: "t".repeat(64), maxRetries: 0, deadLetterPrefix: prefix });
    const unbound = { ...msg, eventId: crypto.randomUUID(), target: { binding } };
    const result = await run([msg, unbound], [1, 1]);
    expect(result).toEqual({ explicitAcks: ["m0", "m1"], retryMessages: [] });
    // The topic header is percent-encoded (header values are bytes).
    expect((await received(id))[0]?.topic).toBe(encodeURIComponent(topic));
    // Local KV does not enforce the limit: measure the metadata as stored.
    const { keys } = await env.SCHEMA_CACHE.list({ prefix });
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(new TextEncoder().encode(JSON.stringify(key.metadata)).byteLength).toBeLessThanOrEqual(1024);
    }
    const letter = (await createDeadLetterStore(env.SCHEMA_CACHE, prefix).list()).find(
      (l) => l.eventId === msg.eventId,
    );
    expect(letter?.eventId).toBe(msg.eventId);
    expect(topic.startsWith(letter?.topic ?? "x")).toBe(true);
    expect((await createDeadLetterStore(env.SCHEMA_CACHE, prefix).get(letter?.id ?? ""))?.topic).toBe(topic);
  });

  it("caps the delay at Queues' 12 hours", () => {
    expect([1, 2, 5, 16, 17, 40, 101].map(retryDelaySeconds)).toEqual([1, 2, 16, 32_768, 43_200, 43_200, 43_200]);
  });

  it("delivers a binding target through env.<BINDING>.fetch, at /<trigger>, with the same headers", async () => {
    const id = uniqueId("trg");
    const seen: string[] = [];
    const HOOKS = {
      fetch(input: string, init: RequestInit) {
        seen.push(input);
        return fetch(targetUrl(id, new URL(input).pathname), init);
      },
    };
    const msg = message(id, { target: { binding: "HOOKS" }, trigger: "by-binding", signature: "sha256=ab" });
    const result = await run([msg], [2], { HOOKS });
    expect(result.explicitAcks).toEqual(["m0"]);
    expect(seen).toEqual(["https://hooks.binding/by-binding"]);
    expect(await received(id)).toMatchObject([
      { path: "/by-binding", eventId: msg.eventId, trigger: "by-binding", attempt: "2", signature: "sha256=ab" },
    ]);
  });

  it("retries a message whose binding is missing, and acks (drops, logged) a body that is not a trigger message", async () => {
    const id = uniqueId("trg");
    const result = await run([message(id, { target: { binding: "NOPE" } }), { hello: "world" }], [1, 1]);
    expect(result.retryMessages).toEqual([{ msgId: "m0", delaySeconds: 1 }]);
    expect(result.explicitAcks).toEqual(["m1"]);
  });
});
