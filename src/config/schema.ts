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

/** Header name -> value. Names are matched case-insensitively (RFC 9110, section 5.1). */
const headerMap = z.record(
  z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name (RFC 9110 token)"),
  z.string(),
);

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

/** One remote GraphQL schema (Hasura's "remote schema"). */
export const RemoteSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, "must match [a-z][a-z0-9_]*")
      .describe("Unique name; used in errors (`extensions.serviceName`), admin routes and KV keys."),
    url: httpUrl.describe("GraphQL endpoint (http or https)."),
    headers: headerMap
      .default({})
      .describe("Headers sent on every request to this remote; win over session variables and client headers."),
    introspectionHeaders: headerMap
      .optional()
      .describe("Headers for introspection only (for example an admin token). Default: `headers`."),
    forwardClientHeaders: z
      .union([z.array(z.string()), z.literal(true)])
      .default([])
      .describe(
        "Client headers to forward: a list of names, or true for all but hop-by-hop, host, content-length and x-admin-secret.",
      ),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(600_000)
      .default(10_000)
      .describe("Time in ms for the whole upstream exchange (headers and body)."),
    customization: CustomizationSchema.optional(),
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

/** The whole of `schemas/gateway.json`. */
export const GatewayConfigSchema = z
  .object({
    $schema: z.string().optional().describe("Path of the JSON Schema for editors."),
    remotes: z.array(RemoteSchema).default([]).describe("Remote GraphQL schemas merged into the gateway's schema."),
    cors: CorsSchema.optional(),
    graphiql: z.boolean().default(true).describe("Serve GraphiQL to browsers at /graphql."),
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
/** The validated CORS settings. */
export type CorsConfig = z.output<typeof CorsSchema>;
