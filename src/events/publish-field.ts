import {
  defaultFieldResolver,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  getNullableType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
} from "graphql";
import { ErrorCode, GatewayError } from "../errors";
import type { GatewayContext } from "../shared";
import { fieldScope, renderTemplate, type TemplateScope, templateReferences, valueAt } from "../templates";
import { publishEvent } from "./publish";
import { checkTopic } from "./topics";

/**
 * `@publish(topic: "orders.{result.id}")` on mutation fields (REST fields in schemas/*.graphql, a remote's
 * `publish` entries): the topic template's checks, its rendering, and the resolver wrapper that
 * publishes a mutation's result once it succeeded.
 */

/** How long a mutation waits for its publish before answering anyway (ms); the publish goes on in the background. */
export const PUBLISH_TIMEOUT_MS = 5_000;

/** The roots a topic template may read. */
const TOPIC_ROOTS = new Set(["result", "args", "session"]);

/**
 * Checks a topic template on its own (no schema needed): it reads only `{result.x}`, `{args.x}` and
 * `{session.x}` (dotted paths allowed), has no other brace, and renders a well-formed topic (see
 * checkTopic) when every reference is a plain value.
 * @param template - e.g. `orders.{result.id}`
 * @returns one message per problem (empty when it is fine)
 */
export function topicTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  let plain = template;
  for (const reference of templateReferences(template)) {
    if (!TOPIC_ROOTS.has(reference.root)) {
      problems.push(
        `topic template ${JSON.stringify(template)} reads ${reference.text}; a topic reads {result.x}, {args.x} or {session.x}`,
      );
    }
    plain = plain.replaceAll(reference.text, "x");
  }
  if (/[{}]/.test(plain)) {
    problems.push(
      `topic template ${JSON.stringify(template)} has a brace outside a {result.x}, {args.x} or {session.x} reference`,
    );
  } else {
    try {
      checkTopic(plain);
    } catch (error) {
      problems.push(
        `topic template ${JSON.stringify(template)} does not render a valid topic: ${(error as Error).message}`,
      );
    }
  }
  return problems;
}

/**
 * Checks a topic template against the mutation field it publishes: each `{args.x}` names an argument of
 * the field, and each `{result.a.b}` walks fields of the field's type (objects and interfaces, no list
 * on the way) to a scalar or enum, so it renders one topic segment.
 * @param template - the topic template (already checked by {@link topicTemplateProblems})
 * @param field - the mutation field, in the schema whose names the template uses
 * @returns one message per problem
 */
export function publishFieldProblems(template: string, field: GraphQLField<unknown, unknown>): string[] {
  const problems: string[] = [];
  const argumentNames = new Set(field.args.map((arg) => arg.name));
  for (const reference of templateReferences(template)) {
    if (reference.root === "args" && !argumentNames.has(reference.path[0] as string)) {
      problems.push(`${reference.text} needs argument "${reference.path[0]}", which ${field.name} does not declare`);
    }
    if (reference.root !== "result") continue;
    let type = field.type;
    let at = "result";
    let walked = true;
    for (const step of reference.path) {
      const current = getNullableType(type);
      if (isListType(current)) {
        problems.push(`${reference.text}: ${at} is a list; a topic reads one value`);
        walked = false;
        break;
      }
      if (!isObjectType(current) && !isInterfaceType(current)) {
        problems.push(`${reference.text}: ${at} is ${String(current)}, which has no field "${step}"`);
        walked = false;
        break;
      }
      const next = current.getFields()[step];
      if (next === undefined) {
        problems.push(`${reference.text} names field "${step}", which type ${current.name} does not have`);
        walked = false;
        break;
      }
      type = next.type;
      at = `${at}.${step}`;
    }
    if (walked && !isLeafType(getNullableType(type))) {
      problems.push(`${reference.text} is ${String(type)}; a topic segment needs a scalar or enum`);
    }
  }
  return problems;
}

