/**
 * Event triggers under load (docs/triggers.md): 1,000 events to a target that fails 5% of its
 * deliveries at random (seeded), through the real EVENT_TRIGGERS queue (batches of up to 100): every event
 * is delivered (a 200 for each event id), none lost and none a dead letter. Bounded to 90 s.
 */
import { expect, it } from "vitest";
import { uniqueId } from "../helpers";
import { controlTarget, deadLetters, publish, received, triggersGateway, waitFor } from "./harness";

const EVENTS = 1_000;

it("1,000 events with a 5% failing target: all delivered, none lost, within 90 s", { timeout: 120_000 }, async () => {
  const id = uniqueId("trg");
  await controlTarget(id, { mode: "random", failRate: 0.05, seed: 20 });
  const gw = triggersGateway(id, [{ name: "bulk", topic: "bulk.#", maxRetries: 5 }]);
  const started = Date.now();
  for (let from = 0; from < EVENTS; from += 50) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(50, EVENTS - from) }, (_, i) =>
        publish(gw, `bulk.${(from + i) % 7}`, JSON.stringify({ n: from + i })),
      ),
    );
    expect(answers.every((a) => a.status === 202 && a.body.triggers === 1)).toBe(true);
  }
  const delivered = await waitFor(
    "every event delivered",
    async () => {
      const ok = (await received(id)).filter((d) => d.status === 200);
      const distinct = new Set(ok.map((d) => (JSON.parse(d.body) as { n: number }).n));
      return distinct.size >= EVENTS ? ok : undefined;
    },
    90_000 - (Date.now() - started),
  );
  const all = await received(id);
  const failed = all.filter((d) => d.status !== 200);
  // The target did fail some (about 5%), and each failure was retried to a success with the same event id.
  expect(failed.length).toBeGreaterThan(EVENTS * 0.02);
  const okIds = new Set(delivered.map((d) => d.eventId));
  expect(okIds.size).toBe(EVENTS);
  expect(failed.every((d) => okIds.has(d.eventId))).toBe(true);
  expect(new Set(delivered.map((d) => (JSON.parse(d.body) as { n: number }).n))).toEqual(
    new Set(Array.from({ length: EVENTS }, (_, n) => n)),
  );
  expect(await deadLetters(gw)).toEqual([]);
});
