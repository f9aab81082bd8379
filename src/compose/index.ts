export { type ComposeInput, type ComposeResult, composeSubschemas } from "./compose";
export { type ComposableSchema, findConflict, recordSchema, typeStructure } from "./conflicts";
export { sha256Hex } from "./hash";
export { type JoinPoints, type JoinStatus, joinPointsOf } from "./joins";
export { type PassthroughSource, passthroughSourcesOf } from "./passthrough";
export {
  createSchemaRegistry,
  type GatewayStatus,
  type ReloadReport,
  type RemoteFailure,
  type RemoteStatus,
  type SchemaRegistry,
  type SchemaRegistryOptions,
  type SchemaSource,
  type WaitUntil,
} from "./registry";
export { createSchemaCache, type RemotePointer, type SchemaCache, type SchemaCacheOptions } from "./schema-cache";
