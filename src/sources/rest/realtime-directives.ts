import {
  type FieldDefinitionNode,
  type FieldNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";
import { type ConfigProblem, ErrorCode, GatewayError, nodeLocation } from "../../errors";
import { templateReferences } from "../../templates";

/**
 * The realtime directives of schemas/*.graphql, read and stripped like @rest/@join:
 * - `@topic(name: "orders.{args.id}", share: "session" | "role")` on a Subscription field binds it to
 *   an event topic (src/events, src/realtime);
 * - `@merge(keyField: "id", keyArg: "id")` on a Query field bound with @rest marks it as its type's key
 *   lookup (the @graphql-tools/stitching-directives vocabulary): an event payload that carries only the
 *   key of such a type is completed through it.
 * @see https://the-guild.dev/graphql/stitching/docs/approaches/stitching-directives
 */

/** A Subscription field bound to a topic. */
export interface TopicBinding {
  /** The Subscription field's name. */
  fieldName: string;
  /** The topic template: `{args.x}` and `{session.x}` references. */
  template: string;
  /**
   * Who shares one execution per event: `session` (subscriptions with the same document, variables and
   * session) or `role` (the same document and variables, any user of the same role).
   * @default "session"
   */
  share: "session" | "role";
  /** `file:line:column` of the field. */
  location: string;
}

/** A Query field marked as the key lookup of its type with `@merge(keyField:)`. */
export interface KeyLookup {
  /** The type it returns (the looked-up type). */
  typeName: string;
  /** The Query field. */
  fieldName: string;
  /** The field of the type holding the key. */
  keyField: string;
  /** The lookup field's argument receiving the key. */
  keyArg: string;
}

/** Names of the realtime directives, stripped before the schema is built. */
export const REALTIME_DIRECTIVES = new Set(["topic", "merge"]);

const argumentsOf = (field: FieldDefinitionNode, name: string): Record<string, unknown> | undefined => {
  const directive = field.directives?.find((d) => d.name.value === name);
  if (directive === undefined) return undefined;
  return Object.fromEntries((directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
};

/**
 * Reads `@topic` and `@merge` of one field, checking where they may appear and their arguments.
 * @param typeName - the parent type
 * @param field - the field
 * @param hasRest - whether the field is bound with @rest (a key lookup must be)
 * @param problems - receives each problem, located `file:line:column`
 * @returns the field's topic binding and key lookup (without `typeName`, filled in once the schema is built)
 */
export function readRealtimeDirectives(
  typeName: string,
  field: FieldDefinitionNode,
  hasRest: boolean,
  problems: ConfigProblem[],
): { topic?: TopicBinding; merge?: Omit<KeyLookup, "typeName"> } {
  const label = `${typeName}.${field.name.value}`;
  const at = nodeLocation(field);
  const out: { topic?: TopicBinding; merge?: Omit<KeyLookup, "typeName"> } = {};
  const topic = argumentsOf(field, "topic");
  if (typeName === "Subscription" && topic === undefined) {
    problems.push({
      path: at,
      message: `${label} needs @topic(name: "...") (the event topic it receives): nothing else publishes to a Subscription field of schemas/`,
    });
  }
  if (topic !== undefined) {
    const unknown = Object.keys(topic).filter((key) => key !== "name" && key !== "share");
    const argumentNames = new Set((field.arguments ?? []).map((arg) => arg.name.value));
    if (typeName !== "Subscription") {
      problems.push({ path: at, message: `@topic on ${label}: @topic belongs on Subscription fields` });
    } else if (unknown.length > 0) {
      problems.push({
        path: at,
        message: `@topic on ${label} has unknown argument(s) ${unknown.join(", ")} (known: name, share)`,
      });
    } else if (typeof topic.name !== "string" || topic.name === "") {
      problems.push({ path: at, message: `@topic on ${label} needs name: a non-empty string` });
    } else if (topic.share !== undefined && topic.share !== "session" && topic.share !== "role") {
      problems.push({ path: at, message: `@topic on ${label}: share must be "session" or "role"` });
    } else {
      let ok = true;
      for (const reference of templateReferences(topic.name)) {
        if (
          reference.root === "parent" ||
          (reference.root === "args" && !argumentNames.has(reference.path[0] as string))
        ) {
          problems.push({
            path: at,
            message: `@topic on ${label}: template ${reference.text} ${reference.root === "parent" ? "reads the parent of a root field" : `needs argument "${reference.path[0]}", which the field does not declare`}`,
          });
          ok = false;
        }
      }
      if (ok) {
        out.topic = {
          fieldName: field.name.value,
          template: topic.name,
          share: topic.share === "role" ? "role" : "session",
          location: at,
        };
      }
    }
  }
  const merge = argumentsOf(field, "merge");
  if (merge !== undefined) {
    const keyArg = merge.keyArg ?? (field.arguments?.length === 1 ? field.arguments[0]?.name.value : undefined);
    if (typeName !== "Query" || !hasRest) {
      problems.push({ path: at, message: `@merge on ${label}: a key lookup is a Query field bound with @rest` });
    } else if (typeof merge.keyField !== "string" || merge.keyField === "") {
      problems.push({ path: at, message: `@merge on ${label} needs keyField: the name of the key field` });
    } else if (typeof keyArg !== "string" || !(field.arguments ?? []).some((arg) => arg.name.value === keyArg)) {
      problems.push({
        path: at,
        message: `@merge on ${label}: say which argument receives the key with keyArg (the field has ${field.arguments?.length ?? 0} arguments)`,
      });
    } else {
      out.merge = { fieldName: field.name.value, keyField: merge.keyField, keyArg };
    }
  }
  return out;
}

/** The names of the fields a selection set selects (through fragments), without `__typename`. */
function selectedNames(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  info: GraphQLResolveInfo,
): Set<string> {
  const names = new Set<string>();
  const visit = (set: SelectionSetNode | undefined, depth: number): void => {
    if (set === undefined || depth > 32) return;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== "__typename") names.add(selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet, depth + 1);
      } else {
        visit(info.fragments[selection.name.value]?.selectionSet, depth + 1);
      }
    }
  };
  for (const set of selectionSets) visit(set, 0);
  return names;
}

