import { z } from "zod";

/** Matches a `{{env.NAME}}` reference inside any config string. */
export const ENV_REFERENCE = /\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

const hasEnvReference = (value: string): boolean => value.includes("{{");

/** A GraphQL name (GraphQL spec, section 2.1.9 "Names"). */
const graphqlName = z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*$/, "must be a GraphQL name ([_A-Za-z][_0-9A-Za-z]*)");

/** A prefix or suffix added to GraphQL names: may be empty, must keep the name valid. */
const nameAffix = z.string().regex(/^[_0-9A-Za-z]*$/, "may contain only [_0-9A-Za-z]");

/**
 * An absolute http(s) URL. A value that still holds `{{env.X}}` passes here: the config is checked
 * again after interpolation, when the real value must be a URL.
 */
const httpUrl = z.string().refine(
  (value) => {
    if (hasEnvReference(value)) return true;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "must be an absolute http(s) URL" },
);

/** An HTTP header name: an RFC 9110 token (section 5.1). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name (RFC 9110 token)");

/** Header name -> value. Names are matched case-insensitively (RFC 9110, section 5.1). */
const headerMap = z.record(headerName, z.string());

/** `forwardClientHeaders`, shared by remotes and services. */
const forwardClientHeaders = z
  .union([z.array(z.string()), z.literal(true)])
  .default([])
  .describe(
    "Client headers to forward: a list of names, or true for all but hop-by-hop, host, content-length and x-admin-secret.",
  );

/** `timeoutMs`, shared by remotes and services. */
const timeoutMs = z
  .number()
  .int()
  .positive()
  .max(600_000)
  .default(10_000)
  .describe("Time in ms for the whole upstream exchange (headers and body).");

/** Per-upstream switch for the `x-gateway-token` header. */
const gatewayTokenSwitch = z
  .boolean()
  .default(true)
  .describe("Send x-gateway-token (a JWT signed by the gateway, aud = this upstream's name) with every call.");

/** The name of a remote or service: unique across both, `[a-z][a-z0-9_]*`. */
const upstreamName = z.string().regex(/^[a-z][a-z0-9_]*$/, "must match [a-z][a-z0-9_]*");

/** Per-parent-type field renames (Hasura's `field_names` customization). */
export const FieldNamesCustomizationSchema = z
  .object({
    parentType: graphqlName.describe("Type whose fields are renamed, by its name in the remote schema."),
    prefix: nameAffix.optional().describe("Prepended to every field name of parentType."),
    suffix: nameAffix.optional().describe("Appended to every field name of parentType."),
    mapping: z
      .record(graphqlName, graphqlName)
      .optional()
      .describe("Exact renames (original field name -> new name); win over prefix/suffix."),
  })
  .strict();

/**
 * Hasura's remote schema customization.
 * @see https://hasura.io/docs/latest/api-reference/metadata-api/remote-schemas
 */
export const CustomizationSchema = z
  .object({
    rootFieldsNamespace: graphqlName
      .optional()
      .describe(
        "Put every root field of this remote under one field of this name (type `<namespace>_query` / `<namespace>_mutation`).",
      ),
    typeNames: z
      .object({
        prefix: nameAffix
          .optional()
          .describe("Prepended to every type name (not built-in scalars or introspection types)."),
        suffix: nameAffix.optional().describe("Appended to every type name."),
        mapping: z
          .record(graphqlName, graphqlName)
          .optional()
          .describe("Exact renames (original type name -> new name); win over prefix/suffix."),
      })
      .strict()
      .optional(),
    fieldNames: z.array(FieldNamesCustomizationSchema).optional(),
  })
  .strict();

/**
 * How a remote resolves one merged type from its key (stitching's merged type config). Names are the
 * remote's own, before `customization`.
 * @see https://the-guild.dev/graphql/stitching/docs/approaches/type-merging
 */
export const MergeSchema = z
  .object({
    key: graphqlName.describe("Field of the type that identifies an object, e.g. id."),
    resolver: graphqlName.describe(
      "Query field of this remote that returns the type by key: a list field (all keys of a level in one call) or a single-object field (one call per key, sent as one batched request).",
    ),
    argument: graphqlName.describe(
      "Argument of `resolver` that takes the key (a list argument for a list resolver, else one key).",
    ),
  })
  .strict();

/** One remote GraphQL schema (Hasura's "remote schema"). */
export const RemoteSchema = z
  .object({
    name: upstreamName.describe("Unique name; used in errors (`extensions.serviceName`), admin routes and KV keys."),
    url: httpUrl.describe("GraphQL endpoint (http or https)."),
    headers: headerMap
      .default({})
      .describe("Headers sent on every request to this remote; win over session variables and client headers."),
    introspectionHeaders: headerMap
      .optional()
      .describe("Headers for introspection only (for example an admin token). Default: `headers`."),
    forwardClientHeaders,
    timeoutMs,
    customization: CustomizationSchema.optional(),
    gatewayToken: gatewayTokenSwitch,
    merge: z
      .record(graphqlName, MergeSchema)
      .optional()
      .describe(
        "Entity merging (stitching type merging, Hasura remote-to-remote relationships): per type, by its name in this remote, how this remote resolves it from a key.",
      ),
  })
  .strict();

