/**
 * config/: `schemas/gateway.json` defined once as a zod schema (schema.ts with its parts
 * upstream-schema.ts, auth-schema.ts and primitives.ts), loaded with `{{env.X}}` resolved (load.ts);
 * the TypeScript types are inferred from it and the editor JSON Schema generated from it.
 */

export {
  AuthSchema,
  GatewayTokenSchema,
  HOP_BY_HOP_HEADERS,
  JWT_ALGORITHMS,
  JwtSchema,
  MIN_JWT_SECRET_LENGTH,
  ROLE_NAME,
  WebhookSchema,
} from "./auth-schema";
export { type FileRule, FileRuleSchema, type FilesConfig, FilesSchema } from "./files-schema";
export { checkConfigStructure, interpolateEnv, loadConfig, toJsonPath } from "./load";
export { CIRCUIT_BREAKER_DEFAULTS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_RETRIES } from "./primitives";
export {
  DEFAULT_RATE_LIMIT_BINDING,
  RATE_LIMIT_BINDING_NAME,
  RATE_LIMIT_PERIODS,
  type RateLimitRule,
  RateLimitRuleSchema,
} from "./rate-limits-schema";
export {
  type EventsConfig,
  EventsSchema,
  MAX_TRIGGER_RETRIES,
  type RealtimeConfig,
  RealtimeSchema,
  TOPIC_PATTERN,
  type TriggerConfig,
  TriggerSchema,
} from "./realtime-schema";
export {
  type AuthConfig,
  type CorsConfig,
  CorsSchema,
  type Customization,
  type DeprecationConfig,
  type EndpointConfig,
  type ExecutionConfig,
  ExecutionSchema,
  type GatewayConfig,
  type GatewayConfigInput,
  GatewayConfigSchema,
  type GatewayTokenConfig,
  type IntrospectionConfig,
  IntrospectionSchema,
  type JwtConfig,
  type LimitsConfig,
  LimitsSchema,
  type ObservabilityConfig,
  type ReloadConfig,
  type RemoteConfig,
  type ResponseCacheConfig,
  type RoleLimitsConfig,
  RoleLimitsSchema,
  type ServiceConfig,
  type TrustedDocumentsConfig,
  type WebhookConfig,
} from "./schema";
export {
  CustomizationSchema,
  EndpointSchema,
  HeaderOpSchema,
  MergeSchema,
  RemoteSchema,
  ServiceSchema,
} from "./upstream-schema";
