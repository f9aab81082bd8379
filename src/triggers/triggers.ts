import type { TriggerConfig } from "../config";
import { type ConfigProblem, ErrorCode, GatewayError } from "../errors";
import type { EventTriggerSink } from "../shared";
import { isServiceBinding } from "../upstream";
import { createDeadLetterStore, type DeadLetter, type DeadLetterStore } from "./dead-letters";
import { signPayload, type TriggerEvent, type TriggerMessage, triggerMessage } from "./messages";
import { topicMatches } from "./topics";

/** The binding of the queue event triggers go through (wrangler.toml `[[queues.producers]]`). */
export const TRIGGER_QUEUE_BINDING = "EVENT_TRIGGERS";

/** The gateway's event triggers: enqueuing published events, and its dead letters. */
export interface EventTriggers extends EventTriggerSink {
  /** The configured triggers. */
  readonly triggers: readonly TriggerConfig[];
  /** The trigger with this name as configured now, or undefined. */
  byName(name: string): TriggerConfig | undefined;
  /**
   * The gateway's dead letters.
   * @param env - the Worker's bindings (`SCHEMA_CACHE`)
   */
  deadLetters(env: Env): DeadLetterStore;
  /**
   * Resends a dead letter to its trigger as configured now (same event id, topic and payload; a fresh
   * signature and attempt count).
   * @param env - the Worker's bindings
   * @param letter - the dead letter
   * @throws GatewayError `EVENT_TRIGGER_NOT_CONFIGURED` when its trigger is gone; `EVENT_ENQUEUE_FAILED`
   *   when the queue refuses the message
   */
  resend(env: Env, letter: DeadLetter): Promise<void>;
}

/** Options of {@link createEventTriggers}. */
export interface EventTriggersOptions {
  /** `events.triggers`, validated. */
  triggers: readonly TriggerConfig[];
  /** The gateway's KV prefix, under which its dead letters are kept. @default "junction:" */
  kvPrefix?: string;
}

/** The queue binding, when bound. */
function queueOf(env: Env): Queue<TriggerMessage> | undefined {
  const queue = (env as unknown as Record<string, unknown>)[TRIGGER_QUEUE_BINDING] as
    | Partial<Queue<TriggerMessage>>
    | undefined;
  return typeof queue?.send === "function" ? (queue as Queue<TriggerMessage>) : undefined;
}

/** EVENTS_SECRET, when set. */
function secretOf(env: Env): string | undefined {
  const secret: unknown = (env as unknown as Record<string, unknown>).EVENTS_SECRET;
  return typeof secret === "string" && secret !== "" ? secret : undefined;
}

/**
 * Sends messages to the trigger queue, all or fail.
 * @throws GatewayError `EVENT_ENQUEUE_FAILED` when the queue is not bound or refuses a message
 */
async function send(env: Env, messages: readonly TriggerMessage[]): Promise<void> {
  const queue = queueOf(env);
  if (queue === undefined) {
    throw new GatewayError(ErrorCode.EVENT_ENQUEUE_FAILED, `The ${TRIGGER_QUEUE_BINDING} queue is not bound.`);
  }
  try {
    await Promise.all(messages.map((message) => queue.send(message, { contentType: "json" })));
  } catch (error) {
    throw new GatewayError(
      ErrorCode.EVENT_ENQUEUE_FAILED,
      `The ${TRIGGER_QUEUE_BINDING} queue refused the event: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Builds the gateway's event triggers from `events.triggers`.
 * @param options - the triggers and the KV prefix
 * @returns the triggers: `enqueue` for publishing (see EventTriggerSink), dead letters, resends
 */
export function createEventTriggers(options: EventTriggersOptions): EventTriggers {
  const triggers = options.triggers;
  const prefix = options.kvPrefix ?? "junction:";
  const byName = new Map(triggers.map((trigger) => [trigger.name, trigger]));
  const signed = async (env: Env, payload: string): Promise<string> => {
    const secret = secretOf(env);
    if (secret === undefined) {
      throw new GatewayError(ErrorCode.EVENT_ENQUEUE_FAILED, "EVENTS_SECRET is not set: deliveries cannot be signed.");
    }
    return signPayload(payload, secret);
  };
  return {
    triggers,
    count: triggers.length,
    byName: (name) => byName.get(name),
    deadLetters: (env) => createDeadLetterStore(env.SCHEMA_CACHE, prefix),
    async enqueue(env, topic, payload) {
      const matching = triggers.filter((trigger) => topicMatches(trigger.topic, topic));
      if (matching.length === 0) return 0;
      const event: TriggerEvent = {
        eventId: crypto.randomUUID(),
        topic,
        payload,
        publishedAt: new Date().toISOString(),
      };
      const signature = await signed(env, payload);
      await send(
        env,
        matching.map((trigger) => triggerMessage(trigger, event, signature, prefix)),
      );
      return matching.length;
    },
    async resend(env, letter) {
      const trigger = byName.get(letter.trigger);
      if (trigger === undefined) {
        throw new GatewayError(
          ErrorCode.EVENT_TRIGGER_NOT_CONFIGURED,
          `Dead letter ${letter.id} is for trigger "${letter.trigger}", which events.triggers no longer has.`,
        );
      }
      const event: TriggerEvent = {
        eventId: letter.eventId,
        topic: letter.topic,
        payload: letter.payload,
        publishedAt: letter.publishedAt,
      };
      await send(env, [triggerMessage(trigger, event, await signed(env, letter.payload), prefix)]);
    },
  };
}

/**
 * What `events.triggers` needs from the bindings, checked at startup: the `EVENT_TRIGGERS` queue, the
 * `EVENTS_SECRET` secret (deliveries are signed), and each `binding` target as a service binding.
 * @param triggers - `events.triggers`
 * @param env - the Worker's bindings
 * @returns the problems, located at `$.events.triggers...` (none without triggers)
 */
export function triggerBindingProblems(triggers: readonly TriggerConfig[], env: Env): ConfigProblem[] {
  if (triggers.length === 0) return [];
  const problems: ConfigProblem[] = [];
  if (queueOf(env) === undefined) {
    problems.push({
      path: "$.events.triggers",
      message: `event triggers need the ${TRIGGER_QUEUE_BINDING} queue: add [[queues.producers]] with binding = "${TRIGGER_QUEUE_BINDING}" (and its [[queues.consumers]]) to wrangler.toml`,
    });
  }
  if (secretOf(env) === undefined) {
    problems.push({
      path: "$.events.triggers",
      message: "event triggers sign their deliveries with EVENTS_SECRET: set it (wrangler secret put EVENTS_SECRET)",
    });
  }
  triggers.forEach((trigger, index) => {
    if (trigger.binding === undefined) return;
    if (!isServiceBinding((env as unknown as Record<string, unknown>)[trigger.binding])) {
      problems.push({
        path: `$.events.triggers[${index}].binding`,
        message: `no service binding "${trigger.binding}": declare it in wrangler.toml [[services]]`,
      });
    }
  });
  return problems;
}
