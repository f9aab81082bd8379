import type { Executor } from "@graphql-tools/utils";
import type { DocumentNode, ExecutionResult, GraphQLSchema } from "graphql";
import type { Logger, RequestObservation } from "../observability";

/** A `fetch` with the standard signature; injected so tests and benchmarks can wrap it. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Registers background work that may outlive the response (`ExecutionContext.waitUntil`). */
export type WaitUntil = (promise: Promise<unknown>) => void;

/** Who the caller of one request is, decided once at the edge (see `createAuthenticator` in src/auth). */
export interface Session {
  /**
   * How the caller was identified: `admin` (correct `x-admin-secret`), `jwt` (a verified token),
   * `unauthenticated` (no token), `none` (no `auth` section: nobody is identified).
   */
  source: "admin" | "jwt" | "webhook" | "unauthenticated" | "none";
  /**
   * The role the request runs as; null without one (no `auth`, or no token and no `unauthenticatedRole`).
   * With several active roles, their names sorted and joined by commas (`org-admin,user`): a key of its
   * own for caches, role schemas and rate limits (role names cannot contain commas).
   */
  role: string | null;
  /**
   * The active roles when there are several (`x-hasura-roles` from the token or the webhook, or the
   * header `x-hasura-role: a,b`), sorted and without duplicates; absent with one role. The request runs
   * against the union of their permissions.
   */
  roles?: readonly string[];
  /**
   * Session variables by Hasura name, lower-case (`x-hasura-role`, `x-hasura-user-id`, ...). These, and
   * nothing the client sent (admin requests excepted), go to upstreams.
   */
  variables: Readonly<Record<string, string>>;
  /**
   * When the session ends, in ms since the epoch: the JWT's `exp` plus the clock tolerance. Absent for
   * sessions without a token. Long-lived connections (WebSocket, SSE) are closed then.
   */
  expiresAt?: number;
}

/**
 * What an upstream call needs from the context of the request it serves. The gateway's request
 * context ({@link GatewayContext}) is one; introspection runs without any.
 */
export interface UpstreamContext {
  /** The client's request headers (for `forwardClientHeaders`); for a WebSocket, the upgrade request's. */
  clientHeaders: Headers;
  /** Sent to upstreams as `x-request-id`. */
  requestId: string;
  /**
   * Receives every `Set-Cookie` value of every upstream response, in arrival order, for the client's
   * response. Absent where there is no response to set cookies on (WebSocket, SSE): cookies are dropped.
   */
  responseCookies?: string[];
  /**
   * The caller's session: its variables by Hasura name are the one form of the session a request
   * carries; the header rules forward them as headers (with `sessionHeaderPrefix`), templates read
   * them as `{session.x}`.
   */
  session?: Pick<Session, "variables">;
  /**
   * `auth.sessionHeaderPrefix`: session variables are forwarded as `<prefix><name>`, and client headers
   * with it are never forwarded. @default "x-hasura-"
   */
  sessionHeaderPrefix?: string;
  /**
   * The `x-gateway-token` for the upstream named `audience` (a JWT signed by the gateway, `aud` =
   * `audience`), signed at most once per audience per request. Resolves `undefined` when the gateway has
   * no token key (neither `GATEWAY_TOKEN_SECRET` nor `GATEWAY_TOKEN_PRIVATE_KEY` is set).
   *
   * @throws GatewayError `INVALID_CONFIG` (as a rejection) when the key cannot be imported
   * @see src/auth/gateway-token.ts
   */
  gatewayToken?: (audience: string) => Promise<string | undefined>;
  /**
   * The files of a GraphQL multipart request, once stored (src/files): what a remote with
   * `uploads: "forward"` receives as a multipart request again, each file streamed from R2.
   */
  uploads?: UploadedFiles;
  /**
   * Where the subscriptions this request delegates to remote schemas go. The realtime shards set it
   * (src/realtime/remote.ts: the upstream subscription is held once per distinct subscription by a
   * `RemoteStream` object, src/streams); without it a remote subscription is refused with
   * `SUBSCRIPTION_TRANSPORT_REQUIRED`.
   */
  remoteSubscribe?: RemoteSubscribe;
  /**
   * The fast lane's hooks for this request (src/fastlane): where the passthrough plugin records its
   * decision on the first run of a document, or finds the upstream answer the lane already obtained.
   * Absent when the request did not come through the lane.
   */
  fastLane?: FastLaneHooks;
  /**
   * What the request did, for `Server-Timing`, the per-operation log line and the upstream metrics
   * (src/observability): the upstream plugin `timing` records each call on it. Absent outside a request
   * built by `createGatewayContext`.
   */
  observation?: RequestObservation;
  /**
   * The request's OpenTelemetry trace (src/tracing): set on `/graphql` requests only while trace export
   * is on (`OTEL_EXPORTER_OTLP_ENDPOINT`); absent otherwise, and then nothing is traced.
   */
  trace?: RequestTrace;
}

