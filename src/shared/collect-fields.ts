import { collectFields as collectObjectFields, collectSubFields, type VariableValues } from "@graphql-tools/utils";
import {
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  visit,
} from "graphql";
import { createNestedCache } from "./caches";

/**
 * The one field collector of the gateway: every place that walks a selection (REST response checks,
 * join limits, root fields of an operation for passthrough and presets) asks it, so `@skip`/`@include`,
 * fragments and abstract types are treated alike everywhere. It is @graphql-tools/utils' `collectFields`
 * (graphql-js's CollectFields, GraphQL spec section 6.3.2), with one addition for plan time.
 */

/** Fragments of a document by name. */
export type Fragments = Record<string, FragmentDefinitionNode>;

/** What {@link collectFields} needs besides the schema, the type and the selections. */
export interface CollectOptions {
  /** The document's fragments by name (`info.fragments`, or {@link fragmentsOf}). */
  fragments: Fragments;
  /**
   * The operation's coerced variable values, at execution time: `@skip(if: $x)` / `@include(if: $x)`
   * are decided by them. Undefined at validation or plan time, when values are unknown: a condition on a
   * variable then counts as "selected" (the most an operation may select), while literal conditions
   * (`@include(if: false)`) are honoured.
   */
  variables?: Record<string, unknown>;
}

/** Response key (alias or name) -> the field nodes selected under it, in document order. */
export type CollectedFields = Map<string, FieldNode[]>;

/** graphql-tools reads `coerced` (graphql 16) from its VariableValues: one wrapper per variables object, so its memo hits. */
const wrapped = new WeakMap<object, VariableValues>();
const NO_VARIABLES: VariableValues = { coerced: {}, sources: {} };
function variableValues(variables: Record<string, unknown> | undefined): VariableValues {
  if (variables === undefined) return NO_VARIABLES;
  let values = wrapped.get(variables);
  if (values === undefined) {
    values = { coerced: variables, sources: {} };
    wrapped.set(variables, values);
  }
  return values;
}

const isVariableCondition = (node: ASTNode): boolean =>
  node.kind === Kind.DIRECTIVE &&
  (node.name.value === "skip" || node.name.value === "include") &&
  (node.arguments ?? []).some((argument) => argument.value.kind === Kind.VARIABLE);

/** Plan-time copies of selection sets and fragments, `@skip`/`@include` on variables removed (cached per node). */
const unconditioned = new WeakMap<object, unknown>();
function withoutVariableConditions<T extends SelectionSetNode | Fragments>(node: T): T {
  let copy = unconditioned.get(node) as T | undefined;
  if (copy === undefined) {
    const strip = <N extends ASTNode>(ast: N): N =>
      visit(ast, { Directive: (directive) => (isVariableCondition(directive) ? null : undefined) });
    copy = (
      "kind" in node
        ? strip(node as SelectionSetNode)
        : Object.fromEntries(Object.entries(node as Fragments).map(([name, fragment]) => [name, strip(fragment)]))
    ) as T;
    unconditioned.set(node, copy);
  }
  return copy;
}

/**
 * The fields a selection selects on an object type: fragments whose type condition applies expanded
 * (each named fragment once), `@skip`/`@include` honoured (see {@link CollectOptions.variables}).
 *
 * @param schema - the schema the selection was validated against
 * @param type - the object type the selection applies to (the runtime type)
 * @param selections - a selection set, or the field nodes of one field (their sub-selections merged)
 * @param options - fragments and, at execution time, variable values
 * @returns response key -> field nodes
 * @see https://spec.graphql.org/October2021/#sec-Field-Collection
 */
export function collectFields(
  schema: GraphQLSchema,
  type: GraphQLObjectType,
  selections: SelectionSetNode | readonly FieldNode[],
  options: CollectOptions,
): CollectedFields {
  const planTime = options.variables === undefined;
  const fragments = planTime ? withoutVariableConditions(options.fragments) : options.fragments;
  const values = variableValues(options.variables);
  if ("kind" in selections) {
    const set = planTime ? withoutVariableConditions(selections) : selections;
    return collectObjectFields(schema, fragments, values, type, set).fields;
  }
  const nodes = planTime
    ? (selections as FieldNode[]).map((node) =>
        node.selectionSet === undefined
          ? node
          : { ...node, selectionSet: withoutVariableConditions(node.selectionSet) },
      )
    : (selections as FieldNode[]);
  return collectSubFields(schema, fragments, values, type, nodes).fields;
}

