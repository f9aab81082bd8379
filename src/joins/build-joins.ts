import { delegateToSchema, type SubschemaConfig } from "@graphql-tools/delegate";
import { type IResolvers, pathToArray, relocatedError } from "@graphql-tools/utils";
import DataLoader from "dataloader";
import {
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLFieldResolver,
  GraphQLList,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  OperationTypeNode,
  print,
  type SelectionSetNode,
  specifiedScalarTypes,
  type TypeNode,
} from "graphql";
import { ErrorCode, GatewayError } from "../errors";
import { namedTypeName, requestMemo, selectionKey } from "../shared";
import { fieldScope, renderJsonTemplate, renderValue, type TemplateScope } from "../templates";
import { batchArguments, batchCacheKey, batchShareKey } from "./batch";
import { resultsByKey, withKeySelection } from "./keys";
import type { BatchKey, FieldExtension, JoinDirective, JoinSource, JoinStatus } from "./types";

/** What {@link buildJoins} produced, for stitchSchemas. */
export interface BuiltJoins {
  /** `extend type` definitions of the usable extensions, or undefined when none. */
  typeDefs: DocumentNode | undefined;
  /** Their resolvers, with the parent fields each needs as `selectionSet`. */
  resolvers: IResolvers;
  /** Every extension, usable or not. */
  statuses: JoinStatus[];
  /** `Type.field` of the usable extensions. */
  fields: string[];
}

/** How many lists wrap a type as written in SDL (`[[A!]]!` is 2). */
const listDepthOfNode = (node: TypeNode): number =>
  node.kind === Kind.NAMED_TYPE ? 0 : (node.kind === Kind.LIST_TYPE ? 1 : 0) + listDepthOfNode(node.type);

/** How many lists wrap a schema type. */
const listDepthOf = (type: GraphQLOutputType): number =>
  isNonNullType(type) ? listDepthOf(type.ofType) : isListType(type) ? 1 + listDepthOf(type.ofType) : 0;

/** All selections of the field's nodes (a field selected twice, e.g. through two fragments). */
function selectionsOf(fieldNodes: readonly FieldNode[]): SelectionSetNode | undefined {
  if (fieldNodes.length === 1) return fieldNodes[0]?.selectionSet;
  return { kind: Kind.SELECTION_SET, selections: fieldNodes.flatMap((node) => node.selectionSet?.selections ?? []) };
}

/**
 * Sends one level's keys in one delegation and matches the results back by key. Errors located inside
 * the list (`[field, 3, name]`) are moved to the joined field (`[field, name]`), as batch-delegate does.
 */
function batchLoader(
  join: JoinDirective & { batch: BatchKey },
  target: SubschemaConfig,
  fieldName: string,
  keyField: string,
  scope: TemplateScope,
  context: Record<string, unknown>,
  info: GraphQLResolveInfo,
  many: boolean,
): DataLoader<unknown, unknown> {
  return new DataLoader(
    async (keys) => {
      const results: unknown = await delegateToSchema({
        schema: target,
        operation: OperationTypeNode.QUERY,
        fieldName,
        returnType: new GraphQLList(getNamedType(info.returnType)),
        args: batchArguments(join.args, join.batch, keys, scope),
        selectionSet: withKeySelection(selectionsOf(info.fieldNodes), keyField),
        context,
        info,
        onLocatedError: (error) => {
          const [head, index, ...rest] = error.path ?? [];
          return head === fieldName && typeof index === "number" ? relocatedError(error, [fieldName, ...rest]) : error;
        },
      });
      if (results instanceof Error) return keys.map(() => results);
      return resultsByKey(results, keys).map((group) => (many ? group : (group[0] ?? null)));
    },
    { cacheKeyFn: batchCacheKey },
  );
}

