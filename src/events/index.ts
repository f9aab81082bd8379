/**
 * events/: the event gateway's topics. The `RealtimeHub` Durable Object (one per topic: which connection
 * shards subscribe, publishing in order; one per user: open connections), publishing (`publishEvent`),
 * topic names, the `POST /events/{topic}` route (route.ts), and `@publish` on mutation fields: topic
 * template checks and the resolver wrapper (publish-field.ts), the fields a remote mutation's selection
 * gains and its payload (publish-selection.ts). Connections and subscriptions themselves live in src/realtime.
 */
export { RealtimeHub, type ShardRpc, type ShardStats, shardName, shardStub, topicHub, userHub } from "./hub";
export { publishEvent } from "./publish";
export {
  PUBLISH_TIMEOUT_MS,
  type PublishBinding,
  publishFieldProblems,
  renderTopic,
  topicTemplateProblems,
  withPublish,
} from "./publish-field";
export { PUBLISH_ALIAS_PREFIX, responsePayload, resultPaths, withTemplateSelections } from "./publish-selection";
export { EVENT_SIGNATURE_HEADER, type EventsEnv, eventRoutes } from "./route";
export {
  isRemoteTopic,
  REMOTE_TOPIC_PREFIX,
  type StreamContext,
  type StreamRpc,
  type StreamSpec,
  streamStub,
} from "./streams";
export { checkTopic, MAX_TOPIC_LENGTH } from "./topics";
