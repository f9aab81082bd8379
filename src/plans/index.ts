/**
 * plans/: query plans for operations over several sources (issue 16). An operation is planned once per
 * (schema, operation name, document): which upstream operation each source gets at each level, which
 * keys go where, how the answers merge; every request then runs the plan (one call per source and level)
 * and one shaping pass, without stitching's per-request delegation. Plans live in a per-isolate LRU.
 */

export { buildPlan } from "./build";
export { createPlanCache, type PlanCache, type PlanCacheOptions, type PlanEntry, type PlanStats } from "./cache";
export { Unplannable } from "./context";
export { runPlan } from "./run";
export type { EntityNode, EntityStep, Plan, PlanFetch, RootFetch, ShapeField } from "./types";
export { ShapeKind } from "./types";
export { type UsePlansOptions, usePlans } from "./use-plans";
