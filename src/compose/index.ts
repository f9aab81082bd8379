/**
 * compose/: subschemas -> one stitched schema. Conflict rules (Hasura's), composition with joins and
 * merged types (from src/joins), which remote may answer an operation alone (passthrough), and the
 * per-isolate schema registry: lifecycle, KV cache, polling, reload and status.
 */
export { type ComposeInput, type ComposeResult, composeSubschemas } from "./compose";
export { type ComposableSchema, findConflict, recordSchema, typeStructure } from "./conflicts";
export { sha256Hex } from "./hash";
export { type PassthroughSource, passthroughSourcesOf, type RestRoot, restRootsOf } from "./passthrough";
export { type PlanJoin, type PlanMerge, type PlanSource, type PlanSources, planSourcesOf } from "./plan-sources";
export { remotePublishConfigProblems } from "./publish";
export { createSchemaRegistry } from "./registry";
export type { EarlySchema } from "./registry-early";
export type {
  GatewayStatus,
  ReloadGuardOptions,
  ReloadOptions,
  ReloadReport,
  RemoteFailure,
  RemoteStatus,
  SchemaRegistry,
  SchemaRegistryOptions,
  SchemaSource,
} from "./registry-types";
export { createSchemaCache, type RemotePointer, type SchemaCache, type SchemaCacheOptions } from "./schema-cache";
