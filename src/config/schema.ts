import * as z from "zod";
import { AuthSchema, GatewayTokenSchema, type JwtSchema, RolesSchema, roleName } from "./auth-schema";
import { FilesSchema } from "./files-schema";
import { upstreamName } from "./primitives";
import { RateLimitRuleSchema } from "./rate-limits-schema";
import { EventsSchema, RealtimeSchema } from "./realtime-schema";
import { type CustomizationSchema, RemoteSchema, ServiceSchema } from "./upstream-schema";

export { ENV_REFERENCE } from "./primitives";

/** CORS for browsers (the Fetch standard's CORS protocol). Absent: no CORS headers are sent. */
export const CorsSchema = z
  .object({
    origins: z
      .union([z.array(z.string()), z.literal("*")])
      .default([])
      .describe('Allowed origins ("https://app.example.com"), or "*" (not allowed with credentials).'),
    credentials: z.boolean().default(false).describe("Send Access-Control-Allow-Credentials: true."),
    exposedHeaders: z
      .array(z.string())
      .default([])
      .describe("Response headers scripts may read; x-request-id is always exposed."),
    allowedHeaders: z
      .array(
        z
          .string()
          // The admin secret is never for browsers (src/browser/cors.ts drops it from every preflight answer).
          .refine((name) => name.trim().toLowerCase() !== "x-admin-secret", {
            message: "x-admin-secret may never be sent by browsers: remove it from cors.allowedHeaders",
          })
          .refine((name) => name.trim() !== "*", {
            message: '"*" would allow x-admin-secret from browsers: list the headers by name',
          }),
      )
      .optional()
      .describe(
        'Request headers browsers may send. Default: whatever the preflight asks for. Never x-admin-secret (nor "*").',
      ),
    maxAgeSec: z.number().int().nonnegative().default(600).describe("How long browsers cache a preflight, in seconds."),
  })
  .strict()
  .refine((cors) => !(cors.credentials && cors.origins === "*"), {
    message: 'credentials: true needs a list of origins, not "*"',
    path: ["origins"],
  });

/** A limit of {@link LimitsSchema}: a whole number of at least 1. */
const limit = (description: string) => z.number().int().min(1).describe(description);

/** The limits one role may raise or lower (`limits.roles.<role>`); what is left out keeps the gateway-wide value. */
export const RoleLimitsSchema = z
  .object({
    maxJoinDepth: limit("Most join points on one path of an operation.").optional(),
    maxJoinFanOut: limit("Most join points in one operation.").optional(),
    maxDepth: limit("Most nested field levels of an operation.").optional(),
    maxAliases: limit("Most aliases in an operation.").optional(),
    maxDirectives: limit("Most directive uses in an operation.").optional(),
    maxTokens: limit("Most lexical tokens in the document.").optional(),
    maxCost: limit("Highest graphql-armor cost of an operation.").optional(),
    maxUpstreamCalls: limit("Most upstream calls one operation may cause.").optional(),
    maxBodyBytes: limit("Largest request body, in bytes.").optional(),
  })
  .strict();

/**
 * Bounds on what one operation may ask (docs/security.md "Operation limits"): joins, the graphql-armor
 * rules (depth, aliases, directives, tokens, cost), upstream calls and the request body. Defaults let
 * GraphiQL's introspection query and every documented example pass.
 */
