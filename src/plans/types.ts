import type { VariableDefinitionNode } from "graphql";
import type { PlanSource } from "../compose";

/**
 * What the final pass does with one response key of an object: `Leaf` (scalar or enum: the upstream's
 * serialized value, copied), `Object` (an object type: its own fields shaped in the client's order),
 * `Typename` (`__typename` of an object type, known at plan time), `Whole` (a subtree one source answered
 * whole, exactly as selected, e.g. an abstract type: copied).
 */
export const ShapeKind = { Leaf: 0, Object: 1, Typename: 2, Whole: 3 } as const;
/** One of {@link ShapeKind}'s values. */
export type ShapeKind = (typeof ShapeKind)[keyof typeof ShapeKind];

/** A non-null wrapper in {@link ShapeField.wrappers}. */
export const NON_NULL = 1;
/** A list wrapper in {@link ShapeField.wrappers}. */
export const LIST = 2;

/** One response key of an object in the client's answer. */
export interface ShapeField {
  /** The response key (alias or field name). */
  key: string;
  /** What the shaping pass does with it. */
  kind: ShapeKind;
  /** The field type's wrappers from the outside in ({@link NON_NULL}, {@link LIST}): all the shaping pass needs of the type. */
  wrappers: readonly number[];
  /** `Parent.field`, for "Cannot return null for non-nullable field" messages. */
  coordinate: string;
  /** For {@link ShapeKind.Object}: the object's fields in the client's order. */
  fields?: readonly ShapeField[];
  /** For {@link ShapeKind.Typename}: the type's name. */
  typename?: string;
}

/** One upstream operation of a plan: a document for one source, sent at one level. */
export interface PlanFetch {
  /** The source called. */
  source: PlanSource;
  /** The upstream document's text, sent as written (built by the planner, never parsed here). */
  text: string;
  /** Names of the client's variables the document uses (passed through as the client sent them). */
  variables: readonly string[];
}

/** A root fetch: some root fields of the client's operation, answered by one source. */
export interface RootFetch extends PlanFetch {
  /** The root response keys it fills (each gets null and the error when the call fails). */
  keys: readonly string[];
  /** `query` (fetches run in parallel, retried by the upstream pipeline) or `mutation` (one after another, in the client's field order). */
  operation: "query" | "mutation";
}

/**
 * One set of objects of a merged type completed by another source: the objects found at `path` in the
 * answer so far, their keys sent to the source's merge resolver as one list variable, the results matched
 * back by key and their fields assigned onto the objects.
 */
export interface EntityNode {
  /** The alias of the resolver call in the step's document, also the name of its keys' variable. */
  alias: string;
  /** Response keys from the root of `data` to the objects (lists are walked through). */
  path: readonly string[];
  /** The hidden response key holding an object's key in the parent answer. */
  parentKey: string;
  /** The hidden response key holding the key in the resolver's results. */
  resultKey: string;
  /** The client's response keys this node fills on each object (the first takes an object's error). */
  fills: readonly string[];
  /**
   * For a batched @join: the joined field is `fills[0]`, set to the results whose key (compared as a
   * string) is the parent's (a list field: every match; else the first or null). Absent for a merged
   * type, whose results' fields are assigned onto the parent.
   */
  join?: { many: boolean };
  /**
   * The call and selection this node sends for its keys, without its alias: within one request, a key
   * already answered for the same signature at an earlier level is not asked again (merged types only).
   */
  signature?: string;
  /** Values of the resolver's other (literal) arguments, by variable name. */
  constants?: Readonly<Record<string, unknown>>;
}

/** The entity nodes of one source at one level, sent as one document. */
export interface EntityStep extends PlanFetch {
  /** Its nodes, one aliased resolver call each. */
  nodes: readonly EntityNode[];
}

/** A query plan: computed once per (schema, document, operation name), run for every request. */
export interface Plan {
  /** Level 0: one fetch per source owning root fields, run in parallel. */
  roots: readonly RootFetch[];
  /** Levels 1..n: per level, one step per source, run in parallel once the level above has answered. */
  levels: readonly (readonly EntityStep[])[];
  /** The root's fields in the client's order. */
  shape: readonly ShapeField[];
  /** The operation's variable definitions (a request's variables are checked against them before the plan runs). */
  variableDefinitions: readonly VariableDefinitionNode[];
  /** Whether some subtree is copied whole from one source ({@link ShapeKind.Whole}). */
  copiesWhole: boolean;
  /** Estimated bytes the plan holds (its documents' text and shape), for the cache's bound. */
  bytes: number;
}
