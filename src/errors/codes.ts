/**
 * The one error table: every `extensions.code` / JSON `error.code` Junction emits, with the HTTP status
 * it answers with when it ends a whole request, and what it means. Throw sites name the code, never a
 * status: {@link GatewayError} takes the status from here.
 *
 * Codes are SCREAMING_SNAKE and stable: clients and dashboards match on them. `status: "cause"` means
 * the status of the error's `cause` (a GatewayError), 500 when the cause is anything else.
 */
export const ERROR_TABLE = {
  INVALID_CONFIG: {
    status: 500,
    meaning: "schemas/gateway.json or schemas/*.graphql is invalid, or a {{env.X}} is missing",
  },
  ADMIN_DISABLED: { status: 503, meaning: "the admin routes are disabled because the ADMIN_SECRET secret is unset" },
  UNAUTHORIZED: { status: 401, meaning: "missing or wrong x-admin-secret header" },
  NOT_FOUND: { status: 404, meaning: "no such route, remote schema or key" },
  UPSTREAM_TIMEOUT: { status: 502, meaning: "the upstream did not answer (headers and body) within its timeoutMs" },
  UPSTREAM_UNAVAILABLE: {
    status: 502,
    meaning: "connection refused or reset, DNS failure, or an HTTP 5xx without a GraphQL body",
  },
  UPSTREAM_INVALID_RESPONSE: {
    status: 502,
    meaning:
      "the upstream answered something that is not a GraphQL/JSON response, or data that does not fit the schema",
  },
  UPSTREAM_HTTP_ERROR: {
    status: 502,
    meaning: "the upstream answered a non-2xx status that is neither 5xx nor a GraphQL body",
  },
  INTROSPECTION_FAILED: { status: 502, meaning: "a remote answered its introspection, but not with a usable schema" },
  SCHEMA_CONFLICT: {
    status: 409,
    meaning: "two remotes define the same root field, or the same type with different structure",
  },
  INVALID_CUSTOMIZATION: { status: 409, meaning: "a remote's customization produces an invalid schema" },
  INVALID_JOIN: {
    status: 409,
    meaning: "a join or merge entry does not fit the loaded schemas; it is left out and shown in GET /healthz",
  },
  JOIN_LIMIT_EXCEEDED: {
    status: 400,
    meaning: "the operation's join depth or fan-out exceeds limits.maxJoinDepth / maxJoinFanOut",
  },
  RELOAD_FAILED: {
    status: "cause",
    meaning:
      "a reload could not complete (502 a remote failed, 409 a conflict or broken join, 500 KV); the last good schema still serves",
  },
  RELOAD_BREAKING_CHANGE: {
    status: 409,
    meaning:
      "a reload would serve a schema whose changes fail the schema check (removal before its date, breaking change not allowed, bad deprecation); the last good schema still serves (?force=true overrides)",
  },
  PERSISTED_QUERY_NOT_FOUND: {
    status: 404,
    meaning:
      "the request names a document id (documentId or extensions.persistedQuery) that is not in the trusted documents store (nor, in allow mode, registered with APQ)",
  },
  PERSISTED_QUERY_ONLY: {
    status: 400,
    meaning: "trustedDocuments.mode is require and the request sends a query instead of a stored document's id",
  },
  INVALID_DOCUMENT: {
    status: 400,
    meaning:
      "POST /admin/documents: a document that does not parse, whose id is not the SHA-256 of its text, or whose id is stored with another text (nothing of the manifest is stored)",
  },
  SCHEMA_UNAVAILABLE: {
    status: 503,
    meaning: "no remote schema could be loaded at all, so there is no schema to serve",
  },
  INVALID_AUTHORIZATION_HEADER: {
    status: 400,
    meaning: "the Authorization header is not exactly `Bearer <jwt>` (RFC 6750 section 2.1)",
  },
  INVALID_JWT: {
    status: 401,
    meaning: "the JWT failed verification: signature, algorithm, kid, nbf, iss, aud, missing exp, malformed",
  },
  JWT_EXPIRED: { status: 401, meaning: "the JWT's exp is past (beyond clockToleranceSec)" },
  INVALID_CLAIMS: { status: 401, meaning: "the JWT verified, but its Hasura claims are missing or malformed" },
  ROLE_NOT_ALLOWED: {
    status: 403,
    meaning:
      "a role asked for (x-hasura-role, one or several comma-separated) is not among the roles the token or the auth webhook allows",
  },
  AUTH_WEBHOOK_FAILED: {
    status: 500,
    meaning:
      "the auth webhook (auth.webhook) answered neither 200 with a JSON object of session variables nor 401: an error status, a timeout, or a body that is not such JSON",
  },
  FORBIDDEN: {
    status: 403,
    meaning:
      "an argument or input field value fails its @check against the session (extensions.path names it); nothing was sent upstream",
  },
  UNAUTHENTICATED: { status: 401, meaning: "no token, and the operation is not open to requests without one" },
  JWKS_UNAVAILABLE: { status: 503, meaning: "the JWK Set could not be fetched and no earlier copy is cached" },
  INVALID_PERMISSIONS: {
    status: 500,
    meaning: "the role's permission SDL does not fit the served schema; the role is refused until fixed",
  },
  MISSING_SESSION_VARIABLE: {
    status: 400,
    meaning: "an argument preset or a {session.x} template names a session variable the caller's session lacks",
  },
  BAD_REQUEST: { status: 400, meaning: "a request the gateway will not run as sent (see the message)" },
  DEPTH_LIMIT_EXCEEDED: { status: 400, meaning: "the operation nests deeper than limits.maxDepth" },
  ALIAS_LIMIT_EXCEEDED: { status: 400, meaning: "the operation uses more aliases than limits.maxAliases" },
  DIRECTIVE_LIMIT_EXCEEDED: { status: 400, meaning: "the operation uses more directives than limits.maxDirectives" },
  TOKEN_LIMIT_EXCEEDED: { status: 400, meaning: "the document has more tokens than limits.maxTokens" },
  COST_LIMIT_EXCEEDED: { status: 400, meaning: "the operation's cost exceeds limits.maxCost" },
  UPSTREAM_CALL_LIMIT_EXCEEDED: {
    status: 400,
    meaning: "the operation would cause more upstream calls than limits.maxUpstreamCalls",
  },
  BODY_TOO_LARGE: { status: 413, meaning: "the request body (query and variables) exceeds limits.maxBodyBytes" },
  INTROSPECTION_DISABLED: { status: 400, meaning: "introspection is disabled for the caller's role" },
  CSRF_HEADER_REQUIRED: {
    status: 403,
    meaning:
      "a request that is not JSON needs a CSRF header (x-graphql-csrf, apollo-require-preflight or x-graphql-yoga-csrf)",
  },
  INVALID_ARGUMENT: {
    status: 400,
    meaning: "an argument's value cannot be sent upstream (an empty, `.` or `..` path segment)",
  },
  UPSTREAM_CIRCUIT_OPEN: {
    status: 503,
    meaning: "the upstream failed repeatedly; calls to it are refused until its circuit breaker lets a probe through",
  },
  UPSTREAM_RESPONSE_TOO_LARGE: { status: 502, meaning: "the upstream's answer exceeds its maxResponseBytes" },
  RATE_LIMITED: { status: 429, meaning: "the caller exceeded a rateLimits rule; retry after Retry-After seconds" },
  METHOD_NOT_ALLOWED: {
    status: 405,
    meaning: "/graphql takes GET and POST only, and a mutation only over POST; the Allow header says which",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: "a POST to /graphql whose Content-Type is missing or not one the gateway parses (send application/json)",
  },
  TOO_MANY_SUBSCRIPTIONS: {
    status: 400,
    meaning: "the WebSocket already holds realtime.maxSubscriptionsPerConnection subscriptions",
  },
  TOO_MANY_CONNECTIONS: {
    status: 429,
    meaning: "the user already holds realtime.maxConnectionsPerUser WebSockets and SSE streams",
  },
  SUBSCRIPTION_TRANSPORT_REQUIRED: {
    status: 400,
    meaning:
      "a subscription sent as a plain HTTP request: subscribe over graphql-transport-ws or with Accept: text/event-stream",
  },
  TOPIC_FORBIDDEN: { status: 403, meaning: "a subscription to a users.<id> topic of another user" },
  INVALID_TOPIC: { status: 400, meaning: "a topic name that is empty, too long, or has an empty segment" },
  EVENT_SIGNATURE_REQUIRED: {
    status: 401,
    meaning: "POST /events/{topic} without x-junction-signature or x-admin-secret",
  },
  INVALID_EVENT_SIGNATURE: {
    status: 403,
    meaning: "x-junction-signature is not the HMAC-SHA256 of the body with EVENTS_SECRET (or x-admin-secret is wrong)",
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    meaning:
      "an event payload over events.maxPayloadBytes, or one too large for an event trigger's queue message (128 KB)",
  },
  INVALID_EVENT_PAYLOAD: { status: 400, meaning: "an event payload that is not JSON" },
  EVENT_ENQUEUE_FAILED: {
    status: 503,
    meaning: "an event matched events.triggers but could not be put on the EVENT_TRIGGERS queue; nothing was published",
  },
  DEAD_LETTER_NOT_FOUND: {
    status: 404,
    meaning: "POST /admin/events/dead/{id}/retry for an id that holds no dead letter",
  },
  EVENT_TRIGGER_NOT_CONFIGURED: {
    status: 409,
    meaning: "a dead letter's trigger is no longer in events.triggers, so it cannot be resent",
  },
  FILE_NOT_FOUND: { status: 404, meaning: "GET /files/{key} for a key that holds no object" },
  FILE_ACCESS_DENIED: {
    status: 403,
    meaning:
      "no files.rules entry of the caller's role allows this read, write, delete or listing of the key or prefix",
  },
  INVALID_SIGNATURE: {
    status: 403,
    meaning:
      "a download URL whose sig is not the HMAC-SHA256 of <key>\\n<exp> with FILES_SIGNING_SECRET, or whose exp has passed",
  },
  INVALID_FILE_KEY: {
    status: 400,
    meaning:
      "a file key that is empty, starts with /, or has an empty, . or .. segment, a backslash, a control character or an encoded slash, or is under .junction/",
  },
  RANGE_NOT_SATISFIABLE: {
    status: 416,
    meaning: "a download whose Range starts past the object's end; Content-Range: bytes */<size> gives the size",
  },
  FILE_TOO_LARGE: {
    status: 413,
    meaning: "an uploaded file over files.maxFileBytes (or a multipart body over what the files allow)",
  },
  TOO_MANY_FILES: { status: 413, meaning: "a multipart request with more files than files.maxFiles" },
  INVALID_MULTIPART: {
    status: 400,
    meaning:
      "a GraphQL multipart request that does not follow the spec (operations, map, then the files the map names)",
  },
  CONTENT_TYPE_NOT_ALLOWED: {
    status: 415,
    meaning:
      "an uploaded file whose type is outside files.allowedContentTypes, or whose bytes contradict its declared type",
  },
  UPLOAD_FAILED: { status: 500, meaning: "storing an uploaded file in R2 failed; nothing of it was kept" },
  INTERNAL_SERVER_ERROR: { status: 500, meaning: "anything unexpected; the real error is logged, never sent" },
} as const satisfies Record<string, { status: number | "cause"; meaning: string }>;

/** One of the codes of {@link ERROR_TABLE}. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** Every code by name (`ErrorCode.NOT_FOUND === "NOT_FOUND"`), for throw sites and comparisons. */
export const ErrorCode = Object.fromEntries(Object.keys(ERROR_TABLE).map((code) => [code, code])) as {
  readonly [Code in ErrorCode]: Code;
};

/**
 * The HTTP status of a code, from {@link ERROR_TABLE}.
 * @param code - the error code
 * @param causeStatus - the status of the error's cause, for codes whose status is `"cause"`
 * @returns the status (500 for a `"cause"` code without a cause status)
 */
export function statusOf(code: ErrorCode, causeStatus?: number): number {
  const status = ERROR_TABLE[code].status;
  return status === "cause" ? (causeStatus ?? 500) : status;
}
