/**
 * limits/: the operation limits of docs/security.md "Operation limits", checked before any upstream
 * call. The request body size (body-limit.ts, a Hono middleware of `/graphql`: 413 `BODY_TOO_LARGE`);
 * graphql-armor's token-counting parser and its depth, alias, directive and cost measures (measure.ts),
 * the upstream calls an operation may cause (upstream-calls.ts) and introspection per role, all in one
 * Yoga plugin (use-operation-limits.ts: 400 with `extensions { code, limit, max, actual }`); and the
 * limits of a request, gateway-wide or raised/lowered for its role (resolve.ts), which the join limits
 * of joins/ use too. Imports config/, errors/, joins/ (the join points) and shared/.
 */
export { graphqlBodyLimit } from "./body-limit";
export { type LimitName, type LimitsSettings, type ResolvedLimits, resolveLimits, tokenCeiling } from "./resolve";
export { useOperationLimits } from "./use-operation-limits";
