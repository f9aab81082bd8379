import type { EventTriggerSink } from "../shared";
import { topicHub } from "./hub";
import { checkTopic } from "./topics";

/**
 * Publishes an event to a topic: first to the event triggers (one queue message per trigger whose
 * pattern matches, src/triggers; only the enqueue is awaited, never a delivery), then through the
 * topic's hub to every subscription on the topic, on every connection shard (in publish order per
 * topic). Enqueuing first means an event the queue refuses reaches nobody, so the publisher may simply
 * retry. Used by `POST /events/{topic}` and `@publish`: the one place both reach.
 * @param env - the Worker's bindings (`REALTIME_HUB`, `REALTIME`, `EVENT_TRIGGERS`)
 * @param topic - the topic
 * @param payload - the event payload as JSON text (the subscription field's value), already checked to parse
 * @param triggers - the gateway's event triggers; none when absent
 * @returns `{ topic, subscribers }`: the number of subscriptions the event was delivered to; and
 *   `triggers`, the number of trigger messages enqueued, when the gateway has triggers
 * @throws GatewayError `INVALID_TOPIC` for a malformed topic name; `PAYLOAD_TOO_LARGE` or
 *   `EVENT_ENQUEUE_FAILED` from the triggers (see EventTriggerSink)
 */
export async function publishEvent(
  env: Env,
  topic: string,
  payload: string,
  triggers?: EventTriggerSink,
): Promise<{ topic: string; subscribers: number; triggers?: number }> {
  checkTopic(topic);
  const enqueued =
    triggers === undefined || triggers.count === 0 ? undefined : await triggers.enqueue(env, topic, payload);
  const subscribers = await topicHub(env, topic).publish(topic, payload);
  return enqueued === undefined ? { topic, subscribers } : { topic, subscribers, triggers: enqueued };
}