/** An attribute value of a span (OpenTelemetry's AnyValue, the kinds the gateway uses). */
export type TraceAttributeValue = string | number | boolean | readonly string[];

/** One span of a request's trace, as code outside src/tracing uses it (see {@link RequestTrace}). */
export interface TraceSpan {
  /**
   * Sets an attribute (OpenTelemetry semantic convention names where one exists). Never variables,
   * tokens, headers or bodies.
   */
  setAttribute(key: string, value: TraceAttributeValue): void;
  /** Marks the span failed: status ERROR, `error.type` = the code (the first code given wins). */
  fail(code: string): void;
  /** Ends the span now; later calls do nothing. */
  end(): void;
  /** The W3C `traceparent` naming this span as the parent of a request it sends. */
  readonly traceparent: string;
}

/** The trace of one request (src/tracing): its operation span and the spans of its upstream calls. */
export interface RequestTrace {
  /** The operation span (kind SERVER; its parent is the client's span when it sent a `traceparent`). */
  readonly operation: TraceSpan;
  /**
   * Names the operation span once the operation is known (Yoga's parse, the fast lane's decision): span
   * name `<type> <name>`, attributes `graphql.operation.name` and `graphql.operation.type`.
   * @param name - the operation's name; undefined for an anonymous operation
   * @param type - query, mutation or subscription; undefined when unknown
   */
  nameOperation(name: string | undefined, type: string | undefined): void;
  /**
   * Starts a child span of the operation span.
   * @param name - the span name
   * @param kind - `client` for an outgoing request, `internal` otherwise
   * @returns the span, started now
   */
  startSpan(name: string, kind: "client" | "internal"): TraceSpan;
  /** The client's `tracestate`, passed on to upstreams unchanged; undefined when it sent none (or an invalid one). */
  readonly tracestate: string | undefined;
}

