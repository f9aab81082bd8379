import type { Hono } from "hono";
import type { AppEnv } from "../env";
import { ErrorCode, GatewayError } from "../errors";

/** A dead letter's id: a UUID, as the store makes them. */
const DEAD_LETTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The dead letters routes of the admin sub-app (behind its `x-admin-secret` check), for events an event
 * trigger could not deliver within its `maxRetries` (src/triggers):
 * - `GET /admin/events/dead`: `[{ id, eventId, trigger, topic, attempts, lastError, at }]`, oldest first
 *   (at most 10,000; KV is eventually consistent, so a dead letter made in another location may take up
 *   to 60 s to appear).
 * - `POST /admin/events/dead/:id/retry`: puts the event back on the queue for its trigger only, as the
 *   trigger is configured now (same event id, topic and payload; a fresh signature and attempt count),
 *   then removes the dead letter; answers 202 `{ id, eventId, trigger, status: "requeued" }`. If that
 *   delivery fails too, it becomes a new dead letter (a new id). 404 `DEAD_LETTER_NOT_FOUND` for an
 *   unknown id; 409 `EVENT_TRIGGER_NOT_CONFIGURED` when its trigger is no longer configured; 503
 *   `EVENT_ENQUEUE_FAILED` when the queue refuses it (the dead letter is kept).
 *
 * @param admin - the admin sub-app
 */
export function deadLetterRoutes(admin: Hono<AppEnv>): void {
  admin.get("/events/dead", async (c) => c.json(await c.get("gateway").triggers.deadLetters(c.env).list()));

  admin.post("/events/dead/:id/retry", async (c) => {
    const id = c.req.param("id");
    const triggers = c.get("gateway").triggers;
    const store = triggers.deadLetters(c.env);
    const letter = DEAD_LETTER_ID.test(id) ? await store.get(id) : null;
    if (letter === null) {
      throw new GatewayError(ErrorCode.DEAD_LETTER_NOT_FOUND, `No dead letter ${JSON.stringify(id.slice(0, 80))}.`);
    }
    await triggers.resend(c.env, letter);
    await store.delete(id);
    c.get("log").info({ deadLetter: id, eventId: letter.eventId, trigger: letter.trigger }, "dead letter requeued");
    return c.json({ id, eventId: letter.eventId, trigger: letter.trigger, status: "requeued" }, 202);
  });
}
