/**
 * streams/: subscriptions on remote schemas, upstream side. The `RemoteStream` Durable Object
 * (stream-object.ts) holds one upstream subscription (run.ts: headers, reconnects, hand-over) over GraphQL
 * over SSE (sse.ts, graphql-sse's client) or `graphql-transport-ws` (graphql-ws.ts, an outgoing WebSocket
 * made with fetch), and hands each result to the topic's hub (src/events). The shard side (capturing
 * the delegated subscription, completing each result) is src/realtime/remote.ts.
 */
export { reconnectDelay } from "./run";
export { createStreamClass, type StreamOptions } from "./stream-object";