/** What completing key-only payloads needs: the lookups and the fields that resolve themselves. */
export interface CompletionSources {
  /** Type name -> its key lookup and the lookup field's resolver. */
  lookups: ReadonlyMap<string, KeyLookup & { resolve: GraphQLFieldResolver<unknown, unknown> }>;
  /** Type name -> its fields bound with @rest or @join (never expected in a payload). */
  boundFields: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * The resolver of a topic-bound Subscription field when an event is executed: the event payload is the
 * field's value (the root value of the execution). An object payload that lacks a selected field (one
 * not bound with @rest/@join) and carries its type's key is completed through the type's key lookup:
 * one call per execution; the payload's own fields win over the lookup's. Lists are completed item by item.
 * @param sources - key lookups and bound fields of the local SDL
 * @returns the resolver
 */
export function topicFieldResolver(sources: CompletionSources): GraphQLFieldResolver<unknown, unknown> {
  const complete = (value: unknown, typeName: string, context: unknown, info: GraphQLResolveInfo): unknown => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const lookup = sources.lookups.get(typeName);
    if (lookup === undefined) return value;
    const payload = value as Record<string, unknown>;
    const bound = sources.boundFields.get(typeName);
    const selected = selectedNames(
      info.fieldNodes.map((node: FieldNode) => node.selectionSet),
      info,
    );
    const lacks = [...selected].some((name) => !(name in payload) && bound?.has(name) !== true);
    const key = payload[lookup.keyField];
    if (!lacks || key === undefined || key === null) return value;
    // The payload's own fields win: only what it lacks comes from the lookup.
    return Promise.resolve(lookup.resolve(undefined, { [lookup.keyArg]: key }, context, info)).then((found) =>
      found !== null && typeof found === "object" && !Array.isArray(found) ? { ...found, ...payload } : found,
    );
  };
  return (payload, _args, context, info) => {
    const named = getNamedType(info.returnType);
    if (!isObjectType(named)) return payload;
    if (isListType(getNullableType(info.returnType)) && Array.isArray(payload)) {
      return Promise.all(payload.map((item) => complete(item, named.name, context, info)));
    }
    return complete(payload, named.name, context, info);
  };
}

/**
 * The `subscribe` of a topic-bound field outside the realtime layer: a subscription that reaches
 * graphql-js through a plain HTTP request (not a WebSocket or an event stream).
 * @throws GatewayError `SUBSCRIPTION_TRANSPORT_REQUIRED`, always
 */
export function subscribeOverHttp(): never {
  throw new GatewayError(
    ErrorCode.SUBSCRIPTION_TRANSPORT_REQUIRED,
    "Subscriptions are served over WebSocket (graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream) on /graphql.",
  );
}
