import {
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  type OperationDefinitionNode,
} from "graphql";
import { crossesSources, joinPointsOf } from "../joins";
import { collectFields, collectPossibleFields, type Fragments, fieldOwner, MAX_SELECTION_NESTING } from "../shared";

/**
 * Counts the upstream calls an operation may cause, before any call (docs/security.md "Operation limits"):
 * - each root field selection is one call, every alias on its own (introspection fields, answered by the
 *   gateway, make none). REST root fields are one call each; root fields of one GraphQL remote are sent
 *   together by stitching, so for them the count is an upper bound;
 * - each join field (`@join`, `@rest` on an object type: the schema's join points) is one call per level
 *   it appears on, however many aliases or parents select it there: the join engine batches one level of a
 *   join field into one call (one per batch of `maxBatchSize`);
 * - each merged type whose selected fields need more than one remote is one call per level likewise
 *   (stitching's type merging batches the keys of a level).
 * Fragments are expanded; `@skip`/`@include` on variables count as selected.
 *
 * @param schema - the schema validated against
 * @param operation - the operation
 * @param fragments - the document's fragments
 * @returns the number of calls
 */
export function countUpstreamCalls(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
): number {
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null) return 0;
  const points = joinPointsOf(schema);
  const joinFields = points?.fields ?? new Set<string>();
  const merged = points?.merged ?? new Map<string, ReadonlyMap<string, ReadonlySet<string>>>();
  const options = { fragments };
  const rootFields = [...collectPossibleFields(schema, root, operation.selectionSet, options).values()];
  let calls = 0;
  for (const nodes of rootFields) {
    if (!(nodes[0] as FieldNode).name.value.startsWith("__")) calls++;
  }
  if (joinFields.size === 0 && merged.size === 0) return calls;
  // Breadth-first, one level at a time: the join fields met on a level, counted once each. The
  // selections of a level are grouped by type (nodes deduplicated), so a fragment reused on many paths
  // is walked once per level, not once per path.
  let level = new Map<GraphQLCompositeType, Set<FieldNode>>();
  const add = (into: typeof level, on: GraphQLCompositeType, nodes: readonly FieldNode[]): void => {
    const known = into.get(on) ?? new Set<FieldNode>();
    for (const node of nodes) if (node.selectionSet !== undefined) known.add(node);
    if (known.size > 0) into.set(on, known);
  };
  for (const nodes of rootFields) {
    const type = fieldOwner(schema, root, (nodes[0] as FieldNode).name.value)?.field.type;
    const named = type === undefined ? undefined : getNamedType(type);
    if (named !== undefined && isCompositeType(named)) add(level, named, nodes);
  }
  for (let depth = 1; level.size > 0 && depth <= MAX_SELECTION_NESTING; depth++) {
    const joinsHere = new Set<string>();
    const next: typeof level = new Map();
    for (const [on, nodes] of level) {
      for (const runtime of isObjectType(on) ? [on] : schema.getPossibleTypes(on)) {
        const servers = merged.get(runtime.name);
        if (servers === undefined || joinsHere.has(runtime.name)) continue;
        const names = [...collectFields(schema, runtime, [...nodes], options).values()].map(
          (fieldNodes) => (fieldNodes[0] as FieldNode).name.value,
        );
        if (crossesSources(names, servers)) joinsHere.add(runtime.name);
      }
      for (const fieldNodes of collectPossibleFields(schema, on, [...nodes], options).values()) {
        const name = (fieldNodes[0] as FieldNode).name.value;
        const found = fieldOwner(schema, on, name);
        if (found === undefined) continue;
        if (joinFields.has(`${found.typeName}.${name}`)) joinsHere.add(`${found.typeName}.${name}`);
        const named = getNamedType(found.field.type);
        if (isCompositeType(named)) add(next, named, fieldNodes);
      }
    }
    calls += joinsHere.size;
    level = next;
  }
  return calls;
}
