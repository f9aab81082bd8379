/**
 * Every `extensions.code` / JSON `error.code` Junction emits, in one place.
 *
 * Codes are SCREAMING_SNAKE and stable: clients and dashboards match on them.
 */
export const ErrorCode = {
  /** `schemas/gateway.json` failed validation or referenced a missing `{{env.X}}`. HTTP 500. */
  INVALID_CONFIG: "INVALID_CONFIG",
  /** The admin routes are disabled because the `ADMIN_SECRET` secret is unset. HTTP 503. */
  ADMIN_DISABLED: "ADMIN_DISABLED",
  /** Missing or wrong `x-admin-secret` header. HTTP 401. */
  UNAUTHORIZED: "UNAUTHORIZED",
  /** No route, or no remote schema of that name. HTTP 404. */
  NOT_FOUND: "NOT_FOUND",
  /** The remote did not answer (headers and body) within its `timeoutMs`. */
  UPSTREAM_TIMEOUT: "UPSTREAM_TIMEOUT",
  /** Connection refused/reset, DNS failure, or an HTTP 5xx without a GraphQL body. */
  UPSTREAM_UNAVAILABLE: "UPSTREAM_UNAVAILABLE",
  /** The remote answered with something that is not a GraphQL JSON response (HTML, invalid JSON, ...). */
  UPSTREAM_INVALID_RESPONSE: "UPSTREAM_INVALID_RESPONSE",
  /** The remote answered with a non-2xx status that is neither 5xx nor a GraphQL body. */
  UPSTREAM_HTTP_ERROR: "UPSTREAM_HTTP_ERROR",
  /** Introspecting a remote schema failed (it answered, but not with a usable schema). */
  INTROSPECTION_FAILED: "INTROSPECTION_FAILED",
  /** Two remotes define the same root field, or the same type name with different structure. */
  SCHEMA_CONFLICT: "SCHEMA_CONFLICT",
  /** A remote's customization produces an invalid schema (for example an interface field renamed on one side only). */
  INVALID_CUSTOMIZATION: "INVALID_CUSTOMIZATION",
  /**
   * A join or merge does not fit the loaded schemas (unknown root field, key field missing, joined type
   * mismatch, ...). It is left out of the schema (or its remote, for `merge`); the rest serves. Shown in
   * `GET /healthz`; a reload that would cause it fails with RELOAD_FAILED.
   */
  INVALID_JOIN: "INVALID_JOIN",
  /** The operation's join depth or fan-out exceeds `limits.maxJoinDepth` / `limits.maxJoinFanOut`. HTTP 400. */
  JOIN_LIMIT_EXCEEDED: "JOIN_LIMIT_EXCEEDED",
  /** A reload could not complete; the last good schema is still served. HTTP 502 or 409. */
  RELOAD_FAILED: "RELOAD_FAILED",
  /** No remote schema could be loaded at all, so there is no schema to serve. HTTP 503. */
  SCHEMA_UNAVAILABLE: "SCHEMA_UNAVAILABLE",
  /** The Authorization header is not exactly `Bearer <jwt>` (RFC 6750 section 2.1). HTTP 400. */
  INVALID_AUTHORIZATION_HEADER: "INVALID_AUTHORIZATION_HEADER",
  /** The JWT failed verification: signature, algorithm, key id, nbf, iss, aud, missing exp, malformed. HTTP 401. */
  INVALID_JWT: "INVALID_JWT",
  /** The JWT's exp is past (beyond `clockToleranceSec`). HTTP 401. */
  JWT_EXPIRED: "JWT_EXPIRED",
  /** The JWT verified, but its Hasura claims are missing or malformed. HTTP 401. */
  INVALID_CLAIMS: "INVALID_CLAIMS",
  /** The requested `x-hasura-role` is not among the token's allowed roles. HTTP 403. */
  ROLE_NOT_ALLOWED: "ROLE_NOT_ALLOWED",
  /** No token, and the operation is not open to requests without one. HTTP 401. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
  /** The JWK Set could not be fetched and no earlier copy is cached. HTTP 503. */
  JWKS_UNAVAILABLE: "JWKS_UNAVAILABLE",
  /** The role's permission SDL does not fit the served schema; the role is refused until fixed. HTTP 500. */
  INVALID_PERMISSIONS: "INVALID_PERMISSIONS",
  /** An argument preset names a session variable the caller's session does not have. HTTP 400. */
  MISSING_SESSION_VARIABLE: "MISSING_SESSION_VARIABLE",
  /** A request the gateway will not run as sent (see the message). HTTP 400. */
  BAD_REQUEST: "BAD_REQUEST",
  /** Anything unexpected; the real error is logged, never sent. HTTP 500. */
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