export const LimitsSchema = z
  .object({
    maxJoinDepth: limit(
      "Most join points on one path of an operation (nested joins); deeper operations get 400.",
    ).default(5),
    maxJoinFanOut: limit("Most join points in one operation (fragments expanded); more get 400.").default(50),
    maxDepth: limit(
      "Most nested field levels of an operation, fragments expanded, introspection included; deeper get 400 DEPTH_LIMIT_EXCEEDED.",
    ).default(15),
    maxAliases: limit("Most aliases in an operation, fragments expanded; more get 400 ALIAS_LIMIT_EXCEEDED.").default(
      50,
    ),
    maxDirectives: limit("Most directive uses in an operation; more get 400 DIRECTIVE_LIMIT_EXCEEDED.").default(50),
    maxTokens: limit("Most lexical tokens in the document; more get 400 TOKEN_LIMIT_EXCEEDED.").default(1000),
    maxCost: limit(
      "Highest graphql-armor cost of an operation (objects 2, scalars 1, times 1.5 per level); higher get 400 COST_LIMIT_EXCEEDED.",
    ).default(20000),
    maxUpstreamCalls: limit(
      "Most upstream calls one operation may cause (each root field and alias, each join field per level); more get 400 UPSTREAM_CALL_LIMIT_EXCEEDED.",
    ).default(20),
    maxBodyBytes: limit("Largest request body (query and variables), in bytes; larger get 413 BODY_TOO_LARGE.").default(
      2 * 1024 * 1024,
    ),
    fieldSuggestions: z
      .boolean()
      .default(false)
      .describe('Keep graphql-js\'s "Did you mean" suggestions in validation errors (off: removed for every caller).'),
    exemptAdmin: z
      .boolean()
      .default(false)
      .describe("Requests of the admin role skip every operation limit but maxBodyBytes and the token ceiling."),
    roles: z
      .record(roleName, RoleLimitsSchema)
      .default({})
      .describe("Per role: limits raised or lowered for that role (the keys above)."),
  })
  .strict();

/** Introspection per role (Hasura's `disabled_for_roles`). */
export const IntrospectionSchema = z
  .object({
    disabledForRoles: z
      .array(roleName)
      .default([])
      .describe("Roles whose __schema / __type queries get 400 INTROSPECTION_DISABLED (__typename stays)."),
  })
  .strict();

/**
 * How operations are executed: the fast lane for operations one source answers alone and query plans
 * cached per (schema, document, operation name, role) for the rest (see docs/performance.md).
 */
export const ExecutionSchema = z
  .object({
    fastLane: z
      .boolean()
      .default(true)
      .describe(
        "Operations one source answers alone skip Yoga's pipeline after their first run: the decision is cached per (schema, document, operation name, role) and the upstream answer is streamed to the client unread when it has no errors.",
      ),
    queryPlans: z
      .boolean()
      .default(true)
      .describe(
        "Operations over several sources run a query plan cached per (schema, document, operation name, role) instead of stitching's per-request delegation; operations a plan cannot express still run through stitching.",
      ),
    planCache: z
      .object({
        maxEntries: z.number().int().min(1).max(100_000).default(1000).describe("Plans kept per isolate (LRU)."),
        maxBytes: z
          .number()
          .int()
          .min(65_536)
          .max(134_217_728)
          .default(8_388_608)
          .describe("Bytes of plans kept per isolate (LRU, estimated from the plans' upstream documents)."),
      })
      .strict()
      .prefault({})
      .describe("Bounds of the per-isolate plan cache; the least recently used plan goes first."),
  })
  .strict();

/** `trustedDocuments`: persisted documents (GraphQL over HTTP `documentId`, Apollo's persisted queries). */
const TrustedDocumentsSchema = z
  .object({
    mode: z
      .enum(["off", "allow", "require"])
      .default("off")
      .describe(
        '"off": documents in the store are not looked up; "allow": full queries and document ids both run; "require": only documents in the store run (arbitrary queries are refused with PERSISTED_QUERY_ONLY).',
      ),
  })
  .strict();

/** `deprecation`: the deprecation policy `npm run schema:check` and the reload guard enforce. */
const DeprecationSchema = z
  .object({
    minimumDays: z
      .number()
      .int()
      .min(0)
      .default(183)
      .describe("Days between a new deprecation and the removal date its reason names (six months by default)."),
    reasonFormat: z
      .enum(["policy", "any"])
      .default("policy")
      .describe(
        '"policy": every @deprecated reason reads "This {field|mutation} is deprecated and will be removed after YYYY/MM/DD." (optionally " Use the {x} {field|mutation} instead."); "any": any text.',
      ),
  })
  .strict();

