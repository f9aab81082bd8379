import { ErrorCode, GatewayError } from "../errors";

/** The longest topic name, in characters (a Durable Object name and a WebSocket tag stay well within limits). */
export const MAX_TOPIC_LENGTH = 256;

/**
 * A topic name: dot-separated segments, none empty; no whitespace, `/`, `*` or `#` (the last two are
 * reserved for wildcard patterns).
 */
const TOPIC = /^[^\s/*#.]+(\.[^\s/*#.]+)*$/;

/**
 * Checks a topic name (from `POST /events/{topic}`, a rendered `@topic` or `@publish` template).
 * @param topic - the name
 * @returns the same name
 * @throws GatewayError `INVALID_TOPIC` (400) when it is empty, longer than {@link MAX_TOPIC_LENGTH}, has an
 *   empty segment (`orders..7`, `orders.`), or a character outside the rule above
 */
export function checkTopic(topic: string): string {
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH || !TOPIC.test(topic)) {
    throw new GatewayError(
      ErrorCode.INVALID_TOPIC,
      `Invalid topic ${JSON.stringify(topic.slice(0, 80))}: a topic is 1-${MAX_TOPIC_LENGTH} characters of dot-separated, non-empty segments without whitespace, "/", "*" or "#".`,
    );
  }
  return topic;
}
