/**
 * The `events.triggers` of schemas/gateway.json against wrangler.toml: triggers need the EVENT_TRIGGERS
 * queue, produced to (`[[queues.producers]]`) and consumed (`[[queues.consumers]]` of the same queue) by
 * this Worker, and each trigger's `binding` declared as a service binding (`[[services]]`). Only the
 * top-level entries are read (wrangler does not inherit bindings into `[env.*]`). The Worker checks the
 * same at startup (src/triggers triggerBindingProblems); this makes `npm run check` fail first.
 * Internal helper of check-config.mjs; wrangler.toml is parsed with smol-toml (the parser wrangler uses).
 */
import { serviceBindingProblems } from "./check-service-bindings.mjs";
import { readWranglerToml } from "./wrangler-toml.mjs";

/** The queue binding event triggers use (src/triggers TRIGGER_QUEUE_BINDING). */
export const TRIGGER_QUEUE_BINDING = "EVENT_TRIGGERS";

/**
 * Compares the triggers with the bindings of a wrangler.toml.
 * @param {ReadonlyArray<{ name: string, binding?: string }>} triggers the validated `events.triggers`
 * @param {string} text the text of wrangler.toml
 * @param {string} file how the wrangler.toml is named in messages
 * @returns {{ path: string, message: string }[]} one problem for a missing producer or consumer of the
 *   queue (at `$.events.triggers`), one per undeclared service binding (at `$.events.triggers[i].binding`),
 *   one for `file` when it is not TOML; none without triggers
 */
export function triggerBindingProblems(triggers, text, file = "wrangler.toml") {
  if (triggers.length === 0) return [];
  const read = readWranglerToml(text, file);
  if ("problem" in read) return [read.problem];
  const config = read.config;
  const problems = [];
  const producers = Array.isArray(config.queues?.producers) ? config.queues.producers : [];
  const consumers = Array.isArray(config.queues?.consumers) ? config.queues.consumers : [];
  const producer = producers.find((entry) => entry?.binding === TRIGGER_QUEUE_BINDING);
  if (producer === undefined) {
    problems.push({
      path: "$.events.triggers",
      message: `event triggers need the ${TRIGGER_QUEUE_BINDING} queue: ${file} has no [[queues.producers]] with binding = "${TRIGGER_QUEUE_BINDING}"`,
    });
  } else if (!consumers.some((entry) => entry?.queue === producer.queue)) {
    problems.push({
      path: "$.events.triggers",
      message: `nothing delivers the events: ${file} has no [[queues.consumers]] for queue "${producer.queue}" (this Worker consumes it)`,
    });
  }
  // Binding targets: the same rule and message as the bindings of remotes and services.
  const references = triggers.flatMap((trigger, index) =>
    trigger.binding === undefined ? [] : [{ path: `$.events.triggers[${index}].binding`, binding: trigger.binding }],
  );
  return [...problems, ...serviceBindingProblems(references, text, file)];
}
