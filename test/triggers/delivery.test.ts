/**
 * Event triggers end to end (docs/triggers-section.md): events published by POST /events/{topic} go
 * through the real EVENT_TRIGGERS queue to the Worker's queue() handler, which POSTs them to a loopback
 * target (fixtures/trigger-target.ts) with retries and backoff.
 */
import { describe, expect, it } from "vitest";
import { uniqueId } from "../helpers";
import { controlTarget, deliveries, EVENTS_SECRET, publish, received, triggersGateway } from "./harness";

describe("event triggers: delivery", () => {
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
    expect(got[0]?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.every((d) => d.body === payload && d.topic === "orders.7" && d.trigger === "mailer")).toBe(true);
    expect(got.every((d) => d.verified === true)).toBe(true);
    // Backoff: no fourth delivery comes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await received(id)).toHaveLength(3);
  });
});
