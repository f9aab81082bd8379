/**
 * realtime/: subscriptions over `graphql-transport-ws` and GraphQL over SSE. The `RealtimeShard`
 * Durable Object holds connections (hibernatable WebSockets, SSE streams) and their subscriptions in
 * SQLite storage, and runs each event once per distinct (document, variables, session); `realtimeEntry`
 * routes WebSocket upgrades and SSE subscriptions on /graphql to a shard. Topics and publishing are in
 * src/events.
 */
export { createRealtimeObjects } from "./objects";