/** The resolver of a @join field, once its target is known. */
function joinResolver(
  join: JoinDirective,
  target: SubschemaConfig,
  fieldName: string,
  keyField: string,
): GraphQLFieldResolver<unknown, unknown> {
  const { batch } = join;
  if (batch !== undefined) {
    const batched = { ...join, batch };
    return async (parent, args, context, info) => {
      const scope = fieldScope(parent, args, context);
      const key = renderValue(batch.template, scope);
      const many = isListType(getNullableType(info.returnType));
      if (key === undefined || key === null) return many ? [] : null;
      const ctx = (typeof context === "object" && context !== null ? context : {}) as Record<string, unknown>;
      // One loader per request, selection and arguments besides the key: parents at several places of
      // a level share one call when it would be the same call.
      const shared = batchShareKey(join.args, batch, scope);
      const loader = requestMemo(ctx, join, `${many}\n${selectionKey(info.fieldNodes)}\n${shared}`, () =>
        batchLoader(batched, target, fieldName, keyField, scope, ctx, info, many),
      );
      try {
        // A list key (`{parent.ids}`) loads each key: a list field gets every match, an object field the first.
        if (!Array.isArray(key)) return await loader.load(key);
        const values = await loader.loadMany(key);
        const failed = values.find((value) => value instanceof Error);
        if (failed !== undefined) throw failed;
        return many ? values.flat() : (values.find((value) => value !== null) ?? null);
      } catch (error) {
        throw error instanceof GraphQLError ? relocatedError(error, pathToArray(info.path)) : error;
      }
    };
  }
  return (parent, args, context, info) => {
    const targetArgs = renderJsonTemplate(join.args, fieldScope(parent, args, context)) as Record<string, unknown>;
    const delegate = () =>
      Promise.resolve(
        delegateToSchema({
          schema: target,
          operation: OperationTypeNode.QUERY,
          fieldName,
          args: targetArgs,
          context: context as Record<string, unknown>,
          info,
        }),
      );
    if (context === null || typeof context !== "object") return delegate();
    return requestMemo(context, join, `${selectionKey(info.fieldNodes)}\n${JSON.stringify(targetArgs)}`, delegate);
  };
}

/**
 * Checks each @join / foreign @rest field against the composed sources and builds stitching's
 * `typeDefs` and `resolvers` for the usable ones (Hasura remote relationships, stitching's schema
 * extensions). A field that does not fit is left out with `INVALID_JOIN`:
 * - its parent type is not an object type of any source, or already has a field of that name;
 * - a `{parent.x}` names a field the parent type does not have (the key field is missing);
 * - a type it uses is not in the schema (its remote is not loaded);
 * - @join: the remote is not composed or has `rootFieldsNamespace`, its Query has no such field, the
 *   declared type is not the target's (named type, and list depth unless batched), a batched target
 *   does not return a list or its type lacks `keyField`, an `args` key is not an argument of the
 *   target, or a required argument of the target is not given.
 *
 * @param extensions - the fields of schemas/*.graphql stitched onto other sources
 * @param sources - the composed subschemas
 * @returns typeDefs, resolvers, one status per extension and the usable fields
 */
