import { type Context, Hono } from "hono";
import { secretsEqual } from "../auth";
import type { EventsConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import type { Logger } from "../observability";
import {
  ADMIN_SECRET_HEADER,
  cappedStream,
  concatBytes,
  type EventTriggerSink,
  fromHex,
  hmacSha256Key,
} from "../shared";
import { publishEvent } from "./publish";
import { checkTopic } from "./topics";

/** The header carrying the body's signature, `sha256=<hex HMAC-SHA256 of the raw body with EVENTS_SECRET>`. */
export const EVENT_SIGNATURE_HEADER = "x-junction-signature";

/** The only form of {@link EVENT_SIGNATURE_HEADER} accepted: `sha256=` and 32 bytes in hex (either case). */
const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * What the route needs from the app's Hono context (a subset of the app's `AppEnv`, declared here so
 * src/events does not depend on the app): the bindings, the request's logger and the gateway's config.
 */
export type EventsEnv = {
  Bindings: Env;
  Variables: { log: Logger; gateway: { config: { events: EventsConfig }; triggers: EventTriggerSink } };
};

/** How a publish was authorised: the admin secret, or a signature with EVENTS_SECRET. */
type Authorisation = "admin-secret" | "signature";

/**
 * Decides from the headers alone which check applies (the signature itself needs the body).
 * @returns "admin-secret" once the admin secret is verified; "signature" when the body's signature
 *   remains to be verified
 * @throws GatewayError EVENT_SIGNATURE_REQUIRED (401) with neither header, or with only a signature while
 *   EVENTS_SECRET is not set; INVALID_EVENT_SIGNATURE (403) for a wrong admin secret (or one sent while
 *   ADMIN_SECRET is not set) and for a signature header that is not `sha256=<64 hex digits>`
 */
async function authorise(headers: Headers, env: Env): Promise<Authorisation> {
  const adminSecret = headers.get(ADMIN_SECRET_HEADER);
  if (adminSecret !== null) {
    const expected: unknown = env.ADMIN_SECRET;
    if (typeof expected !== "string" || expected === "") {
      throw new GatewayError(
        ErrorCode.INVALID_EVENT_SIGNATURE,
        `${ADMIN_SECRET_HEADER} cannot authorise a publish: the ADMIN_SECRET secret is not set.`,
      );
    }
    if (!(await secretsEqual(adminSecret, expected))) {
      throw new GatewayError(ErrorCode.INVALID_EVENT_SIGNATURE, `Wrong ${ADMIN_SECRET_HEADER} header.`);
    }
    return "admin-secret";
  }
  const secret: unknown = env.EVENTS_SECRET;
  if (typeof secret !== "string" || secret === "") {
    throw new GatewayError(
      ErrorCode.EVENT_SIGNATURE_REQUIRED,
      `EVENTS_SECRET is not set, so ${EVENT_SIGNATURE_HEADER} signatures cannot be checked: publish with the ${ADMIN_SECRET_HEADER} header, or set the EVENTS_SECRET secret.`,
    );
  }
  const signature = headers.get(EVENT_SIGNATURE_HEADER);
  if (signature === null) {
    throw new GatewayError(
      ErrorCode.EVENT_SIGNATURE_REQUIRED,
      `Publishing needs ${EVENT_SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the body with EVENTS_SECRET>, or the ${ADMIN_SECRET_HEADER} header.`,
    );
  }
  if (!SIGNATURE.test(signature)) {
    throw new GatewayError(
      ErrorCode.INVALID_EVENT_SIGNATURE,
      `${EVENT_SIGNATURE_HEADER} must be sha256=<64 hex digits of HMAC-SHA256 of the body with EVENTS_SECRET>.`,
    );
  }
  return "signature";
}

/**
 * Reads the whole body, never more than `maxBytes` of it (Content-Length over the limit is refused
 * before reading; a body without it is counted while read by `cappedStream`).
 * @throws GatewayError PAYLOAD_TOO_LARGE (413) over `maxBytes`
 */
