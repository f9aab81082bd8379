import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { CacheHint, CacheHints, CacheScope } from "./hints";

/** What an operation may be cached as (see {@link operationPolicy}). */
export interface CachePolicy {
  /** `query`, `mutation` or `subscription`; null when the document has no such operation (Yoga answers). */
  kind: "query" | "mutation" | "subscription" | null;
  /** Seconds the answer may be served; 0 means not cached (also for mutations and subscriptions). */
  maxAge: number;
  /** PRIVATE when any selected field or type is. */
  scope: CacheScope;
  /** Every composite type the selection may return (abstract types with their possible types): type tags. */
  types: readonly string[];
  /**
   * Session variables the selected fields' `@preset` arguments read (role schemas): the answer depends on
   * their values, so they are part of its key whatever the scope.
   */
  sessionVariables: readonly string[];
}

/** The policy of a document Yoga will refuse, or of a mutation/subscription: not cached. */
const uncached = (kind: CachePolicy["kind"]): CachePolicy => ({
  kind,
  maxAge: 0,
  scope: "PUBLIC",
  types: [],
  sessionVariables: [],
});

/** Deepest selection nesting walked; deeper documents are not cached (the depth limits refuse them anyway). */
const MAX_DEPTH = 64;

/** The accumulated policy of one walk (Apollo's `restrict`: lowest max age, PRIVATE wins). */
interface Walk {
  maxAge: number;
  scope: CacheScope;
  types: Set<string>;
  sessionVariables: Set<string>;
  presets: ReadonlyMap<string, readonly string[]>;
  fragments: Map<string, FragmentDefinitionNode>;
  schema: GraphQLSchema;
  hints: CacheHints;
  failed: boolean;
}

/**
 * Walks one selection set with its parent type (root: the operation's own selection set), restricting the walk's
 * policy by every field (Apollo Server's cache control rules, applied statically: every field the
 * document may select counts, whatever branch runs):
 * - a field hint replaces its return type's hint (maxAge and scope each, when given);
 * - a field without a max age gets the type's; without either, a root field or a field returning a
 *   composite type (unless `inheritMaxAge`) gets `defaultMaxAge`, and a scalar field below the root
 *   inherits its parent's (no restriction);
 * - the operation's max age is the minimum; its scope PRIVATE when any field or type is.
 * @see https://www.apollographql.com/docs/apollo-server/performance/caching#calculating-cache-behavior
 */
function walk(
  state: Walk,
  parent: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  root: boolean,
  depth: number,
  seen: ReadonlySet<string>,
): void {
  if (depth > MAX_DEPTH) {
    state.failed = true;
    return;
  }
  for (const selection of selectionSet.selections) {
    if (state.failed) return;
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      let fragment: { typeCondition?: { name: { value: string } }; selectionSet: SelectionSetNode } | undefined;
      let next = seen;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        fragment = state.fragments.get(name);
        if (fragment === undefined || seen.has(name)) {
          state.failed = true;
          return;
        }
        next = new Set([...seen, name]);
      } else fragment = selection;
      const condition = fragment.typeCondition?.name.value;
      const type = condition === undefined ? parent : state.schema.getType(condition);
      if (type === undefined || type === null || !isCompositeType(type)) {
        state.failed = true;
        return;
      }
      if (!root) noteType(state, type);
      walk(state, type, fragment.selectionSet, root, depth + 1, next);
      continue;
    }
    const name = selection.name.value;
    if (name === "__typename") continue;
    if (name === "__schema" || name === "__type") {
      state.maxAge = 0;
      continue;
    }
    const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (field === undefined) {
      state.failed = true;
      return;
    }
    const target = getNamedType(field.type);
    const composite = isCompositeType(target);
    const policy: CacheHint = {};
    let inheritMaxAge = false;
    if (composite) {
      const typeHint = state.hints.types.get(target.name);
      if (typeHint?.maxAge !== undefined) policy.maxAge = typeHint.maxAge;
      if (typeHint?.scope !== undefined) policy.scope = typeHint.scope;
      inheritMaxAge = typeHint?.inheritMaxAge === true;
      noteType(state, target);
    }
    const coordinate = `${parent.name}.${name}`;
    for (const variable of state.presets.get(coordinate) ?? []) state.sessionVariables.add(variable);
    const fieldHint = state.hints.fields.get(coordinate);
    if (fieldHint?.inheritMaxAge === true && policy.maxAge === undefined) {
      inheritMaxAge = true;
      if (fieldHint.scope !== undefined) policy.scope = fieldHint.scope;
    } else if (fieldHint !== undefined) {
      if (fieldHint.maxAge !== undefined) policy.maxAge = fieldHint.maxAge;
      if (fieldHint.scope !== undefined) policy.scope = fieldHint.scope;
    }
    if (policy.maxAge === undefined && ((composite && !inheritMaxAge) || root)) {
      policy.maxAge = state.hints.defaultMaxAge;
    }
    if (policy.maxAge !== undefined) state.maxAge = Math.min(state.maxAge, policy.maxAge);
    if (policy.scope === "PRIVATE") state.scope = "PRIVATE";
    if (composite && selection.selectionSet !== undefined) {
      walk(state, target, selection.selectionSet, false, depth + 1, seen);
    }
  }
}

/** Adds a type (and, for an interface or union, its possible types) to the walk's type tags. */
function noteType(state: Walk, type: GraphQLNamedType): void {
  if (state.types.has(type.name)) return;
  state.types.add(type.name);
  if (isAbstractType(type)) for (const possible of state.schema.getPossibleTypes(type)) state.types.add(possible.name);
}

/**
 * The cache policy of one operation of a document against a schema (the role's): its kind, max age,
 * scope and the types it may return. Queries only are cached: a mutation, a subscription, a max age of 0,
 * an unknown operation name, an ambiguous document, an unknown field or fragment all give max age 0 (the
 * request then runs as usual and Yoga answers any error).
 * @param schema - the schema the caller's role sees
 * @param document - the parsed document
 * @param operationName - the requested operation; null or undefined for a document with one operation
 * @param hints - the gateway's hints (hints.ts)
 * @param presets - `Type.field` -> session variables its `@preset` arguments read (src/auth's
 *   presetVariablesOf for a role schema) @default none
 * @returns the policy
 */
export function operationPolicy(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  hints: CacheHints,
  presets: ReadonlyMap<string, readonly string[]> = new Map(),
): CachePolicy {
  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const operation =
    operationName === null || operationName === undefined
      ? operations.length === 1
        ? operations[0]
        : undefined
      : operations.find((op) => op.name?.value === operationName);
  if (operation === undefined) return uncached(null);
  if (operation.operation !== "query") return uncached(operation.operation);
  const root = schema.getQueryType();
  if (root === null || root === undefined) return uncached(null);
  const state: Walk = {
    maxAge: Number.POSITIVE_INFINITY,
    scope: "PUBLIC",
    types: new Set(),
    sessionVariables: new Set(),
    presets,
    fragments,
    schema,
    hints,
    failed: false,
  };
  walk(state, root, operation.selectionSet, true, 0, new Set());
  if (state.failed || !Number.isFinite(state.maxAge) || state.maxAge <= 0) return uncached("query");
  return {
    kind: "query",
    maxAge: state.maxAge,
    scope: state.scope,
    types: [...state.types].sort(),
    sessionVariables: [...state.sessionVariables].sort(),
  };
}
