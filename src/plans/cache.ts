import type { GraphQLSchema } from "graphql";
import type { Plan } from "./types";

/** Options of {@link createPlanCache}: `execution.planCache` of the config. */
export interface PlanCacheOptions {
  /** Most plans kept. @default 1000 */
  maxEntries: number;
  /** Most bytes of plans kept (each plan's {@link Plan.bytes} estimate). @default 8388608 */
  maxBytes: number;
}

/** What `GET /admin/plans` shows: the cache's size and bounds, and counters since the isolate started. */
export interface PlanStats {
  /** Plans (and "no plan" decisions) cached. */
  entries: number;
  /** Their estimated bytes. */
  bytes: number;
  /** The count bound (`execution.planCache.maxEntries`). */
  maxEntries: number;
  /** The bytes bound (`execution.planCache.maxBytes`). */
  maxBytes: number;
  /** Operations executed through a plan. */
  planned: number;
  /** Operations over several sources executed by stitching because no plan fits them (or plans are off). */
  fallbacks: number;
}

/** A cached decision: the plan, or why there is none (stitching runs the operation). */
export type PlanEntry = Plan | { unplannable: string };

/** Bytes counted for a cached "no plan" decision. */
const DECISION_BYTES = 256;

/**
 * The per-isolate plan cache: an LRU over (schema, operation name, document text), bounded by count and
 * by bytes. A plan belongs to one schema: the first lookup with another schema (a reload) empties it, so
 * plans are invalidated with the schema they were built for.
 */
export interface PlanCache {
  /**
   * The cached entry, or the one `build` makes (then cached).
   * @param schema - the served schema
   * @param key - operation name and document text
   * @param build - computes the entry on a miss
   */
  get(schema: GraphQLSchema, key: string, build: () => PlanEntry): PlanEntry;
  /** Counts an operation run through a plan. */
  countPlanned(): void;
  /** Counts a multi-source operation run by stitching. */
  countFallback(): void;
  /** The figures of {@link PlanStats}. */
  stats(): PlanStats;
}

/**
 * Creates the isolate's plan cache.
 * @param options - its bounds
 * @returns the cache
 */
export function createPlanCache(options: PlanCacheOptions): PlanCache {
  let entries = new Map<string, PlanEntry>();
  let bytes = 0;
  let owner: GraphQLSchema | undefined;
  let planned = 0;
  let fallbacks = 0;
  const sizeOf = (entry: PlanEntry): number => ("unplannable" in entry ? DECISION_BYTES : entry.bytes);
  return {
    get(schema, key, build) {
      if (owner !== schema) {
        owner = schema;
        entries = new Map();
        bytes = 0;
      }
      const found = entries.get(key);
      if (found !== undefined) {
        // Map keeps insertion order: re-inserting makes this the most recently used.
        entries.delete(key);
        entries.set(key, found);
        return found;
      }
      const built = build();
      const size = sizeOf(built) + key.length * 2;
      if (size > options.maxBytes) return built;
      entries.set(key, built);
      bytes += size;
      for (const [oldest, entry] of entries) {
        if (entries.size <= options.maxEntries && bytes <= options.maxBytes) break;
        entries.delete(oldest);
        bytes -= sizeOf(entry) + oldest.length * 2;
      }
      return built;
    },
    countPlanned() {
      planned++;
    },
    countFallback() {
      fallbacks++;
    },
    stats() {
      return {
        entries: entries.size,
        bytes,
        maxEntries: options.maxEntries,
        maxBytes: options.maxBytes,
        planned,
        fallbacks,
      };
    },
  };
}