/** A template string: may read `{args.x}`, `{parent.x}`, `{session.x}` (nested paths allowed). */
const template = z.string();

/** A JSON body template: any JSON value whose strings are templates. */
type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };
const jsonTemplate: z.ZodType<JsonTemplate> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonTemplate), z.record(z.string(), jsonTemplate)]),
);

/** One header operation of an endpoint, applied after the service's headers. */
export const HeaderOpSchema = z
  .object({
    op: z.enum(["set", "add", "del"]).describe("set replaces, add appends a value, del removes the header."),
    key: headerName,
    value: template.optional().describe("The value (a template); required for set and add."),
  })
  .strict()
  .refine((op) => op.op === "del" || op.value !== undefined, { message: "set and add need a value", path: ["value"] });

/** One named endpoint of a REST service (Space Cloud's remote service endpoint). */
export const EndpointSchema = z
  .object({
    method: z
      .enum(["GET", "POST", "PUT", "PATCH", "DELETE"])
      .default("POST")
      .describe("HTTP method. POST sends the field's arguments as the JSON body unless `body` is given."),
    path: z
      .string()
      .startsWith("/", "must start with /")
      .describe("Path template, e.g. /charges/{args.id}; values are URL-encoded."),
    query: z
      .record(z.string(), template)
      .optional()
      .describe("Query parameters (templates); a parameter whose value is null or missing is left out."),
    body: jsonTemplate
      .optional()
      .describe('JSON body template; a string that is exactly one "{args.x}" keeps the value\'s JSON type.'),
    headers: z.array(HeaderOpSchema).default([]).describe("Header operations after the service's headers."),
    select: z.string().optional().describe("Dot path into the JSON response, e.g. data.items."),
    keyField: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Field of each item of the response list that holds the parent's key; needed by @rest(batch: true), which matches items to parents by it.",
      ),
  })
  .strict();

/** A remote REST service whose endpoints back GraphQL fields declared with `@rest` in schemas/*.graphql. */
export const ServiceSchema = z
  .object({
    name: upstreamName.describe("Unique across services and remotes; named by @rest(service:) and in errors."),
    url: httpUrl.describe("Base URL; endpoint paths are appended to it."),
    headers: headerMap
      .default({})
      .describe("Headers sent with every call; win over session variables and client headers."),
    forwardClientHeaders,
    timeoutMs,
    endpoints: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must match [A-Za-z_][A-Za-z0-9_]*"), EndpointSchema)
      .describe("Named endpoints."),
    exposeErrors: z
      .boolean()
      .default(false)
      .describe("On a non-2xx answer, pass the JSON body's message/error string to the client."),
    gatewayToken: gatewayTokenSwitch,
  })
  .strict();

/** How the gateway signs `x-gateway-token`. The key comes from secrets, never from this file. */
export const GatewayTokenSchema = z
  .object({
    issuer: z.string().min(1).default("junction").describe("The token's iss claim."),
    ttlSec: z.number().int().positive().max(3600).default(60).describe("Lifetime of a token, in seconds."),
  })
  .strict();

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
      .array(z.string())
      .optional()
      .describe("Request headers browsers may send. Default: whatever the preflight asks for."),
    maxAgeSec: z.number().int().nonnegative().default(600).describe("How long browsers cache a preflight, in seconds."),
  })
  .strict()
  .refine((cors) => !(cors.credentials && cors.origins === "*"), {
    message: 'credentials: true needs a list of origins, not "*"',
    path: ["origins"],
  });

/** JWS algorithms the gateway accepts (RFC 7518 section 3.1; EdDSA from RFC 8037). `none` is never one. */
export const JWT_ALGORITHMS = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

/** RFC 7518 section 3.2: an HMAC key must be at least as long as the hash output; Hasura asks 32 characters. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** A session variable name as Hasura reads it from claims: `x-hasura-*`, matched case-insensitively. */
const sessionVariableName = z
  .string()
  .regex(/^x-hasura-[A-Za-z0-9_-]+$/i, "must be a session variable name (x-hasura-*)");

/** A claims map entry: a JSON path into the token's payload (with a default), or a literal value. */
const claimsMapEntry = z.union([
  z
    .object({
      path: z.string().startsWith("$", "must be a JSON path starting with $").describe("JSON path into the payload."),
      default: z
        .union([z.string(), z.array(z.string())])
        .optional()
        .describe("Used when the path finds nothing."),
    })
    .strict(),
  z.string(),
  z.array(z.string()),
]);

/** Where the token is read from (Hasura's `header` of the JWT config). */
const tokenLocation = z.discriminatedUnion("type", [
  z.object({ type: z.literal("Authorization") }).strict(),
  z.object({ type: z.literal("Cookie"), name: z.string().min(1).describe("Cookie name.") }).strict(),
  z
    .object({
      type: z.literal("CustomHeader"),
      name: headerName.describe("Header carrying the raw token."),
    })
    .strict(),
]);

