import type { TriggerConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import { hmacSha256Key, toHex } from "../shared";

/** The header naming the event, the same for every trigger and every attempt: the target's idempotency key. */
export const EVENT_ID_HEADER = "x-junction-event-id";
/**
 * The header naming the event's topic, percent-encoded (`encodeURIComponent`: ASCII letters, digits and
 * `-_.!~*'()` as they are, so most topics read unchanged; decode with `decodeURIComponent`).
 */
export const EVENT_TOPIC_HEADER = "x-junction-topic";
/** The header naming the trigger a delivery is for. */
export const EVENT_TRIGGER_HEADER = "x-junction-trigger";
/** The header giving the delivery's attempt, 1 for the first (Queues' `msg.attempts`). */
export const EVENT_ATTEMPT_HEADER = "x-junction-attempt";

/**
 * The largest queue message, in bytes, this gateway sends: Cloudflare Queues accepts messages up to
 * 128 KB; a margin is left for the envelope.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 */
export const MAX_MESSAGE_BYTES = 120_000;

/**
 * One message on the `EVENT_TRIGGERS` queue: one event for one trigger. It holds everything its delivery
 * needs, resolved when the event was published (the target, the retry limit, the signature, where a
 * dead letter goes), so the consumer needs no gateway config: a message keeps the trigger as it was
 * configured at publish time, and a later deploy changes only later events (and resends of dead letters).
 */
export interface TriggerMessage {
  /** The message format's version. */
  v: 1;
  /** One id per event (a UUID), the same for every trigger and every attempt. */
  eventId: string;
  /** The trigger's `name`. */
  trigger: string;
  /** The event's topic. */
  topic: string;
  /** The event payload as JSON text: the delivery's body, byte for byte (what `signature` signs). */
  payload: string;
  /** When the event was published, ISO 8601 (UTC). */
  publishedAt: string;
  /** The trigger's target: a URL, or a service binding's name. */
  target: { url: string } | { binding: string };
  /** The trigger's `maxRetries`: retries after the first attempt before the event becomes a dead letter. */
  maxRetries: number;
  /** The trigger's `timeoutMs` for one delivery. */
  timeoutMs: number;
  /** `sha256=<hex HMAC-SHA256 of payload with EVENTS_SECRET>`, sent as `x-junction-signature`. */
  signature: string;
  /** The KV key prefix of the gateway's dead letters (its `kvPrefix`, default `junction:`). */
  deadLetterPrefix: string;
}

/** The event a message carries, shared by the messages of all its triggers. */
export interface TriggerEvent {
  eventId: string;
  topic: string;
  payload: string;
  publishedAt: string;
}

/**
 * The `x-junction-signature` value of a payload, as `POST /events/{topic}` checks it.
 * @param payload - the JSON text
 * @param secret - EVENTS_SECRET
 * @returns `sha256=<64 lower-case hex digits>`
 */
export async function signPayload(payload: string, secret: string): Promise<string> {
  const key = await hmacSha256Key(secret);
  return `sha256=${toHex(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(payload)))}`;
}

/**
 * Builds one trigger's message for an event.
 * @param trigger - the trigger as configured now
 * @param event - the event
 * @param signature - the payload's signature ({@link signPayload})
 * @param deadLetterPrefix - the gateway's KV prefix
 * @returns the message
 * @throws GatewayError `PAYLOAD_TOO_LARGE` when the message would be over {@link MAX_MESSAGE_BYTES}
 */
export function triggerMessage(
  trigger: TriggerConfig,
  event: TriggerEvent,
  signature: string,
  deadLetterPrefix: string,
): TriggerMessage {
  const message: TriggerMessage = {
    v: 1,
    ...event,
    trigger: trigger.name,
    target: trigger.binding === undefined ? { url: trigger.url as string } : { binding: trigger.binding },
    maxRetries: trigger.maxRetries,
    timeoutMs: trigger.timeoutMs,
    signature,
    deadLetterPrefix,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(message)).byteLength;
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new GatewayError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The event is too large for event trigger "${trigger.name}": its queue message would be ${bytes} bytes, over ${MAX_MESSAGE_BYTES} (Cloudflare Queues takes at most 128 KB).`,
      { extensions: { max: MAX_MESSAGE_BYTES } },
    );
  }
  return message;
}

const isString = (value: unknown): value is string => typeof value === "string";

/**
 * Reads a queue message's body back (it crossed a queue, so it is checked, not trusted).
 * @param body - `msg.body`
 * @returns the message, or undefined when it is not one this gateway sent
 */
export function readTriggerMessage(body: unknown): TriggerMessage | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const m = body as Record<string, unknown>;
  const target = m.target as Record<string, unknown> | null | undefined;
  const targetOk = typeof target === "object" && target !== null && (isString(target.url) || isString(target.binding));
  const ok =
    m.v === 1 &&
    [m.eventId, m.trigger, m.topic, m.payload, m.publishedAt, m.signature, m.deadLetterPrefix].every(isString) &&
    Number.isInteger(m.maxRetries) &&
    Number.isInteger(m.timeoutMs) &&
    targetOk;
  return ok ? (body as TriggerMessage) : undefined;
}