export function buildJoins(extensions: readonly FieldExtension[], sources: readonly JoinSource[]): BuiltJoins {
  const statuses: JoinStatus[] = [];
  const resolvers: Record<
    string,
    Record<string, { selectionSet?: string; subscribe?: () => never; resolve: GraphQLFieldResolver<unknown, unknown> }>
  > = {};
  const usable: FieldExtension[] = [];
  const hasType = (name: string): boolean =>
    sources.some((source) => source.schema.getType(name) !== undefined) ||
    specifiedScalarTypes.some((scalar) => scalar.name === name);
  for (const extension of extensions) {
    const name = `${extension.typeName}.${extension.fieldName}`;
    const fail = (message: string): void => {
      statuses.push({
        name,
        status: "error",
        lastError: { code: ErrorCode.INVALID_JOIN, message: `${name} (${extension.location}): ${message}` },
      });
    };
    const parents = sources.flatMap((source) => {
      const type = source.schema.getType(extension.typeName);
      return isObjectType(type) ? [{ source, type }] : [];
    });
    // A topic field may open the Subscription type (no source has one).
    if (parents.length === 0 && extension.subscribe === undefined) {
      fail(`type ${extension.typeName} is not an object type of any loaded source`);
      continue;
    }
    const owner = parents.find(({ type }) => type.getFields()[extension.fieldName] !== undefined);
    if (owner !== undefined) {
      fail(`type ${extension.typeName} already has field ${extension.fieldName} (from "${owner.source.name}")`);
      continue;
    }
    const missingKey = extension.parentFields.find(
      (field) => !parents.some(({ type }) => type.getFields()[field] !== undefined),
    );
    if (missingKey !== undefined) {
      fail(`key field missing on the parent type: {parent.${missingKey}} names no field of ${extension.typeName}`);
      continue;
    }
    const used = [
      namedTypeName(extension.definition.type),
      ...(extension.definition.arguments ?? []).map((arg) => namedTypeName(arg.type)),
    ];
    const unknownType = used.find((typeName) => !hasType(typeName));
    if (unknownType !== undefined) {
      fail(`type ${unknownType} is not in the schema (is its source loaded?)`);
      continue;
    }
    let resolve = extension.rest;
    if (extension.join !== undefined) {
      const built = joinTarget(extension, extension.join, sources);
      if (typeof built === "string") {
        fail(built);
        continue;
      }
      resolve = built;
    }
    if (resolve === undefined) continue;
    const byType = resolvers[extension.typeName] ?? {};
    resolvers[extension.typeName] = byType;
    byType[extension.fieldName] = {
      ...(extension.parentFields.length > 0 ? { selectionSet: `{ ${extension.parentFields.join(" ")} }` } : {}),
      ...(extension.subscribe !== undefined ? { subscribe: extension.subscribe } : {}),
      resolve,
    };
    usable.push(extension);
    statuses.push({ name, status: "ok", lastError: null });
  }
  const byType = new Map<string, FieldExtension[]>();
  for (const extension of usable)
    byType.set(extension.typeName, [...(byType.get(extension.typeName) ?? []), extension]);
  const typeDefs: DocumentNode | undefined =
    usable.length === 0
      ? undefined
      : {
          kind: Kind.DOCUMENT,
          definitions: [...byType].map(([typeName, fields]) => ({
            // Extend a type some source has; define one that none has (a Subscription of topic fields only).
            kind: sources.some((source) => isObjectType(source.schema.getType(typeName)))
              ? Kind.OBJECT_TYPE_EXTENSION
              : Kind.OBJECT_TYPE_DEFINITION,
            name: { kind: Kind.NAME, value: typeName },
            fields: fields.map((field) => field.definition),
          })),
        };
  return {
    typeDefs,
    resolvers: resolvers as IResolvers,
    statuses,
    fields: usable.map((extension) => `${extension.typeName}.${extension.fieldName}`),
  };
}