async function readBody(request: Request, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new GatewayError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The event payload is larger than ${maxBytes} bytes (events.maxPayloadBytes).`,
      { extensions: { max: maxBytes } },
    );
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw tooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = cappedStream(request.body, maxBytes, tooLarge).getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return concatBytes(chunks);
}

/**
 * The topic of a request path: what follows `/events/`, percent-decoded.
 * @throws GatewayError INVALID_TOPIC for a malformed escape or a name `checkTopic` refuses
 */
function topicOf(url: string): string {
  const rest = new URL(url).pathname.replace(/^\/events\//, "");
  let topic: string;
  try {
    topic = decodeURIComponent(rest);
  } catch {
    throw new GatewayError(ErrorCode.INVALID_TOPIC, `Invalid topic: the path has a malformed percent-escape.`);
  }
  return checkTopic(topic);
}

/**
 * The event gateway's publishing route, mounted at `/events`: `POST /events/{topic}` with the event
 * payload as a JSON body. Checks, in order:
 * 1. authorisation from the headers: `x-admin-secret` equal to ADMIN_SECRET (constant-time, `secretsEqual`
 *    of src/auth) wins when sent; else `x-junction-signature: sha256=<hex>` is required (401
 *    EVENT_SIGNATURE_REQUIRED without it, or while EVENTS_SECRET is not set; 403 INVALID_EVENT_SIGNATURE for
 *    a wrong admin secret or a malformed signature);
 * 2. the topic, the percent-decoded rest of the path (400 INVALID_TOPIC, see checkTopic);
 * 3. the body, read as a stream and never buffered past `events.maxPayloadBytes` (413 PAYLOAD_TOO_LARGE);
 * 4. the signature: HMAC-SHA256 of the raw body bytes with EVENTS_SECRET, verified with Web Crypto's
 *    `crypto.subtle.verify` (constant-time), as GitHub signs webhooks (403 INVALID_EVENT_SIGNATURE);
 * 5. the body parses as JSON (400 INVALID_EVENT_PAYLOAD).
 * Then the event is published (`publishEvent`: the matching event triggers' queue messages, then every
 * subscription on the topic, in publish order) and the answer is 202 `{ "topic", "subscribers" }`,
 * subscribers being the subscriptions it was delivered to, plus `triggers` (messages enqueued) when
 * `events.triggers` is set (503 EVENT_ENQUEUE_FAILED when the queue refuses them).
 * Errors answer `{ error: { code, message } }` through the app's error handler. Each publish is logged
 * with topic, subscribers, bytes and how it was authorised, each refusal with its code and path; never
 * the payload.
 *
 * @returns the Hono sub-app
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */
export function eventRoutes(): Hono<EventsEnv> {
  const events = new Hono<EventsEnv>();
  events.post("/*", async (c) => {
    try {
      return await publishRequest(c);
    } catch (error) {
      if (error instanceof GatewayError) {
        c.get("log").info({ code: error.code, path: c.req.path }, "event publish refused");
      }
      throw error;
    }
  });
  return events;
}

/** One `POST /events/{topic}`, checked in the order {@link eventRoutes} gives. */
async function publishRequest(c: Context<EventsEnv>): Promise<Response> {
  const authorisation = await authorise(c.req.raw.headers, c.env);
  const topic = topicOf(c.req.url);
  const body = await readBody(c.req.raw, c.get("gateway").config.events.maxPayloadBytes);
  if (authorisation === "signature") {
    const match = SIGNATURE.exec(c.req.header(EVENT_SIGNATURE_HEADER) ?? "") as RegExpExecArray;
    const key = await hmacSha256Key(c.env.EVENTS_SECRET);
    if (!(await crypto.subtle.verify("HMAC", key, fromHex(match[1] as string), body))) {
      throw new GatewayError(
        ErrorCode.INVALID_EVENT_SIGNATURE,
        `${EVENT_SIGNATURE_HEADER} is not the HMAC-SHA256 of the body with EVENTS_SECRET.`,
      );
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    JSON.parse(text);
  } catch {
    throw new GatewayError(ErrorCode.INVALID_EVENT_PAYLOAD, "The event payload is not JSON (UTF-8).");
  }
  const result = await publishEvent(c.env, topic, text, c.get("gateway").triggers);
  c.get("log").info(
    { topic, subscribers: result.subscribers, triggers: result.triggers, bytes: body.byteLength, authorisation },
    "event published",
  );
  return c.json(result, 202);
}
