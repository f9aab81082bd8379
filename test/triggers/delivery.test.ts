/**
 * Event triggers end to end (docs/triggers.md): events published by POST /events/{topic} go
 * through the real EVENT_TRIGGERS queue to the Worker's queue() handler, which POSTs them to a loopback
 * target (fixtures/trigger-target.ts) with retries and backoff, and keeps what still fails as dead letters
 * (GET /admin/events/dead, POST /admin/events/dead/{id}/retry). No test assumes an order of deliveries.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_SECRET, uniqueId } from "../helpers";
import {
  controlTarget,
  deadLetters,
  deliveries,
  EVENTS_SECRET,
  publish,
  received,
  targetUrl,
  triggersGateway,
  waitFor,
} from "./harness";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `sha256=<hex>` of `body` with `secret`, computed apart from the gateway's code. */
async function hmac(body: string, secret: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

describe("event triggers: delivery and retries", () => {
  it("a target failing twice then succeeding gets 3 attempts of one event id, the last one answered 200", async () => {
    const id = uniqueId("trg");
    await controlTarget(id, { failFirst: 2, secret: EVENTS_SECRET });
    const gw = triggersGateway(id, [{ name: "mailer", topic: "orders.*" }]);
    const payload = JSON.stringify({ id: "7", status: "PAID" });
    const answer = await publish(gw, "orders.7", payload);
    expect(answer).toMatchObject({ status: 202, body: { topic: "orders.7", subscribers: 0, triggers: 1 } });
    const got = await deliveries(id, 3);
    expect(got.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(got.map((d) => d.attempt)).toEqual(["1", "2", "3"]);
    expect(new Set(got.map((d) => d.eventId)).size).toBe(1);
    expect(got[0]?.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(got.every((d) => d.body === payload && d.topic === "orders.7" && d.trigger === "mailer")).toBe(true);
    expect(got.every((d) => d.contentType === "application/json")).toBe(true);
    // Acknowledged: no fourth delivery comes, and nothing is a dead letter.
    await sleep(2_500);
    expect(await received(id)).toHaveLength(3);
    expect(await deadLetters(gw)).toEqual([]);
  });

  it("signs every delivery with EVENTS_SECRET, as the target verifies it (and a target with another secret refuses it)", async () => {
    const id = uniqueId("trg");
    const other = uniqueId("trg");
    await controlTarget(id, { secret: EVENTS_SECRET });
    await controlTarget(other, { secret: "another-secret-0123456789" });
    const gw = triggersGateway(id, [
      { name: "right", topic: "signed.#" },
      { name: "wrong", topic: "signed.#", url: targetUrl(other), maxRetries: 0 },
    ]);
    const payload = '{"text":"caf\\u00e9 \u00e9t\u00e9","n":1}';
    expect((await publish(gw, "signed.x", payload)).status).toBe(202);
    const [good] = await deliveries(id, 1);
    expect(good).toMatchObject({ verified: true, status: 200, body: payload });
    expect(good?.signature).toBe(await hmac(payload, EVENTS_SECRET));
    const [bad] = await deliveries(other, 1);
    expect(bad).toMatchObject({ verified: false, status: 401 });
  });

  it("a target always failing: a dead letter after maxRetries retries, listed, and resent by the admin route once the target is back", async () => {
    const id = uniqueId("trg");
    await controlTarget(id, { mode: "fail" });
    const gw = triggersGateway(id, [{ name: "crm", topic: "users.*.created", maxRetries: 2 }]);
    const payload = JSON.stringify({ id: "u1" });
    expect((await publish(gw, "users.u1.created", payload)).status).toBe(202);
    const letters = await waitFor("a dead letter", async () => {
      const list = await deadLetters(gw);
      return list.length > 0 ? list : undefined;
    });
    const attempts = await received(id);
    expect(attempts.map((d) => d.attempt)).toEqual(["1", "2", "3"]);
    expect(letters).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        eventId: attempts[0]?.eventId,
        trigger: "crm",
        topic: "users.u1.created",
        attempts: 3,
        lastError: "HTTP 503",
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    // Not retried any more by the queue.
    await sleep(2_500);
    expect(await received(id)).toHaveLength(3);

    await controlTarget(id, { mode: "ok" });
    const letter = letters[0] as { id: string; eventId: string };
    const res = await gw.fetch(`/admin/events/dead/${letter.id}/retry`, {
      method: "POST",
      headers: { "x-admin-secret": ADMIN_SECRET },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: letter.id, eventId: letter.eventId, trigger: "crm", status: "requeued" });
    const all = await deliveries(id, 4);
    expect(all[3]).toMatchObject({ eventId: letter.eventId, attempt: "1", status: 200, body: payload, trigger: "crm" });
    expect(await deadLetters(gw)).toEqual([]);
  });

  it("the retry route: 404 DEAD_LETTER_NOT_FOUND for an unknown id, 401 without the admin secret", async () => {
    const id = uniqueId("trg");
    const gw = triggersGateway(id, [{ name: "crm", topic: "x" }]);
    for (const unknown of [crypto.randomUUID(), "not-an-id"]) {
      const res = await gw.fetch(`/admin/events/dead/${unknown}/retry`, {
        method: "POST",
        headers: { "x-admin-secret": ADMIN_SECRET },
      });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("DEAD_LETTER_NOT_FOUND");
    }
    expect((await gw.fetch("/admin/events/dead")).status).toBe(401);
  });

  it("a dead letter whose trigger is no longer configured: 409 EVENT_TRIGGER_NOT_CONFIGURED, and it is kept", async () => {
    const id = uniqueId("trg");
    const kvPrefix = `${uniqueId("kv")}:`;
    await controlTarget(id, { mode: "fail" });
    const before = triggersGateway(id, [{ name: "old", topic: "gone", maxRetries: 0 }], { kvPrefix });
    await publish(before, "gone", "{}");
    const [letter] = await waitFor("a dead letter", async () => {
      const list = await deadLetters(before);
      return list.length > 0 ? list : undefined;
    });
    const after = triggersGateway(id, [{ name: "new", topic: "gone" }], { kvPrefix });
    const res = await after.fetch(`/admin/events/dead/${letter?.id}/retry`, {
      method: "POST",
      headers: { "x-admin-secret": ADMIN_SECRET },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("EVENT_TRIGGER_NOT_CONFIGURED");
    expect((await deadLetters(after)).map((l) => l.id)).toEqual([letter?.id]);
  });

  it("a delivery slower than timeoutMs fails as a timeout", async () => {
    const id = uniqueId("trg");
    await controlTarget(id, { mode: "slow", delayMs: 3_000 });
    const gw = triggersGateway(id, [{ name: "slow", topic: "slow", maxRetries: 0, timeoutMs: 300 }]);
    await publish(gw, "slow", "{}");
    const [letter] = await waitFor("a dead letter", async () => {
      const list = await deadLetters(gw);
      return list.length > 0 ? list : undefined;
    });
    expect(letter).toMatchObject({ trigger: "slow", attempts: 1, lastError: "timeout after 300 ms" });
  });

  it("a binding target: delivered through env.<BINDING>.fetch to the bound Worker, at /<trigger>, and retried like a URL", async () => {
    // BOUND_FIXTURE (vitest.config.ts) is a second Worker; requests without x-test-id share its state "".
    const bound = (env as unknown as { BOUND_FIXTURE: Fetcher }).BOUND_FIXTURE;
    await bound.fetch("https://bound/control", {
      method: "POST",
      body: JSON.stringify({ id: "", mode: "flaky", failures: 1 }),
    });
    const id = uniqueId("trg");
    const gw = triggersGateway(id, [{ name: "echo", topic: "bound.*", binding: "BOUND_FIXTURE", maxRetries: 2 }]);
    const payload = JSON.stringify({ via: "binding" });
    expect((await publish(gw, `bound.${id}`, payload)).status).toBe(202);
    type Stats = { operations: number; last?: { url: string; method: string; headers: Record<string, string> } };
    const stats = await waitFor("the second attempt at the bound Worker", async () => {
      const s = (await (await bound.fetch("https://bound/stats?id=")).json()) as Stats;
      return s.last?.headers["x-junction-topic"] === `bound.${id}` && s.last.headers["x-junction-attempt"] === "2"
        ? s
        : undefined;
    });
    expect(stats.last).toMatchObject({ url: "https://bound_fixture.binding/echo", method: "POST" });
    expect(stats.last?.headers["x-junction-signature"]).toBe(await hmac(payload, EVENTS_SECRET));
    expect(stats.last?.headers["x-junction-event-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("publishing does not wait for delivery: 202 at once while the target takes 4 s, delivered afterwards", async () => {
    const id = uniqueId("trg");
    await controlTarget(id, { mode: "slow", delayMs: 4_000 });
    const gw = triggersGateway(id, [{ name: "slow", topic: "later" }]);
    const started = Date.now();
    const answer = await publish(gw, "later", '{"n":1}');
    const took = Date.now() - started;
    expect(answer).toMatchObject({ status: 202, body: { triggers: 1 } });
    expect(took).toBeLessThan(2_000);
    expect(await received(id)).toEqual([]);
    const [delivery] = await deliveries(id, 1);
    expect(delivery).toMatchObject({ status: 200, body: '{"n":1}' });
  });
});

describe("event triggers: topic patterns and several triggers", () => {
  it("`*` matches one segment, `#` one or more; every matching trigger gets the event with the same event id", async () => {
    const id = uniqueId("trg");
    const trigger = (name: string, topic: string) => ({ name, topic, url: targetUrl(id, `/${name}`) });
    const gw = triggersGateway(id, [
      trigger("star", "orders.*"),
      trigger("hash", "orders.#"),
      trigger("all", "#"),
      trigger("mid", "orders.*.items"),
      trigger("exact", "orders"),
    ]);
    const expected: Record<string, string[]> = {
      orders: ["all", "exact"],
      "orders.7": ["all", "hash", "star"],
      "orders.7.items": ["all", "hash", "mid"],
      "orders.7.items.3": ["all", "hash"],
      "users.1": ["all"],
    };
    const counts: Record<string, number> = {};
    for (const topic of Object.keys(expected)) {
      const answer = await publish(gw, topic, JSON.stringify({ topic }));
      expect(answer.status).toBe(202);
      counts[topic] = answer.body.triggers as number;
    }
    expect(counts).toEqual(Object.fromEntries(Object.entries(expected).map(([t, names]) => [t, names.length])));
    const total = Object.values(expected).flat().length;
    const got = await deliveries(id, total);
    await sleep(1_500);
    expect(await received(id)).toHaveLength(total);
    const byTopic: Record<string, string[]> = {};
    for (const d of got) {
      expect(d.path).toBe(`/${d.trigger}`);
      expect(JSON.parse(d.body)).toEqual({ topic: d.topic });
      byTopic[d.topic] = [...(byTopic[d.topic] ?? []), d.trigger].sort();
    }
    expect(byTopic).toEqual(expected);
    // One event id per event, shared by its triggers; different events have different ids.
    const ids = Object.keys(expected).map(
      (topic) => new Set(got.filter((d) => d.topic === topic).map((d) => d.eventId)),
    );
    expect(ids.every((set) => set.size === 1)).toBe(true);
    expect(new Set(ids.map((set) => [...set][0])).size).toBe(Object.keys(expected).length);
  });

  it("without a matching trigger nothing is enqueued (triggers: 0)", async () => {
    const id = uniqueId("trg");
    const gw = triggersGateway(id, [{ name: "t", topic: "orders.*" }]);
    expect(await publish(gw, "orders", "{}")).toMatchObject({ status: 202, body: { triggers: 0 } });
    expect(await publish(gw, "orders.1.x", "{}")).toMatchObject({ status: 202, body: { triggers: 0 } });
    await sleep(2_000);
    expect(await received(id)).toEqual([]);
  });
});