/**
 * JWT verification at the edge, as Hasura's `HASURA_GRAPHQL_JWT_SECRET` reads tokens.
 * @see https://hasura.io/docs/latest/auth/authentication/jwt/
 */
export const JwtSchema = z
  .object({
    jwksUrl: httpUrl
      .optional()
      .describe("JWK Set URL (RFC 7517) for RS*, PS*, ES* and EdDSA keys; cached per isolate."),
    secret: z
      .string()
      .refine((value) => hasEnvReference(value) || value.length >= MIN_JWT_SECRET_LENGTH, {
        message: `must be at least ${MIN_JWT_SECRET_LENGTH} characters (RFC 7518 section 3.2)`,
      })
      .optional()
      .describe("HMAC key for HS256/384/512; use {{env.JWT_SECRET}} and a secret, never the literal key."),
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1)
      .describe("Accepted algorithms; never inferred from the token. `none` is not accepted."),
    issuer: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("Required `iss` (one of)."),
    audience: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe("Required `aud` (one of)."),
    clockToleranceSec: z
      .number()
      .int()
      .nonnegative()
      .max(300)
      .default(0)
      .describe("Seconds of clock skew allowed for exp and nbf."),
    claimsNamespace: z
      .string()
      .default("https://hasura.io/jwt/claims")
      .describe("Top-level claim holding the x-hasura-* claims."),
    claimsNamespacePath: z
      .string()
      .startsWith("$", "must be a JSON path starting with $")
      .nullable()
      .default(null)
      .describe("JSON path to the claims object (e.g. $.hasura.claims); wins over claimsNamespace."),
    claimsFormat: z
      .enum(["json", "stringified_json"])
      .default("json")
      .describe("Whether the claims object is JSON or a string holding JSON."),
    claimsMap: z
      .record(sessionVariableName, claimsMapEntry)
      .optional()
      .describe("Per claim: a JSON path into the payload ({ path, default }) or a literal; overrides the namespace."),
    header: tokenLocation
      .default({ type: "Authorization" })
      .describe("Where the token is: Bearer, a cookie or a header."),
    jwksCooldownSec: z
      .number()
      .int()
      .positive()
      .max(3600)
      .default(30)
      .describe("A token with an unknown kid refetches the JWK Set at most once per this many seconds."),
  })
  .strict()
  .refine((jwt) => jwt.jwksUrl !== undefined || jwt.secret !== undefined, {
    message: "needs jwksUrl or secret",
    path: ["jwksUrl"],
  });

/** The characters of a role name (Hasura allows the same); also the name of a permission file. */
export const ROLE_NAME = /^[A-Za-z0-9_-]+$/;

/** A role name. */
const roleName = z.string().regex(ROLE_NAME, "must match [A-Za-z0-9_-]+");

/** Authentication and session variables (Hasura's model). */
export const AuthSchema = z
  .object({
    jwt: JwtSchema.optional(),
    unauthenticatedRole: roleName
      .optional()
      .describe("Role of requests without a token; without it such requests get 401 (public fields excepted)."),
    sessionHeaderPrefix: z
      .string()
      .regex(/^[a-z0-9-]+$/, "must be a lower-case header name prefix such as x-hasura-")
      .default("x-hasura-")
      .describe("Session variables go upstream as <prefix><name>: x-hasura-user-id becomes <prefix>user-id."),
  })
  .strict();

/** Bounds on what one operation may ask of the joins. */
export const LimitsSchema = z
  .object({
    maxJoinDepth: z
      .number()
      .int()
      .min(1)
      .default(5)
      .describe("Most join points on one path of an operation (nested joins); deeper operations get 400."),
    maxJoinFanOut: z
      .number()
      .int()
      .min(1)
      .default(50)
      .describe("Most join points in one operation (fragments expanded); more get 400."),
  })
  .strict();

/** The whole of `schemas/gateway.json`. */
export const GatewayConfigSchema = z
  .object({
    $schema: z.string().optional().describe("Path of the JSON Schema for editors."),
    remotes: z.array(RemoteSchema).default([]).describe("Remote GraphQL schemas merged into the gateway's schema."),
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
    limits: LimitsSchema.default({ maxJoinDepth: 5, maxJoinFanOut: 50 }).describe(
      "Limits checked before any upstream call.",
    ),
    public: z
      .array(z.string().regex(/^[_A-Za-z][_0-9A-Za-z]*\.[_A-Za-z][_0-9A-Za-z]*$/, 'must be "Type.field"'))
      .default([])
      .describe('Fields open to requests without a token, e.g. "Mutation.login".'),
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
/** The validated limits. */
export type LimitsConfig = z.output<typeof LimitsSchema>;
/** The validated CORS settings. */
export type CorsConfig = z.output<typeof CorsSchema>;
