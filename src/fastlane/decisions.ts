import type { GraphQLSchema } from "graphql";
import type { PassthroughExecutor } from "../shared";
import type { DocumentUsage } from "../usage";
import type { RestLaneTarget } from "./rest";

/** A routing decision: the operation goes to one remote as written. */
export interface LaneDecision {
  /**
   * The passthrough target the passthrough plugin chose (a `PassthroughSource` of src/compose), or a
   * `@rest` root field the lane calls itself.
   */
  target: LaneTarget | RestLaneTarget;
  /** The operation's type (only queries are retried upstream). */
  operationType: "query" | "mutation";
  /**
   * The operation's own name in the document (for the trace's operation span and the log line, when the
   * client sent no operationName); undefined when anonymous.
   */
  operationName?: string;
  /**
   * What the operation touches of the schema's deprecated elements (src/usage's `documentUsage`), so a
   * run the lane answers alone is counted like one Yoga runs.
   */
  usage: DocumentUsage;
}

/** What the lane needs of a passthrough target: its executor's `send`. */
export interface LaneTarget {
  /** The remote's passthrough executor. */
  executor: Pick<PassthroughExecutor, "send">;
}

/** The default bound of decisions per served schema. */
export const DEFAULT_MAX_DECISIONS = 1000;

/**
 * The routing decisions of the fast lane: per served schema object (a WeakMap, so a reload or a role's
 * schema never sees another schema's decisions and a dropped schema takes its decisions with it), an
 * LRU by count keyed by session source, role, operation name and document text.
 */
export class LaneDecisions {
  readonly #bySchema = new WeakMap<GraphQLSchema, Map<string, LaneDecision>>();
  readonly #max: number;
  #recorded = false;

  /** Whether any decision was ever recorded (for any schema). */
  get recorded(): boolean {
    return this.#recorded;
  }

  /** @param max - the most decisions kept per schema (least recently used dropped first); at least 1 */
  constructor(max: number = DEFAULT_MAX_DECISIONS) {
    this.#max = Math.max(1, Math.floor(max));
  }

  /**
   * The decision for a key, marked as recently used.
   * @param schema - the served schema
   * @param key - see {@link decisionKey}
   * @returns the decision, or undefined
   */
  get(schema: GraphQLSchema, key: string): LaneDecision | undefined {
    const entries = this.#bySchema.get(schema);
    const decision = entries?.get(key);
    if (entries === undefined || decision === undefined) return undefined;
    entries.delete(key);
    entries.set(key, decision);
    return decision;
  }

  /**
   * Records a decision, dropping the least recently used one over the bound.
   * @param schema - the served schema
   * @param key - see {@link decisionKey}
   * @param decision - the decision
   */
  set(schema: GraphQLSchema, key: string, decision: LaneDecision): void {
    let entries = this.#bySchema.get(schema);
    if (entries === undefined) {
      entries = new Map();
      this.#bySchema.set(schema, entries);
    }
    this.#recorded = true;
    entries.delete(key);
    entries.set(key, decision);
    if (entries.size > this.#max) entries.delete(entries.keys().next().value as string);
  }

  /**
   * How many decisions a schema has.
   * @param schema - the served schema
   */
  size(schema: GraphQLSchema): number {
    return this.#bySchema.get(schema)?.size ?? 0;
  }
}

/**
 * The key of a decision within one schema: who asks (session source and role: limits and schemas are
 * per role), the operation name as sent (absent and null alike) and the document text.
 * @param source - the session's source
 * @param role - the session's role, or null
 * @param operationName - the request's operationName
 * @param query - the document text
 */
export function decisionKey(
  source: string,
  role: string | null,
  operationName: string | null | undefined,
  query: string,
): string {
  return `${source}\n${role ?? ""}\n${operationName == null ? "" : `=${operationName}`}\n${query}`;
}
