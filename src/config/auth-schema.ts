import * as z from "zod";
import { hasEnvReference, headerName, httpUrl } from "./primitives";

/** The config of authentication (Hasura's model) and of the gateway token. */

/** How the gateway signs `x-gateway-token`. The key comes from secrets, never from this file. */
export const GatewayTokenSchema = z
  .object({
    issuer: z.string().min(1).default("junction").describe("The token's iss claim."),
    ttlSec: z.number().int().positive().max(3600).default(60).describe("Lifetime of a token, in seconds."),
  })
  .strict();

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
 * Whether a JWK Set URL may be used: https, or http on a loopback host (`localhost`, 127.0.0.0/8,
 * `[::1]`), where nobody on the network can swap the keys. A `{{env.X}}` value passes here and is
 * checked again after interpolation.
 * @param value - an absolute http(s) URL (httpUrl checked it)
 * @returns true when allowed
 */
function isHttpsOrLoopback(value: string): boolean {
  if (hasEnvReference(value)) return true;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return true; // httpUrl reports it
  }
  if (url.protocol === "https:") return true;
  const host = url.hostname;
  return host === "localhost" || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * JWT verification at the edge, as Hasura's `HASURA_GRAPHQL_JWT_SECRET` reads tokens.
 * @see https://hasura.io/docs/latest/auth/authentication/jwt/
 */
export const JwtSchema = z
  .object({
    jwksUrl: httpUrl
      .refine(isHttpsOrLoopback, {
        message: "must be https (plain http only on loopback: localhost, 127.0.0.0/8, [::1])",
      })
      .optional()
      .describe(
        "JWK Set URL (RFC 7517) for RS*, PS*, ES* and EdDSA keys; cached per isolate. https, except on loopback; a JWK Set over 64 KB is refused.",
      ),
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
      .describe("Seconds of clock skew allowed for exp, nbf and iat (an iat further in the future is refused)."),
    maxTokenAgeSec: z
      .number()
      .int()
      .positive()
      .optional()
      .describe("If set, tokens must carry iat and be at most this many seconds old (beyond clockToleranceSec)."),
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
export const roleName = z.string().regex(ROLE_NAME, "must match [A-Za-z0-9_-]+");

/** Headers that describe one hop of a connection, never forwarded to the auth webhook (RFC 9110 section 7.6.1). */
export const HOP_BY_HOP_HEADERS = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
] as const;

/**
 * `auth.webhook`: Hasura's webhook authentication mode. The gateway asks the hook who the caller is on
 * every request (answers cached as the hook's `Cache-Control`/`Expires` allow).
 * @see https://hasura.io/docs/latest/auth/authentication/webhook/
 */
export const WebhookSchema = z
  .object({
    url: httpUrl.describe("The auth hook's URL, usually {{env.AUTH_HOOK_URL}}."),
    method: z
      .enum(["GET", "POST"])
      .default("GET")
      .describe(
        "GET sends the client's headers as the hook request's headers; POST sends { headers, request: { query, variables, operationName } } as JSON.",
      ),
    timeoutMs: z
      .number()
      .int()
      .positive()
      .max(60_000)
      .default(2000)
      .describe("The hook must answer within this many ms, else 500 AUTH_WEBHOOK_FAILED."),
    maxCacheSec: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe(
        "An answer is cached per credential headers as its Cache-Control max-age or Expires allows, never longer than this (0: never cached).",
      ),
    forwardHeaders: z
      .array(headerName.transform((name) => name.toLowerCase()))
      .optional()
      .describe(
        "Only these client headers go to the hook (and key its cache); default: all but hop-by-hop headers, host and content-length.",
      ),
    kvCache: z
      .boolean()
      .default(false)
      .describe(
        "Also cache answers in Workers KV (binding SCHEMA_CACHE) so other isolates reuse them; only answers cacheable for 60 s or more (KV's shortest TTL).",
      ),
  })
  .strict();

/** Authentication and session variables (Hasura's model). */
export const AuthSchema = z
  .object({
    jwt: JwtSchema.optional(),
    webhook: WebhookSchema.optional().describe(
      "Webhook authentication (Hasura's auth hook), instead of jwt: the hook answers each request's session variables.",
    ),
    unauthenticatedRole: roleName
      .optional()
      .describe("Role of requests without a token; without it such requests get 401 (public fields excepted)."),
    sessionHeaderPrefix: z
      .string()
      .regex(/^[a-z0-9-]+$/, "must be a lower-case header name prefix such as x-hasura-")
      .default("x-hasura-")
      .describe("Session variables go upstream as <prefix><name>: x-hasura-user-id becomes <prefix>user-id."),
  })
  .strict()
  .refine((auth) => auth.jwt === undefined || auth.webhook === undefined, {
    message: "use jwt or webhook, not both",
    path: ["webhook"],
  })
  .refine((auth) => auth.webhook === undefined || auth.unauthenticatedRole === undefined, {
    message:
      "unauthenticatedRole has no effect with webhook: the hook decides about requests without credentials (answer that role from it)",
    path: ["unauthenticatedRole"],
  });

/**
 * `roles`: roles defined by other roles (Hasura's inherited roles). An inherited role may use what any
 * of its parents may; it has no permission SDL of its own unless it is given one, which then replaces
 * the inherited permissions (as Hasura's overriding permission).
 * @see https://hasura.io/docs/latest/auth/authorization/inherited-roles/
 */
export const RolesSchema = z.record(
  roleName,
  z
    .object({
      inherits: z
        .array(roleName)
        .min(1)
        .describe("The parent roles: the role sees a field if any parent sees it; parents may be inherited roles."),
    })
    .strict(),
);
