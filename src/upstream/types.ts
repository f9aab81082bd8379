import type { GatewayError } from "../errors";
import type { UpstreamContext } from "../shared";

/** What the pipeline reads of a remote's or a REST service's config. */
export interface UpstreamConfig {
  /** The configured name: `serviceName` of errors, `aud` of the gateway token. */
  name: string;
  /**
   * The Worker service binding called instead of the network (`binding` of a remote or service): the
   * request, its `url` included, goes to `env[binding].fetch()`. Undefined: plain fetch of `url`.
   */
  binding?: string;
  /** Configured headers (highest precedence). */
  headers: Readonly<Record<string, string>>;
  /** Client headers to forward: names, or `true` for all but the excluded ones. */
  forwardClientHeaders: readonly string[] | true;
  /** Send a signed `x-gateway-token`. */
  gatewayToken: boolean;
  /** Bound of the whole exchange, ms. */
  timeoutMs: number;
  /** Services only: append the upstream's JSON `message`/`error` to UPSTREAM_HTTP_ERROR messages. */
  exposeErrors?: boolean;
  /** Retries of an idempotent call (see the `retry` plugin). @default 2 */
  retries?: number;
  /**
   * The circuit breaker (see the `circuit-breaker` plugin), `false` for none.
   * @default { failureThreshold: 5, resetTimeoutMs: 30000 }
   */
  circuitBreaker?: false | { failureThreshold: number; resetTimeoutMs: number };
  /** Largest answer body, bytes (see the `response-size` plugin). @default 10485760 (10 MB) */
  maxResponseBytes?: number;
  /** Remotes: what an Upload argument sends, its reference or the file (see the `uploads` plugin). @default "reference" */
  uploads?: "reference" | "forward";
}

/** The type of a remote call's GraphQL operation (GraphQL spec, section 2.3 "Operations"). */
export type UpstreamOperationType = "query" | "mutation" | "subscription";

/** A remote schema (GraphQL over HTTP) or a REST service: their answers are judged differently. */
export type UpstreamKind = "remote" | "service";

/**
 * One call to an upstream, as the upstream plugins see it. Callers fill the first group; plugins may
 * set the second.
 */
export interface UpstreamRequest {
  /** Which kind of upstream is called. */
  kind: UpstreamKind;
  /** Its config. */
  upstream: UpstreamConfig;
  /** Absolute URL with path and query. */
  url: string;
  /** HTTP method. */
  method: string;
  /** The caller's own headers (`content-type`, `accept`), above the header rules. */
  headers: Headers;
  /** The caller's last word on headers, applied over everything (a REST endpoint's `headers` ops). */
  editHeaders?: (headers: Headers) => void;
  /** The body; a stream is sent as it is read. */
  body?: BodyInit | null;
  /** Names what is called in messages: `Remote schema "users"`, `Service "orders" endpoint "list"`. */
  label: string;
  /**
   * The operation the call serves, for plugins that log or limit per operation: the client's GraphQL
   * operation name (remotes; undefined for anonymous operations and introspection), or the endpoint's
   * name (services).
   */
  operation?: string;
  /**
   * Remotes: the type of the operation sent upstream (introspection is a query). Only queries are
   * retried; undefined counts as not idempotent.
   */
  operationType?: UpstreamOperationType;
  /** Public extensions every error of this call carries besides `serviceName` (a service's `endpoint`). */
  errorExtensions?: Record<string, unknown>;
  /** The request the call serves; undefined outside one (introspection). */
  context: UpstreamContext | undefined;
  /** Set by plugins: aborts the exchange (the timeout plugin combines its own with any given). */
  signal?: AbortSignal;
  /** Set by the gateway-token plugin: the `x-gateway-token` of this call. */
  gatewayToken?: string;
  /** Set by the timeout plugin: whether this call's timeout has fired. */
  timedOut?: () => boolean;
  /** Set by the timeout plugin: when the call's `timeoutMs` runs out (ms since the epoch; retries stay within it). */
  deadline?: number;
  /**
   * Set by the response-size plugin when it cut the body off: the error a read of the body reports
   * (UPSTREAM_RESPONSE_TOO_LARGE), whatever the platform makes of the stream's failure.
   */
  bodyError?: GatewayError;
}

/** Sends the request on: the next plugin, or the fetch at the end of the list. */
export type UpstreamNext = (request: UpstreamRequest) => Promise<Response>;

/**
 * An upstream plugin: wraps every call, in the order of the list (the first is outermost), like Hive
 * Gateway's `onFetch` hooks or Koa middleware. It may change the request before `next`, the response
 * after it, or throw a GatewayError instead.
 */
export interface UpstreamPlugin {
  /** A short name, for logs and the README's list. */
  name: string;
  /**
   * Runs one call.
   * @param request - the call (mutable: later plugins see changes)
   * @param next - the rest of the list
   * @returns the response, its body unread
   */
  call(request: UpstreamRequest, next: UpstreamNext): Promise<Response>;
}

/** What a call gave: the response (body unread, a stream) and a reader that maps read failures. */
export interface UpstreamAnswer {
  /** The response; its body is read by whoever needs it, or passed on unread. */
  response: Response;
  /**
   * Reads the body as text, within the call's timeout.
   * @throws UpstreamError UPSTREAM_TIMEOUT / UPSTREAM_UNAVAILABLE when the body cannot be read in time
   */
  text(): Promise<string>;
  /**
   * Reads the body as bytes (no decoding), within the call's timeout.
   * @throws UpstreamError as {@link UpstreamAnswer.text}
   */
  bytes(): Promise<Uint8Array<ArrayBuffer>>;
}
