/**
 * realtime/: subscriptions over `graphql-transport-ws` and GraphQL over SSE. The `RealtimeShard`
 * Durable Object (shard.ts) holds connections (hibernatable WebSockets, SSE streams) and their
 * subscriptions in SQLite storage, and runs each event once per sharing group; socket.ts is the
 * WebSocket protocol's state machine, sse.ts the event streams, operations.ts validation and execution,
 * entry.ts the Worker side (routing upgrades and SSE subscriptions on /graphql to a shard). Topics, the
 * hub and publishing are in src/events.
 */

export { realtimeUpgrade, routeEventStream } from "./entry";
export { createRealtimeObjects } from "./objects";
export type { RealtimeOptions } from "./shard";