/** A subscription the stitched schema delegates to a remote: the document and variables sent upstream. */
export interface RemoteSubscriptionRequest {
  document: DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/**
 * Runs one delegated remote subscription (see {@link UpstreamContext.remoteSubscribe}).
 * @param remote - the remote's configured name
 * @param request - what the stitched schema sends upstream
 * @returns the remote's results (their errors are labelled with `serviceName` by the executor)
 */
export type RemoteSubscribe = (remote: string, request: RemoteSubscriptionRequest) => AsyncIterable<ExecutionResult>;

/** The stored files of one multipart request, for upstream calls that forward them. */
export interface UploadedFiles {
  /** Each stored file: its key (as the references in the variables carry it), name, type and size. */
  files: readonly { key: string; filename: string; contentType: string; size: number }[];
  /**
   * Opens a stored file's bytes.
   * @param key - its key
   * @returns the bytes as a stream, or null when the object is gone
   */
  open(key: string): Promise<ReadableStream<Uint8Array> | null>;
}

/**
 * The context of one request, built by `createGatewayContext` (src/gateway) for every entry point:
 * the `/graphql` HTTP route today, WebSocket and SSE entry points later. Given to Yoga as its server
 * context, so every resolver, plugin and executor sees it. Nothing in it is shared between requests.
 */
export interface GatewayContext extends UpstreamContext {
  /** The Worker's bindings. */
  env: Env;
  /** The request's execution context: background work that may outlive the response. */
  executionCtx: { waitUntil: WaitUntil };
  /** Child logger with `{ requestId }`. */
  log: Logger;
  /** Who the caller is: role and session variables (src/auth). */
  session: Session;
  /**
   * The origin (`https://host[:port]`) the client reached the gateway at, from the request URL; absolute
   * URLs the gateway hands out (signed file URLs) start with it. Absent where no URL is known.
   */
  origin?: string;
  /** The gateway's event triggers: `@publish` hands its events to them too. Absent: no triggers. */
  triggers?: EventTriggerSink;
}

/**
 * Where a published event goes besides the topic's subscribers: the gateway's event triggers
 * (`events.triggers`, src/triggers), which put one queue message per matching trigger on the
 * `EVENT_TRIGGERS` Cloudflare Queue. Implemented by src/triggers; declared here so src/events can take it.
 */
export interface EventTriggerSink {
  /** How many triggers are configured (0: publishing answers exactly as without triggers). */
  readonly count: number;
  /**
   * Enqueues the event for every trigger whose topic pattern matches, one message each, all with one new
   * event id. Waits for the queue to accept the messages, never for their delivery.
   * @param env - the Worker's bindings (`EVENT_TRIGGERS`, `EVENTS_SECRET`)
   * @param topic - the event's topic (already checked)
   * @param payload - the payload as JSON text
   * @returns the number of messages enqueued (0 when no trigger matches)
   * @throws GatewayError `PAYLOAD_TOO_LARGE` when a message would be over the queue's 128 KB;
   *   `EVENT_ENQUEUE_FAILED` when the queue refuses it (or is not bound)
   */
  enqueue(env: Env, topic: string, payload: string): Promise<number>;
}

/** One operation sent to a remote as the client wrote it (see {@link PassthroughExecutor}). */
export interface PassthroughCall {
  /** The document's source text. */
  query: string;
  /** The client's variables, uncoerced; undefined when absent or null. */
  variables: Record<string, unknown> | undefined;
  /** The client's operation name; undefined when absent or null. */
  operationName: string | undefined;
  /** The operation's type (only queries are retried); undefined when unknown. */
  operationType: "query" | "mutation" | undefined;
  /** The request served; undefined outside a request. */
  context: UpstreamContext | undefined;
  /** Parse the answer even when it has no errors (query plans read every answer). @default false */
  parse?: boolean;
}

/**
 * What one passthrough call gave: `raw`, the answer's JSON text, and `bytes`, the bytes it was decoded
 * from, when it certainly holds no errors and no extensions (it can go to the client byte for byte); else `result`, the answer parsed with its
 * errors labelled (serviceName, UPSTREAM_* codes), an unreachable remote as one unlocated error.
 */
export type PassthroughAnswer =
  | { raw: string; bytes: Uint8Array<ArrayBuffer>; result?: undefined }
  | { raw?: undefined; bytes?: undefined; result: ExecutionResult };

/** The executor of a remote for operations it answers alone, plus the call the fast lane makes itself. */
export interface PassthroughExecutor extends Executor {
  /**
   * Sends one operation and reads its answer (see {@link PassthroughAnswer}).
   * @param call - the operation and the request served
   * @returns the answer
   * @throws GatewayError INVALID_CONFIG when the gateway token cannot be signed
   */
  send(call: PassthroughCall): Promise<PassthroughAnswer>;
}

/** What the fast lane already obtained for a request it gives to Yoga (so no second upstream call is made). */
export interface FastLaneHandoff {
  /** The served schema the decision was for. */
  schema: GraphQLSchema;
  /** The passthrough target the call went to (compared by identity with the plugin's decision). */
  target: object;
  /** The call's outcome: its result, or what it threw. */
  outcome: { result: ExecutionResult } | { error: unknown };
}

/** The fast lane's hooks on one request's context (see {@link UpstreamContext.fastLane}). */
export interface FastLaneHooks {
  /**
   * Called by the passthrough plugin once the operation has passed validation, every limit and the
   * permissions, and is sent to one remote as written.
   * @param schema - the schema the operation ran against
   * @param target - the remote chosen
   * @param operationType - the operation's type
   * @param document - the validated document (the lane keeps what it touches of deprecated elements)
   */
  record?(schema: GraphQLSchema, target: object, operationType: "query" | "mutation", document: DocumentNode): void;
  /** An answer the lane obtained, for the passthrough plugin to use instead of calling the remote. */
  handoff?: FastLaneHandoff;
  /**
   * The `@rest` GET calls the lane made for this request, by the resolver's memo key: Yoga's run of a
   * request the lane gave up on finds them (its context may be a different object, so the request memo
   * alone would miss them).
   */
  restCalls?: Map<string, Promise<unknown>>;
}

/**
 * Whether a GraphQL context carries what upstream calls need (the gateway's does; introspection's has none).
 * @param value - a GraphQL context
 */
export const isUpstreamContext = (value: unknown): value is UpstreamContext =>
  typeof value === "object" && value !== null && "clientHeaders" in value && "requestId" in value;

/** How a remote's own names become the gateway's under its customization (see src/sources/remote-graphql). */
export interface CustomizedNames {
  /**
   * The gateway name of a type.
   * @param name - the remote's type name
   */
  typeName(name: string): string;
  /**
   * The gateway name of a field.
   * @param typeName - the remote's name of the parent type
   * @param fieldName - the remote's field name
   */
  fieldName(typeName: string, fieldName: string): string;
}
