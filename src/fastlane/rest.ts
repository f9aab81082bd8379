import {
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  isEnumType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { RestRoot } from "../compose";
import type { GatewayContext } from "../shared";

/** A decision of the fast lane for one `@rest` root field (see {@link decideRestLane}). */
export interface RestLaneTarget {
  /** The root field's local definition and binding. */
  restRoot: RestRoot;
  /** The served (stitched) schema the document was validated against. */
  served: GraphQLSchema;
  /** The parsed document (Yoga's cached parse of this text). */
  document: DocumentNode;
  /** Its one operation. */
  operation: OperationDefinitionNode;
  /** The one root field. */
  fieldNode: FieldNode;
}

/** What the lane reads of stitching's record of a type (`stitchingInfo.mergedTypes`, @graphql-tools/delegate). */
interface MergedTypeFacts {
  typeMaps?: { size: number };
  resolvers?: { size: number };
  selectionSet?: unknown;
}

/**
 * Whether stitching merges a type from several sources (it lists every type in `mergedTypes`; a type
 * of one subschema, without merge resolvers or key selection, is resolved from that source alone).
 */
function isMerged(served: GraphQLSchema, typeName: string): boolean {
  const info = (served.extensions as { stitchingInfo?: { mergedTypes?: Record<string, MergedTypeFacts> } })
    .stitchingInfo;
  const merged = info?.mergedTypes?.[typeName];
  if (merged === undefined) return false;
  return (merged.typeMaps?.size ?? 0) > 1 || (merged.resolvers?.size ?? 0) > 0 || merged.selectionSet !== undefined;
}

/**
 * Whether a selection needs nothing but the endpoint's answer: leaves (enums and the built-in scalars)
 * without a selection; objects
 * (of the local schema, not merged, same field types in the served schema) with only plain fields
 * (no fragments, directives or arguments, no resolver of their own) and `__typename`.
 */
function plainSelection(
  local: GraphQLSchema,
  served: GraphQLSchema,
  type: GraphQLOutputType,
  selectionSet: SelectionSetNode | undefined,
): boolean {
  const named = getNamedType(type);
  // Custom scalars are left to execution: the gateway's scalar may serialize differently from the local one.
  if (isLeafType(named)) return selectionSet === undefined && (isEnumType(named) || isSpecifiedScalarType(named));
  if (!isObjectType(named) || selectionSet === undefined || isMerged(served, named.name)) return false;
  const servedType = served.getType(named.name);
  if (!isObjectType(servedType)) return false;
  const fields = named.getFields();
  const servedFields = servedType.getFields();
  for (const selection of selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || (selection.directives?.length ?? 0) > 0) return false;
    if ((selection.arguments?.length ?? 0) > 0) return false;
    const name = selection.name.value;
    if (name === "__typename") {
      if (selection.selectionSet !== undefined) return false;
      continue;
    }
    const field = fields[name];
    const servedField = servedFields[name];
    if (field === undefined || servedField === undefined || field.resolve !== undefined) return false;
    if (String(field.type) !== String(servedField.type)) return false;
    if (!plainSelection(local, served, field.type, selection.selectionSet)) return false;
  }
  return true;
}

/**
 * Whether an operation is one `@rest` root field the fast lane may answer itself: a query with one
 * operation and no fragments, whose only root selection is a `@rest` Query field of the local SDL
 * (unbatched GET, see the recorded roots) without directives, whose selection is plain (see
 * plainSelection). Anything else is null and runs through Yoga every time.
 *
 * @param served - the schema the operation ran against (the whole stitched schema)
 * @param document - the parsed document
 * @param operation - its operation
 * @param roots - the `@rest` root fields of `served` (src/compose `restRootsOf`)
 * @returns the decision, or null
 */
export function decideRestLane(
  served: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  roots: ReadonlyMap<string, RestRoot>,
): RestLaneTarget | null {
  if (operation.operation !== "query" || document.definitions.length !== 1) return null;
  if ((operation.directives?.length ?? 0) > 0 || operation.selectionSet.selections.length !== 1) return null;
  const fieldNode = operation.selectionSet.selections[0];
  if (fieldNode?.kind !== Kind.FIELD || (fieldNode.directives?.length ?? 0) > 0) return null;
  const restRoot = roots.get(fieldNode.name.value);
  if (restRoot === undefined) return null;
  const { binding, field } = restRoot;
  if (binding.batch !== undefined || binding.endpoint.method !== "GET") return null;
  const servedField = served.getQueryType()?.getFields()[fieldNode.name.value];
  if (servedField === undefined || String(servedField.type) !== String(field.type)) return null;
  if (!plainSelection(restRoot.schema, served, field.type, fieldNode.selectionSet)) return null;
  return { restRoot, served, document, operation, fieldNode };
}