/** `reload`: what POST /admin/reload does with a remote schema whose changes would fail the check. */
const ReloadSchema = z
  .object({
    onBreakingChange: z
      .enum(["reject", "warn", "allow"])
      .default("reject")
      .describe(
        '"reject": answer 409 RELOAD_BREAKING_CHANGE and keep serving the last good schema (?force=true overrides); "warn": log the changes and reload; "allow": reload.',
      ),
  })
  .strict();

/** A `Type.field` schema coordinate. */
const coordinate = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*$/, 'must be "Type.field"');
/** A GraphQL type name. */
const typeName = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, "must be a GraphQL type name");
/** Seconds a cached answer may be served. */
const maxAge = z.number().int().min(0).max(31_536_000);

/** `responseCache`: the edge response cache (Workers Cache API) and its hints for remote types and fields. */
const ResponseCacheSchema = z
  .object({
    defaultMaxAge: maxAge
      .default(0)
      .describe("Max age (s) of a field without a hint (0: an operation selecting it is not cached)."),
    ttlPerType: z
      .record(typeName, maxAge)
      .default({})
      .describe(
        'Max age (s) per type, e.g. { "Product": 60 }: for remote types, whose introspection carries no directives.',
      ),
    ttlPerSchemaCoordinate: z
      .record(coordinate, maxAge)
      .default({})
      .describe('Max age (s) per field, e.g. { "Query.products": 30 }; a field hint overrides its type\'s.'),
    privatePerType: z
      .array(typeName)
      .default([])
      .describe("Types whose answers are PRIVATE: cached per user (keyed by x-hasura-user-id), never shared."),
    keyFields: z
      .record(typeName, z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/))
      .default({})
      .describe(
        'The key field of entity types whose key is not `id`, e.g. { "Product": "upc" }: cache tags and purges name entities by __typename and this field.',
      ),
    zoneId: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Cloudflare zone id for purges by tag through the API (with the CF_API_TOKEN secret); the CF_ZONE_ID variable wins.",
      ),
  })
  .strict();

/** `observability`: Server-Timing, per-operation log lines, traces and metrics. */
const ObservabilitySchema = z
  .object({
    debugRoles: z
      .array(roleName)
      .default([])
      .describe("Roles whose callers get Server-Timing headers (callers with the admin secret always do)."),
    operationLogSampleRate: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe("Share of operations that get a per-operation log line (0 to 1)."),
  })
  .strict();

