/**
 * triggers/: event triggers (`events.triggers`): every event published on a matching topic (by
 * `POST /events/{topic}` or `@publish`, both through `publishEvent` of src/events) is put on the
 * `EVENT_TRIGGERS` Cloudflare Queue, one message per trigger (triggers.ts, messages.ts, topic patterns in
 * topics.ts); the Worker's `queue()` handler delivers them with retries and backoff (consumer.ts) and keeps
 * what still fails as dead letters in KV (dead-letters.ts), listed and resent by `/admin/events/dead`.
 */

export {
  createTriggerConsumer,
  MAX_RETRY_DELAY_SECONDS,
  retryDelaySeconds,
  type TriggerConsumer,
  type TriggerConsumerOptions,
} from "./consumer";
export {
  createDeadLetterStore,
  type DeadLetter,
  type DeadLetterStore,
  type DeadLetterSummary,
  MAX_LIST_PAGES,
} from "./dead-letters";
export {
  EVENT_ATTEMPT_HEADER,
  EVENT_ID_HEADER,
  EVENT_TOPIC_HEADER,
  EVENT_TRIGGER_HEADER,
  MAX_MESSAGE_BYTES,
  readTriggerMessage,
  signPayload,
  type TriggerMessage,
} from "./messages";
export { topicMatches } from "./topics";
export {
  createEventTriggers,
  type EventTriggers,
  type EventTriggersOptions,
  TRIGGER_QUEUE_BINDING,
  triggerBindingProblems,
} from "./triggers";
