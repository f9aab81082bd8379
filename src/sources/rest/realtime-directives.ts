import { delegateToSchema, type StitchingInfo } from "@graphql-tools/delegate";
import {
  type FieldDefinitionNode,
  type FieldNode,
  GraphQLError,
  type GraphQLFieldResolver,
  GraphQLList,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type SelectionSetNode,
  specifiedScalarTypes,
  valueFromASTUntyped,
} from "graphql";
import { type ConfigProblem, ErrorCode, GatewayError, nodeLocation } from "../../errors";
import { namedTypeName } from "../../shared";
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

/** A `@merge` as read from the SDL, before its type is known. */
export type MergeEntry = Omit<KeyLookup, "typeName"> & {
  /** `file:line:column` of the field. */
  location: string;
};

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
): { topic?: TopicBinding; merge?: MergeEntry } {
  const label = `${typeName}.${field.name.value}`;
  const at = nodeLocation(field);
  const out: { topic?: TopicBinding; merge?: MergeEntry } = {};
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
      out.merge = { fieldName: field.name.value, keyField: merge.keyField, keyArg, location: at };
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
 * one call per execution; the payload's own fields win over the lookup's. A type of a remote is looked up
 * through the remote's `merge` entry (see remoteLookup). Lists are completed item by item.
 * @param sources - key lookups and bound fields of the local SDL
 * @returns the resolver
 */
export function topicFieldResolver(sources: CompletionSources): GraphQLFieldResolver<unknown, unknown> {
  const complete = (value: unknown, typeName: string, context: unknown, info: GraphQLResolveInfo): unknown => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const payload = value as Record<string, unknown>;
    const bound = sources.boundFields.get(typeName);
    const selected = selectedNames(
      info.fieldNodes.map((node: FieldNode) => node.selectionSet),
      info,
    );
    const lacks = [...selected].some((name) => !(name in payload) && bound?.has(name) !== true);
    if (!lacks) return value;
    // The payload's own fields win: only what it lacks comes from the lookup.
    const withPayload = (found: unknown): unknown =>
      found !== null && typeof found === "object" && !Array.isArray(found) ? { ...found, ...payload } : found;
    const lookup = sources.lookups.get(typeName);
    if (lookup !== undefined) {
      const key = payload[lookup.keyField];
      if (key === undefined || key === null) return value;
      return Promise.resolve(lookup.resolve(undefined, { [lookup.keyArg]: key }, context, info)).then(withPayload);
    }
    // A remote's answer stays the object stitching annotated (its keys are response keys): the payload's
    // fields are written onto it.
    const found = remoteLookup(payload, typeName, context, info);
    return found === undefined
      ? value
      : found.then((object: unknown) =>
          object !== null && typeof object === "object" && !Array.isArray(object)
            ? Object.assign(object, payload)
            : object,
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
 * Looks an object of a remote's type up through the remote's `merge` entry (its key lookup, as type
 * merging calls it): `resolver(argument: [key])` for a list resolver, `resolver(argument: key)` otherwise,
 * delegated to the remote's subschema with the subscription field's selection, so fields of other sources
 * merged into the type are fetched as in any query.
 * @returns the object (null when the remote has none), or undefined when no remote merges the type or the
 *   payload lacks its key
 */
function remoteLookup(
  payload: Record<string, unknown>,
  typeName: string,
  context: unknown,
  info: GraphQLResolveInfo,
): Promise<unknown> | undefined {
  const stitching = info.schema.extensions?.stitchingInfo as StitchingInfo | undefined;
  const type = getNamedType(info.returnType) as GraphQLObjectType;
  for (const subschema of stitching?.subschemaMap.values() ?? []) {
    const config = subschema.merge?.[typeName];
    if (config?.fieldName === undefined) continue;
    let args: Record<string, unknown>;
    let many: boolean;
    if (config.argsFromKeys !== undefined && config.key !== undefined) {
      const key = config.key(payload);
      if (key === undefined || key === null) return undefined;
      args = config.argsFromKeys([key]);
      many = true;
    } else if (config.args !== undefined) {
      args = config.args(payload);
      if (Object.values(args).some((arg) => arg === undefined || arg === null)) return undefined;
      many = false;
    } else continue;
    return Promise.resolve(
      delegateToSchema({
        schema: subschema,
        operation: OperationTypeNode.QUERY,
        fieldName: config.fieldName,
        args,
        context: context as Record<string, unknown>,
        info,
        returnType: many ? new GraphQLList(type) : type,
      }),
    ).then((found: unknown) => (many ? (Array.isArray(found) ? (found[0] ?? null) : null) : found));
  }
  return undefined;
}

/**
 * The `subscribe` of a topic-bound field outside the realtime layer: a subscription that reaches
 * graphql-js through a plain HTTP request (not a WebSocket or an event stream).
 * @throws GatewayError `SUBSCRIPTION_TRANSPORT_REQUIRED`, always
 */
export function subscribeOverHttp(): never {
  const error = new GatewayError(
    ErrorCode.SUBSCRIPTION_TRANSPORT_REQUIRED,
    "Subscriptions are served over WebSocket (graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream) on /graphql.",
  );
  // A GraphQLError with `extensions.http`: the whole request is refused with the code's status (Yoga reads
  // and drops `http`), where a field error of a GatewayError would answer 500 without data.
  throw new GraphQLError(error.message, { extensions: { code: error.code, http: { status: error.status } } });
}

/** Whether a field's type or an argument's is one schemas/ do not declare (another source's). */
export function usesForeignType(field: FieldDefinitionNode, declared: ReadonlySet<string>): boolean {
  return [field.type, ...(field.arguments ?? []).map((arg) => arg.type)].some((type) => {
    const name = namedTypeName(type);
    return !declared.has(name) && !specifiedScalarTypes.some((scalar) => scalar.name === name);
  });
}

/**
 * Fills the completion sources: the key lookups (`@merge(keyField:)` Query fields, checked against the
 * built schema: the field returns an object type of schemas/ that has the key field, one lookup per type)
 * and the bound fields per type.
 */
export function fillCompletion(
  completion: CompletionSources,
  schema: GraphQLSchema,
  bound: readonly { typeName: string; field: FieldDefinitionNode }[],
  merges: readonly MergeEntry[],
  problems: ConfigProblem[],
): void {
  const lookups = completion.lookups as Map<string, KeyLookup & { resolve: GraphQLFieldResolver<unknown, unknown> }>;
  for (const merge of merges) {
    const field = schema.getQueryType()?.getFields()[merge.fieldName];
    const type = field === undefined ? undefined : getNamedType(field.type);
    const at = merge.location;
    if (field?.resolve === undefined || !isObjectType(type)) {
      problems.push({
        path: at,
        message: `@merge on Query.${merge.fieldName}: a key lookup returns an object type of schemas/`,
      });
    } else if (type.getFields()[merge.keyField] === undefined) {
      problems.push({
        path: at,
        message: `@merge on Query.${merge.fieldName}: type ${type.name} has no field "${merge.keyField}"`,
      });
    } else if (lookups.has(type.name)) {
      problems.push({
        path: at,
        message: `@merge on Query.${merge.fieldName}: type ${type.name} already has a key lookup (Query.${lookups.get(type.name)?.fieldName})`,
      });
    } else {
      const { location: _location, ...lookup } = merge;
      lookups.set(type.name, { ...lookup, typeName: type.name, resolve: field.resolve });
    }
  }
  const boundFields = completion.boundFields as Map<string, Set<string>>;
  for (const entry of bound) {
    const names = boundFields.get(entry.typeName) ?? new Set<string>();
    names.add(entry.field.name.value);
    boundFields.set(entry.typeName, names);
  }
}