/** The whole of `schemas/gateway.json`. */
export const GatewayConfigSchema = z
  .object({
    $schema: z.string().optional().describe("Path of the JSON Schema for editors."),
    remotes: z.array(RemoteSchema).default([]).describe("Remote GraphQL schemas merged into the gateway's schema."),
    modules: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Modules to merge in: folders relative to the project root ("modules/stripe") or npm packages ("@acme/junction-module-auth"), each with a module.json (see docs/modules.md).',
      ),
    services: z
      .array(ServiceSchema)
      .default([])
      .describe("Remote REST services backing @rest fields in schemas/*.graphql."),
    gatewayToken: GatewayTokenSchema.default({ issuer: "junction", ttlSec: 60 }).describe(
      "x-gateway-token: HS256 with secret GATEWAY_TOKEN_SECRET, or EdDSA with secret GATEWAY_TOKEN_PRIVATE_KEY (an Ed25519 private JWK).",
    ),
    cors: CorsSchema.optional(),
    graphiql: z.boolean().default(true).describe("Serve GraphiQL to browsers at /graphql."),
    auth: AuthSchema.optional().describe("Who the caller is: JWT, roles, session variables."),
    permissions: z
      .record(roleName, z.record(upstreamName, z.string()))
      .optional()
      .describe(
        "Per role, per remote or service: the SDL subset the role may query (also schemas/permissions/<role>.graphql).",
      ),
    roles: RolesSchema.default({}).describe(
      'Inherited roles: { "manager": { "inherits": ["user", "auditor"] } } may use what any parent may (see docs/auth.md).',
    ),
    limits: LimitsSchema.prefault({}).describe("Limits checked before any upstream call."),
    introspection: IntrospectionSchema.prefault({}).describe("Who may introspect the schema."),
    execution: ExecutionSchema.prefault({}).describe(
      "The fast lane and query plans (see docs/performance.md); both on by default.",
    ),
    public: z
      .array(z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*$/, 'must be "Type.field"'))
      .default([])
      .describe('Fields open to requests without a token, e.g. "Mutation.login".'),
    rateLimits: z
      .array(RateLimitRuleSchema)
      .default([])
      .describe("Rate limits on /graphql, each counted by a Workers Rate Limiting binding (see docs/security.md)."),
    realtime: RealtimeSchema.prefault({}).describe(
      "Subscriptions over graphql-transport-ws and SSE, held in Durable Objects (see docs/realtime.md).",
    ),
    events: EventsSchema.prefault({}).describe("Publishing events to topics: POST /events/{topic} and @publish."),
    responseCache: ResponseCacheSchema.optional().describe(
      "The edge response cache (Workers Cache API); off without this key and without @cacheControl hints.",
    ),
    observability: ObservabilitySchema.prefault({}).describe(
      "Server-Timing, per-operation logs, OpenTelemetry traces and Analytics Engine metrics.",
    ),
    trustedDocuments: TrustedDocumentsSchema.prefault({}).describe(
      "Trusted documents (persisted operations) stored in KV by hash (see docs/schema-lifecycle.md).",
    ),
    deprecation: DeprecationSchema.prefault({}).describe(
      "The deprecation policy checked by npm run schema:check and the reload guard (see docs/schema-lifecycle.md).",
    ),
    reload: ReloadSchema.prefault({}).describe("The reload guard of POST /admin/reload."),
    files: FilesSchema.optional().describe(
      "File uploads (GraphQL multipart requests) stored in R2 (binding FILES), downloads at /files/{key} (see docs/files.md).",
    ),
  })
  .strict();

/** The config as written (defaults not applied). */
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;
/** The validated config with defaults applied and `{{env.X}}` resolved. */
export type GatewayConfig = z.output<typeof GatewayConfigSchema>;
/** One validated remote. */
export type RemoteConfig = GatewayConfig["remotes"][number];
/** One remote's customization. */
export type Customization = z.output<typeof CustomizationSchema>;
/** One validated REST service. */
export type ServiceConfig = GatewayConfig["services"][number];
/** One validated endpoint. */
export type EndpointConfig = ServiceConfig["endpoints"][string];
/** The validated gateway token settings. */
export type GatewayTokenConfig = GatewayConfig["gatewayToken"];
/** The validated auth settings. */
export type AuthConfig = z.output<typeof AuthSchema>;
/** The validated JWT settings. */
export type JwtConfig = z.output<typeof JwtSchema>;
/** The validated `auth.webhook` settings. */
export type WebhookConfig = NonNullable<AuthConfig["webhook"]>;
/** The validated limits. */
export type LimitsConfig = z.output<typeof LimitsSchema>;
/** The validated execution settings (fast lane, query plans). */
export type ExecutionConfig = z.output<typeof ExecutionSchema>;
/** The validated response cache settings. */
export type ResponseCacheConfig = z.output<typeof ResponseCacheSchema>;
/** The validated observability settings. */
export type ObservabilityConfig = z.output<typeof ObservabilitySchema>;
/** The validated trusted documents settings. */
export type TrustedDocumentsConfig = z.output<typeof TrustedDocumentsSchema>;
/** The validated deprecation policy. */
export type DeprecationConfig = z.output<typeof DeprecationSchema>;
/** The validated reload guard settings. */
export type ReloadConfig = z.output<typeof ReloadSchema>;
/** The validated introspection settings. */
export type IntrospectionConfig = z.output<typeof IntrospectionSchema>;
/** The limits one role may override. */
export type RoleLimitsConfig = z.output<typeof RoleLimitsSchema>;
/** The validated CORS settings. */
export type CorsConfig = z.output<typeof CorsSchema>;