/** Resolves a @join's target in the composed sources: its resolver, or what is wrong. */
function joinTarget(
  extension: FieldExtension,
  join: JoinDirective,
  sources: readonly JoinSource[],
): GraphQLFieldResolver<unknown, unknown> | string {
  const source = sources.find((candidate) => candidate.remote?.name === join.remote);
  if (source?.remote === undefined) {
    return `remote "${join.remote}" is not in the schema (not loaded, or left out: see its status)`;
  }
  if (source.remote.customization?.rootFieldsNamespace !== undefined) {
    return `remote "${join.remote}" has "rootFieldsNamespace": @join targets root fields, which it moves under a namespace`;
  }
  const own = source.subschema.schema;
  const ownQuery = own.getQueryType();
  const ownField = ownQuery?.getFields()[join.field];
  if (ownQuery === undefined || ownQuery === null || ownField === undefined) {
    return `remote "${join.remote}" has no Query field "${join.field}"`;
  }
  const names = source.names;
  if (names === undefined) return `remote "${join.remote}" has no customization names (internal)`;
  const fieldName = names.fieldName(ownQuery.name, join.field);
  const field = source.schema.getQueryType()?.getFields()[fieldName];
  if (field === undefined) return `remote "${join.remote}" has no Query field "${join.field}" in the gateway's schema`;
  const declared = extension.definition.type;
  const targetNamed = getNamedType(field.type).name;
  if (namedTypeName(declared) !== targetNamed) {
    return `joined type mismatch: ${extension.typeName}.${extension.fieldName} is ${namedTypeName(declared)} but ${join.remote}'s Query.${join.field} returns ${String(field.type)}`;
  }
  if (join.batch !== undefined && !isListType(getNullableType(field.type))) {
    return `joined type mismatch: batch: true needs a list, but ${join.remote}'s Query.${join.field} returns ${String(field.type)}`;
  }
  if (join.batch === undefined && listDepthOfNode(declared) !== listDepthOf(field.type)) {
    return `joined type mismatch: ${extension.typeName}.${extension.fieldName} is ${print(declared)} but ${join.remote}'s Query.${join.field} returns ${String(field.type)}`;
  }
  const argumentNames = new Set(field.args.map((arg) => arg.name));
  const unknown = Object.keys(join.args).find((arg) => !argumentNames.has(arg));
  if (unknown !== undefined) return `${join.remote}'s Query.${join.field} has no argument "${unknown}"`;
  const missing = field.args.find(
    (arg) => isNonNullType(arg.type) && arg.defaultValue === undefined && !(arg.name in join.args),
  );
  if (missing !== undefined)
    return `${join.remote}'s Query.${join.field} requires argument "${missing.name}", which args does not give`;
  const ownTarget = getNamedType(ownField.type);
  const keyField = names.fieldName(ownTarget.name, join.keyField);
  const targetType = getNamedType(field.type);
  if (join.batch !== undefined && (!("getFields" in targetType) || targetType.getFields()[keyField] === undefined)) {
    return `keyField "${join.keyField}" is not a field of ${targetType.name}, so results cannot be matched to parents`;
  }
  return joinResolver(join, source.subschema, fieldName, keyField);
}

/** What the join limits read from a schema: which fields join, and which types are merged across sources. */
export interface JoinPoints {
  /** `Type.field` of every field that calls another source per level (@join, @rest on object types). */
  fields: ReadonlySet<string>;
  /** Merged type -> field -> the sources that serve it. */
  merged: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

const JOIN_POINTS = "junctionJoinPoints";

/**
 * Records the join points on a schema's extensions, where role schemas (built with mapSchema) keep them.
 * @param schema - the stitched schema
 * @param points - its join points
 */
export function setJoinPoints(schema: GraphQLSchema, points: JoinPoints): void {
  (schema.extensions as Record<string, unknown>)[JOIN_POINTS] = points;
}

/**
 * The join points recorded by {@link setJoinPoints}, or undefined for a schema without joins.
 * @param schema - a served schema (whole or a role's)
 */
export function joinPointsOf(schema: GraphQLSchema): JoinPoints | undefined {
  return (schema.extensions as Record<string, unknown>)[JOIN_POINTS] as JoinPoints | undefined;
}

/**
 * An INVALID_JOIN error (409 in the error table: the status a reload it fails answers with) for a composition problem.
 * @param message - what does not fit, naming the join or merge entry
 * @param remote - the remote left out, if any (`extensions.remotes`)
 * @returns the error
 */
export const invalidJoin = (message: string, remote?: string): GatewayError =>
  new GatewayError(ErrorCode.INVALID_JOIN, message, {
    extensions: remote === undefined ? {} : { remotes: [remote] },
  });
