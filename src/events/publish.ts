import { topicHub } from "./hub";
import { checkTopic } from "./topics";

/**
 * Publishes an event to a topic through the topic's hub: every subscription on the topic, on every
 * connection shard, receives it (in publish order per topic). Used by `POST /events/{topic}` and `@publish`.
 * @param env - the Worker's bindings (`REALTIME_HUB`, `REALTIME`)
 * @param topic - the topic
 * @param payload - the event payload as JSON text (the subscription field's value), already checked to parse
 * @returns `{ topic, subscribers }`: the number of subscriptions the event was delivered to
 * @throws GatewayError `INVALID_TOPIC` for a malformed topic name
 */
export async function publishEvent(
  env: Env,
  topic: string,
  payload: string,
): Promise<{ topic: string; subscribers: number }> {
  checkTopic(topic);
  const subscribers = await topicHub(env, topic).publish(topic, payload);
  return { topic, subscribers };
}
