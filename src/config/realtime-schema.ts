import * as z from "zod";

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

/** `events`: the event gateway's publishing side (`POST /events/{topic}`, `@publish`). */
export const EventsSchema = z
  .object({
    maxPayloadBytes: z
      .number()
      .int()
      .min(1)
      .default(65_536)
      .describe("Largest event payload accepted by POST /events/{topic}, in bytes (413 PAYLOAD_TOO_LARGE above)."),
  })
  .strict();

/** The `realtime` section with defaults applied. */
export type RealtimeConfig = z.output<typeof RealtimeSchema>;
/** The `events` section with defaults applied. */
export type EventsConfig = z.output<typeof EventsSchema>;