/** A value the lane cannot shape as graphql-js would (a null at a non-null place, a leaf that does not serialize). */
class Unshapeable extends Error {}

/**
 * graphql-js's completion of a resolved value for a plain selection (see plainSelection): lists item
 * by item, leaves by their type's `serialize`, objects field by field in selection order (fields of
 * one response key merged, aliases as keys, `__typename` the type's name, a missing field null).
 * @throws Unshapeable where graphql-js would report an error
 */
function complete(value: unknown, type: GraphQLOutputType, nodes: readonly FieldNode[]): unknown {
  if (isNonNullType(type)) {
    const completed = complete(value, type.ofType, nodes);
    if (completed === null) throw new Unshapeable("null at a non-null place");
    return completed;
  }
  if (value === null || value === undefined) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) throw new Unshapeable("not a list");
    return value.map((item) => complete(item, type.ofType, nodes));
  }
  if (isLeafType(type)) {
    const serialized = type.serialize(value);
    if (serialized === undefined) throw new Unshapeable("leaf serialized to undefined");
    return serialized;
  }
  const objectType = getNullableType(type);
  if (!isObjectType(objectType) || typeof value !== "object") throw new Unshapeable("not an object");
  const byKey = new Map<string, FieldNode[]>();
  for (const node of nodes) {
    for (const selection of node.selectionSet?.selections ?? []) {
      const field = selection as FieldNode;
      const key = field.alias?.value ?? field.name.value;
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [field]);
      else list.push(field);
    }
  }
  const fields = objectType.getFields();
  const out: Record<string, unknown> = {};
  for (const [key, fieldNodes] of byKey) {
    const name = (fieldNodes[0] as FieldNode).name.value;
    if (name === "__typename") {
      out[key] = objectType.name;
      continue;
    }
    const field = fields[name] as GraphQLField<unknown, unknown>;
    out[key] = complete((value as Record<string, unknown>)[name], field.type, fieldNodes);
  }
  return out;
}

/**
 * What running a `@rest` decision gave: `body`, the response's JSON text; `handoff`, Yoga must answer
 * (the resolver failed after its call: Yoga's run of the same request finds the call's outcome in the
 * request's GET memo, so no second call is made); `yoga`, nothing was called and Yoga answers as usual.
 */
export type RestLaneOutcome = { body: string } | { handoff: true } | { yoga: true };

/**
 * Runs one `@rest` root field without graphql-js execution: variables coerced against the served
 * schema and the field's arguments against its definition (graphql-js's own functions), the field's
 * `@rest` resolver called as execution would call it (the same request building, upstream pipeline,
 * GET memo and fit check), the answer shaped to the selection (see complete).
 *
 * @param target - the decision
 * @param variables - the client's variables
 * @param context - the request's context
 * @returns the outcome
 */
export async function runRestLane(
  target: RestLaneTarget,
  variables: Record<string, unknown> | undefined,
  context: GatewayContext,
): Promise<RestLaneOutcome> {
  const { restRoot, served, operation, fieldNode } = target;
  const coerced = getVariableValues(served, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors !== undefined) return { yoga: true };
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(restRoot.field, fieldNode, coerced.coerced);
  } catch {
    return { yoga: true };
  }
  const key = fieldNode.alias?.value ?? fieldNode.name.value;
  const parentType = restRoot.schema.getQueryType();
  const resolve = restRoot.field.resolve;
  if (parentType === null || parentType === undefined || resolve === undefined) return { yoga: true };
  const info = {
    fieldName: fieldNode.name.value,
    fieldNodes: [fieldNode],
    returnType: restRoot.field.type,
    parentType,
    path: { prev: undefined, key, typename: parentType.name },
    schema: restRoot.schema,
    fragments: {},
    rootValue: undefined,
    operation,
    variableValues: coerced.coerced,
  } as unknown as GraphQLResolveInfo;
  let value: unknown;
  // The resolver records its call here, so Yoga's run (after a failure) reuses it instead of calling again.
  context.fastLane = { restCalls: new Map() };
  try {
    value = await resolve(undefined, args, context, info);
  } catch {
    return { handoff: true };
  }
  try {
    return { body: JSON.stringify({ data: { [key]: complete(value, restRoot.field.type, [fieldNode]) } }) };
  } catch {
    // Unshapeable, or a leaf's serialize threw: graphql-js reports an error there, Yoga shapes it.
    return { handoff: true };
  }
}
