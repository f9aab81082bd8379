/**
 * events/: the event gateway's topics. The `RealtimeHub` Durable Object (one per topic: which connection
 * shards subscribe, publishing in order; one per user: open connections), publishing (`publishEvent`),
 * topic names, the `POST /events/{topic}` route (route.ts). Connections and subscriptions themselves
 * live in src/realtime.
 */
export { RealtimeHub, type ShardRpc, shardName, shardStub, topicHub, userHub } from "./hub";
export { publishEvent } from "./publish";
export { EVENT_SIGNATURE_HEADER, type EventsEnv, eventRoutes } from "./route";
export { checkTopic, MAX_TOPIC_LENGTH } from "./topics";
