import { EVENT_SIGNATURE_HEADER } from "../events";
import type { Logger } from "../observability";
import type { FetchFn } from "../shared";
import { isServiceBinding, serviceBindingFetch } from "../upstream";
import { createDeadLetterStore } from "./dead-letters";
import {
  EVENT_ATTEMPT_HEADER,
  EVENT_ID_HEADER,
  EVENT_TOPIC_HEADER,
  EVENT_TRIGGER_HEADER,
  readTriggerMessage,
  type TriggerMessage,
} from "./messages";

/** The longest wait between two attempts, in seconds: Queues' limit for `delaySeconds` (12 hours). */
export const MAX_RETRY_DELAY_SECONDS = 43_200;

/**
 * The wait before the next attempt after failed attempt `attempts`: 2^(attempts-1) seconds (1, 2, 4, 8,
 * ...), at most {@link MAX_RETRY_DELAY_SECONDS}.
 * @param attempts - the failed attempt's number, 1 for the first (`msg.attempts`)
 * @returns the delay in whole seconds
 * @see https://developers.cloudflare.com/queues/configuration/batching-retries/#delay-messages
 */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(2 ** Math.max(0, Math.min(attempts - 1, 16)), MAX_RETRY_DELAY_SECONDS);
}

/** Options of {@link createTriggerConsumer}. */
export interface TriggerConsumerOptions {
  /** The consumer's logger. */
  log: Logger;
  /** Fetch for `url` targets. @default globalThis.fetch */
  fetch?: FetchFn;
}

/** The queue consumer of event triggers. */
export interface TriggerConsumer {
  /**
   * Handles one batch of the `EVENT_TRIGGERS` queue: every message is delivered at once (concurrently),
   * and each one is acknowledged (2xx, or kept as a dead letter) or retried with backoff on its own.
   * Never throws: a message that cannot be dealt with is retried.
   * @param batch - the batch Queues delivers
   * @param env - the Worker's bindings (`SCHEMA_CACHE` for dead letters; service bindings of `binding` targets)
   */
  queue(batch: MessageBatch<unknown>, env: Env): Promise<void>;
}

/**
 * One delivery: a POST of the payload to the target, with the event's headers and signature, within the
 * message's `timeoutMs` (until the response headers; the body is not read).
 * @returns null when the target answered 2xx; else why not (`HTTP 503`, `timeout after 100 ms`, ...)
 */
async function deliver(message: TriggerMessage, attempt: number, env: Env, fetchFn: FetchFn): Promise<string | null> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, message.timeoutMs);
  const init: RequestInit = {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [EVENT_ID_HEADER]: message.eventId,
      // Header values are bytes: a topic may hold any non-space character, so it is percent-encoded.
      [EVENT_TOPIC_HEADER]: encodeURIComponent(message.topic),
      [EVENT_TRIGGER_HEADER]: message.trigger,
      [EVENT_ATTEMPT_HEADER]: String(attempt),
      [EVENT_SIGNATURE_HEADER]: message.signature,
    },
    body: message.payload,
    redirect: "manual",
    signal: controller.signal,
  };
  try {
    let response: Response;
    if ("binding" in message.target) {
      const bindings = env as unknown as Record<string, unknown>;
      if (!isServiceBinding(bindings[message.target.binding])) return `no service binding ${message.target.binding}`;
      // The URL a bound Worker sees, as for upstreams (src/upstream bindings.ts): https://<binding>.binding/<trigger>.
      const bound = serviceBindingFetch(bindings, message.target.binding);
      response = await bound(`https://${message.target.binding.toLowerCase()}.binding/${message.trigger}`, init);
    } else {
      response = await fetchFn(message.target.url, init);
    }
    await response.body?.cancel().catch(() => undefined);
    return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
  } catch (error) {
    if (timedOut) return `timeout after ${message.timeoutMs} ms`;
    return `fetch failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The consumer of the `EVENT_TRIGGERS` queue (the Worker's `queue()` handler). For each message: a 2xx
 * answer acknowledges it (`msg.ack()`); any other answer, a network failure or a timeout retries it with
 * {@link retryDelaySeconds} (`msg.retry({ delaySeconds })`), until `msg.attempts` exceeds the message's
 * `maxRetries`: then it is stored as a dead letter (KV, see dead-letters.ts) and acknowledged. The
 * consumer, not the queue's `max_retries`, decides (per trigger); `max_retries` in wrangler.toml (100) is
 * above the largest `maxRetries` (16). A body that is not a trigger message is logged and acknowledged.
 *
 * @param options - logger and fetch
 * @returns the consumer
 * @see https://developers.cloudflare.com/queues/configuration/javascript-apis/#message
 */
export function createTriggerConsumer(options: TriggerConsumerOptions): TriggerConsumer {
  const log = options.log;
  const fetchFn: FetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const handle = async (msg: Message<unknown>, env: Env): Promise<void> => {
    const message = readTriggerMessage(msg.body);
    if (message === undefined) {
      log.error({ messageId: msg.id }, "event trigger message dropped: not a trigger message");
      msg.ack();
      return;
    }
    const fields = { trigger: message.trigger, eventId: message.eventId, topic: message.topic, attempt: msg.attempts };
    const failure = await deliver(message, msg.attempts, env, fetchFn);
    if (failure === null) {
      // A first-attempt success is the normal case: logged at debug; a success after failures at info.
      if (msg.attempts > 1) log.info(fields, "event delivered after retries");
      else log.debug(fields, "event delivered");
      msg.ack();
      return;
    }
    if (msg.attempts <= message.maxRetries) {
      const delaySeconds = retryDelaySeconds(msg.attempts);
      log.warn({ ...fields, error: failure, delaySeconds }, "event delivery failed; retrying");
      msg.retry({ delaySeconds });
      return;
    }
    const letter = await createDeadLetterStore(env.SCHEMA_CACHE, message.deadLetterPrefix).put({
      eventId: message.eventId,
      trigger: message.trigger,
      topic: message.topic,
      attempts: msg.attempts,
      lastError: failure,
      payload: message.payload,
      publishedAt: message.publishedAt,
    });
    log.error({ ...fields, error: failure, deadLetter: letter.id }, "event delivery failed; kept as a dead letter");
    msg.ack();
  };
  return {
    async queue(batch, env) {
      await Promise.all(
        batch.messages.map((msg) =>
          handle(msg, env).catch((error: unknown) => {
            log.error(
              { messageId: msg.id, error: error instanceof Error ? error.message : String(error) },
              "event trigger message failed; retrying",
            );
            msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
          }),
        ),
      );
    },
  };
}