/**
 * {@link collectFields} for a composite type: an object type's own fields, or for an interface or a
 * union the fields selected for any of its possible types (field nodes merged per response key).
 *
 * @param schema - the schema
 * @param type - any composite type
 * @param selections - a selection set or a field's nodes
 * @param options - fragments and variables
 * @returns response key -> field nodes, each node once
 */
export function collectPossibleFields(
  schema: GraphQLSchema,
  type: GraphQLCompositeType,
  selections: SelectionSetNode | readonly FieldNode[],
  options: CollectOptions,
): CollectedFields {
  if (isObjectType(type)) return collectFields(schema, type, selections, options);
  const merged: CollectedFields = new Map();
  for (const possible of schema.getPossibleTypes(type)) {
    for (const [key, nodes] of collectFields(schema, possible, selections, options)) {
      const known = merged.get(key);
      if (known === undefined) merged.set(key, [...nodes]);
      else for (const node of nodes) if (!known.includes(node)) known.push(node);
    }
  }
  return merged;
}

/**
 * How many selection levels a plan-time walk goes down at most: far deeper than any limit, it only
 * bounds invalid documents (a fragment that spreads itself, reported by graphql-js's NoFragmentCyclesRule).
 */
export const MAX_SELECTION_NESTING = 64;

/**
 * The type that defines a field selected on `on`: `on` itself when it has the field (an object or an
 * interface), else (an abstract `on`) the first possible object type that has it.
 * @param schema - the schema
 * @param on - the type the selection applies to
 * @param name - the field's name
 * @returns the defining type's name and the field, or undefined when no type has it
 */
export function fieldOwner(
  schema: GraphQLSchema,
  on: GraphQLCompositeType,
  name: string,
): { typeName: string; field: GraphQLField<unknown, unknown> } | undefined {
  if (isObjectType(on) || isInterfaceType(on)) {
    const field = on.getFields()[name];
    if (field !== undefined) return { typeName: on.name, field };
  }
  if (isObjectType(on)) return undefined;
  for (const possible of schema.getPossibleTypes(on)) {
    const field = possible.getFields()[name];
    if (field !== undefined) return { typeName: possible.name, field };
  }
  return undefined;
}

/**
 * A document's fragment definitions by name.
 * @param document - a parsed document
 */
export function fragmentsOf(document: DocumentNode): Fragments {
  const fragments: Fragments = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/** Root selections per (schema, operation) at plan time: the same document asks again on every request. */
const rootCache = createNestedCache<GraphQLSchema, OperationDefinitionNode, Map<string, string>>(true);

/**
 * The root fields an operation may select, by {@link collectFields} at plan time (literal `@skip` /
 * `@include` honoured, conditions on variables counted as selected): response key -> field name, in
 * document order (`__typename`, `__schema` and `__type` included). Used to see which root fields an
 * operation asks for before it runs (introspection, presets, passthrough).
 *
 * @param schema - the schema the operation runs against (for its root type and fragment conditions)
 * @param document - the parsed document (for its fragment definitions)
 * @param operation - one operation of it
 * @returns response key -> field name; empty when the schema has no root type for the operation
 */
export function rootSelections(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Map<string, string> {
  return rootCache.get(schema, operation, () => {
    const keys = new Map<string, string>();
    const root = schema.getRootType(operation.operation);
    if (root !== undefined && root !== null) {
      const fields = collectFields(schema, root, operation.selectionSet, { fragments: fragmentsOf(document) });
      for (const [key, nodes] of fields) keys.set(key, (nodes[0] as FieldNode).name.value);
    }
    return keys;
  });
}

/**
 * Whether an operation introspects the schema (`__schema` or `__type` at its root, the only place
 * they exist: GraphQL spec section 4.2).
 * @param keys - from {@link rootSelections}
 */
export function introspects(keys: ReadonlyMap<string, string>): boolean {
  for (const field of keys.values()) if (field === "__schema" || field === "__type") return true;
  return false;
}
