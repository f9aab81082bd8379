import * as z from "zod";
import { httpUrl } from "./primitives";

/**
 * `realtime`: subscriptions over `graphql-transport-ws` and GraphQL over SSE, held by the realtime
 * Durable Objects (src/realtime). Every limit is enforced as the protocol's own error or close code.
 * @see https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
 * @see https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md
 */
export const RealtimeSchema = z
  .object({
    maxSubscriptionsPerConnection: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe(
        "Subscriptions one WebSocket may hold at once; one more gets an error message with extensions.code TOO_MANY_SUBSCRIPTIONS (the socket stays open).",
      ),
    maxConnectionsPerUser: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe(
        "WebSockets and SSE streams one user (x-hasura-user-id) may hold at once across the deployment; one more is closed with 4429 (SSE: 429 TOO_MANY_CONNECTIONS).",
      ),
    maxMessageBytes: z
      .number()
      .int()
      .min(1024)
      .default(65_536)
      .describe("Largest message a client may send over a WebSocket, in bytes; a larger one closes it with 4400."),
    connectionInitWaitTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(3_000)
      .describe(
        "How long (ms) a WebSocket may stay open without connection_init before it is closed with 4408 (graphql-ws's own default).",
      ),
    shards: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(16)
      .describe(
        "Durable Objects that hold connections (each holds at most 32,768 sockets); a connection goes to one by its user, else its IP.",
      ),
  })
  .strict();

/**
 * A topic pattern of an event trigger: dot-separated segments, each a literal topic segment, `*` (exactly
 * one segment) or `#` (one or more segments). Same character rules as topic names (src/events/topics.ts).
 */
export const TOPIC_PATTERN = /^([^\s/*#.]+|\*|#)(\.([^\s/*#.]+|\*|#))*$/;

/**
 * The largest `maxRetries`: 16 retries wait 1 + 2 + ... + 32,768 s = 65,535 s (18.2 hours) in all, within
 * the shortest message retention of Cloudflare Queues (24 hours, Free plan; 4 days by default on Paid), so
 * no message outlives its queue before it is delivered or kept as a dead letter.
 * @see https://developers.cloudflare.com/queues/platform/limits/
 */
export const MAX_TRIGGER_RETRIES = 16;

/**
 * One entry of `events.triggers`: where events of matching topics are delivered (exactly one of `url` and
 * `binding`), and how often a failed delivery is retried.
 */
export const TriggerSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9_-]")
      .describe("The trigger's name, unique: in the queue messages, dead letters and logs."),
    topic: z
      .string()
      .max(256)
      .regex(
        TOPIC_PATTERN,
        'must be a topic pattern: dot-separated non-empty segments, each a name, "*" (one segment) or "#" (one or more)',
      )
      .describe('Topic pattern: "orders.*" matches orders.7; "orders.#" matches orders.7 and orders.7.items.'),
    url: httpUrl.optional().describe("Where deliveries are POSTed (http or https), usually {{env.X}}."),
    binding: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a binding name ([A-Za-z_][A-Za-z0-9_]*)")
      .optional()
      .describe("A service binding (wrangler.toml [[services]]) deliveries are sent to with env.<binding>.fetch."),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(MAX_TRIGGER_RETRIES)
      .default(3)
      .describe(
        "Retries after the first attempt (as Cloudflare Queues counts them), 1 s, 2 s, 4 s ... apart; then the event is kept as a dead letter. At most 16 (about 18 hours of retries), so a message always ends as a delivery or a dead letter within the queue's shortest retention (24 hours on the Free plan).",
      ),
    timeoutMs: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .default(10_000)
      .describe("Time in ms one delivery may take (until the response headers); longer counts as a failed attempt."),
  })
  .strict()
  .superRefine((trigger, ctx) => {
    if ((trigger.url === undefined) === (trigger.binding === undefined)) {
      ctx.addIssue({ code: "custom", path: ["url"], message: "give exactly one of url and binding" });
    }
  });

/** `events`: the event gateway's publishing side (`POST /events/{topic}`, `@publish`). */
export const EventsSchema = z
  .object({
    maxPayloadBytes: z
      .number()
      .int()
      .min(1)
      .default(65_536)
      .describe("Largest event payload accepted by POST /events/{topic}, in bytes (413 PAYLOAD_TOO_LARGE above)."),
    triggers: z
      .array(TriggerSchema)
      .default([])
      .superRefine((triggers, ctx) => {
        const seen = new Set<string>();
        triggers.forEach((trigger, index) => {
          if (seen.has(trigger.name)) {
            ctx.addIssue({
              code: "custom",
              path: [index, "name"],
              message: `duplicate trigger name "${trigger.name}"`,
            });
          }
          seen.add(trigger.name);
        });
      })
      .describe(
        "Event triggers: every event published on a matching topic is delivered in the background (through the EVENT_TRIGGERS Cloudflare Queue) to the trigger's url or service binding, with retries.",
      ),
  })
  .strict();

/** The `realtime` section with defaults applied. */
export type RealtimeConfig = z.output<typeof RealtimeSchema>;
/** One `events.triggers` entry with defaults applied. */
export type TriggerConfig = z.output<typeof TriggerSchema>;
/** The `events` section with defaults applied. */
export type EventsConfig = z.output<typeof EventsSchema>;