/**
 * Renders a topic template for one mutation.
 * @param template - the topic template
 * @param scope - the field's arguments, the session and the result
 * @returns the topic
 * @throws GatewayError INVALID_TOPIC when a `{result.x}` / `{args.x}` has no value (null, missing) or the
 *   rendered name is not a topic; ValidationError MISSING_SESSION_VARIABLE for a `{session.x}` the session lacks
 */
export function renderTopic(template: string, scope: TemplateScope): string {
  for (const reference of templateReferences(template)) {
    if (reference.root === "session") continue;
    const value = valueAt(scope[reference.root], reference.path);
    if (value === undefined || value === null || typeof value === "object" || value === "") {
      throw new GatewayError(
        ErrorCode.INVALID_TOPIC,
        `The topic template ${JSON.stringify(template)} has no value for ${reference.text}.`,
      );
    }
  }
  return checkTopic(renderTemplate(template, scope));
}

/** How a mutation field publishes. */
export interface PublishBinding {
  /** `Mutation.placeOrder` (with its source), for logs. */
  label: string;
  /** The topic template. */
  template: string;
  /**
   * The event payload of a result (a JSON value). @default the result itself (a REST field's mapped JSON)
   */
  payload?: (result: unknown, info: GraphQLResolveInfo) => unknown;
  /**
   * The info the wrapped resolver is called with (a remote's: with the template's fields added to its
   * selection, see withTemplateSelections). @default the info as is
   */
  prepare?: (info: GraphQLResolveInfo) => GraphQLResolveInfo;
}

const isGatewayContext = (value: unknown): value is GatewayContext =>
  typeof value === "object" && value !== null && "env" in value && "log" in value && "executionCtx" in value;

/**
 * Wraps a mutation field's resolver for `@publish`: once the resolver returned a non-null value (no
 * error), the result's JSON (the binding's payload of it) is published to the topic rendered from it
 * (`publishEvent`) before the field resolves, so a client that mutates and then expects the event does
 * not race it. The wait is bounded by
 * {@link PUBLISH_TIMEOUT_MS} (the publish then finishes in the background, `waitUntil`). A publish that
 * fails (no value for the topic, a failed hub) is logged and never fails the mutation. Outside a gateway
 * request context (no `env`) nothing is published.
 *
 * @param resolve - the field's resolver (undefined: graphql-js's default resolver)
 * @param binding - the template and how to get the payload
 * @returns the wrapped resolver
 */
export function withPublish(
  resolve: GraphQLFieldResolver<unknown, unknown> | undefined,
  binding: PublishBinding,
): GraphQLFieldResolver<unknown, unknown> {
  const inner = resolve ?? defaultFieldResolver;
  return async function publishingResolver(parent, args, context, info) {
    const prepared = binding.prepare ? binding.prepare(info) : info;
    const result = await inner(parent, args, context, prepared);
    if (result === null || result === undefined || result instanceof Error || !isGatewayContext(context)) return result;
    const log = context.log;
    let topic: string | undefined;
    try {
      const event = binding.payload ? binding.payload(result, prepared) : result;
      topic = renderTopic(binding.template, { ...fieldScope(parent, args, context), result: event });
      const payload = JSON.stringify(event);
      const publishing = publishEvent(context.env, topic, payload, context.triggers);
      context.executionCtx.waitUntil(publishing.catch(() => undefined));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer from the topic hub within ${PUBLISH_TIMEOUT_MS} ms`)),
          PUBLISH_TIMEOUT_MS,
        );
      });
      try {
        const { subscribers } = await Promise.race([publishing, timeout]);
        const bytes = new TextEncoder().encode(payload).byteLength;
        log.info({ field: binding.label, topic, subscribers, bytes }, "event published");
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      log.error(
        { field: binding.label, topic, error: error instanceof Error ? error.message : String(error) },
        "@publish failed; the mutation's answer is unchanged",
      );
    }
    return result;
  };
}
