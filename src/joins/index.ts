/**
 * joins/: everything that joins one source's objects to another's. `@join` directives read from
 * schemas/*.graphql (directive.ts), the join engine that checks them against the composed sources and
 * resolves them batched, one call per level (build-joins.ts), entity merging of remotes' `merge`
 * entries (merge.ts), batching helpers shared with `@rest(batch: true)` (batch.ts), and the join
 * limits plugin (use-join-limits.ts). Imports shared/, templates/, config/ and errors/; never sources/
 * (a remote's customization comes in as `JoinSource.names`).
 */
export { batchArguments, batchCacheKey, batchShareKey, findBatchKey, matchByKey } from "./batch";
export { buildJoins, invalidJoin, type JoinPoints, joinPointsOf, setJoinPoints } from "./build-joins";
export { type JoinedField, keyCycles, parentNames, readJoinDirective } from "./directive";
export { type RemoteMerge, remoteMerge } from "./merge";
export type { BatchKey, FieldExtension, JoinDirective, JoinSource, JoinStatus } from "./types";
export { crossesSources, type JoinLimits, useJoinLimits } from "./use-join-limits";
