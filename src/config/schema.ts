import { z } from "zod";
import { AuthSchema, GatewayTokenSchema, type JwtSchema, roleName } from "./auth-schema";
import { upstreamName } from "./primitives";
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
