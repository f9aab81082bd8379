import type { FetchFn } from "../shared";
import { serviceBindingFetch } from "./bindings";
import {
  answerOf,
  type UpstreamCookiesOptions,
  type UpstreamRetryOptions,
  useCircuitBreaker,
  useGatewayToken,
  useHeaderRules,
  useResponseSize,
  useUploadForwarding,
  useUpstreamCookies,
  useUpstreamErrors,
  useUpstreamRetry,
  useUpstreamTimeout,
  useUpstreamTiming,
  useUpstreamTracing,
} from "./plugins";
import { defaultFetch } from "./transport";
import type { UpstreamAnswer, UpstreamNext, UpstreamPlugin, UpstreamRequest } from "./types";

/** Options of {@link defaultUpstreamPlugins}. */
export interface DefaultUpstreamPluginsOptions extends UpstreamCookiesOptions {
  /** The `retry` plugin's backoff (base delay, random source), for tests. @default { baseDelayMs: 100 } */
  retry?: UpstreamRetryOptions;
}

/**
 * The upstream plugins, in order (the first wraps all the others). Every call to a remote schema or a
 * REST service, introspection included, runs through them:
 * 1. `timing`: counts the request's calls and their time, and reports each call to the request's observation
 *    (Server-Timing, the log line, one Analytics Engine data point per call: src/observability);
 * 2. `tracing`: a span per call of a traced request (src/tracing), around the retries; sends `traceparent`;
 * 3. `errors`: transport failures and unusable answers become UpstreamErrors with UPSTREAM_* codes;
 * 4. `circuit-breaker`: refuses calls to an upstream that keeps failing (UPSTREAM_CIRCUIT_OPEN);
 * 5. `timeout`: bounds the exchange, body and retries included, by `timeoutMs`;
 * 6. `cookies`: collects `Set-Cookie` for the client's response;
 * 7. `retry`: sends idempotent calls again after a connection failure, 429, 502, 503 or 504;
 * 8. `response-size`: cuts off an answer over `maxResponseBytes` (UPSTREAM_RESPONSE_TOO_LARGE);
 * 9. `gateway-token`: signs this request's `x-gateway-token` for the upstream;
 * 10. `uploads`: a remote with `uploads: "forward"` gets the request's files as a multipart request;
 * 11. `header-rules`: builds the headers, Hasura's precedence.
 * @param options - the retry plugin's backoff, the `cookies` plugin's `protectedCookies`
 * @returns a fresh list (plugins hold no request state; the circuit breaker holds its circuits)
 */
export function defaultUpstreamPlugins(options: DefaultUpstreamPluginsOptions = {}): UpstreamPlugin[] {
  return [
    useUpstreamTiming(),
    useUpstreamTracing(),
    useUpstreamErrors(),
    useCircuitBreaker(),
    useUpstreamTimeout(),
    useUpstreamCookies({ protectedCookies: options.protectedCookies }),
    useUpstreamRetry(options.retry),
    useResponseSize(),
    useGatewayToken(),
    useUploadForwarding(),
    useHeaderRules(),
  ];
}

/** Options of {@link createUpstreamPipeline}. */
export interface UpstreamPipelineOptions {
  /** The fetch at the end of the list. @default globalThis.fetch */
  fetch?: FetchFn;
  /**
   * The Worker's bindings: an upstream with a `binding` is called through `bindings[binding].fetch()`
   * (a service binding) instead of `fetch`, with the same request. @default {} (such calls fail as unreachable)
   */
  bindings?: Readonly<Record<string, unknown>>;
  /** The plugins, outermost first. @default defaultUpstreamPlugins({ protectedCookies }) */
  plugins?: readonly UpstreamPlugin[];
  /**
   * Cookie names upstream `Set-Cookie`s may not set (the JWT's cookie), for the default `cookies`
   * plugin. @default []
   */
  protectedCookies?: readonly string[];
}

/** Runs upstream calls through the plugins; one per isolate, holding no request state (only circuits). */
export interface UpstreamPipeline {
  /**
   * Makes one call.
   * @param request - the call (the pipeline's plugins fill headers, signal and token)
   * @returns the response with its body unread, and a reader for callers that need the text
   * @throws UpstreamError UPSTREAM_* (see the `errors`, `circuit-breaker` and `response-size` plugins);
   *   UpstreamError INVALID_CONFIG when the gateway token cannot be signed
   */
  call(request: UpstreamRequest): Promise<UpstreamAnswer>;
}

/**
 * Creates the upstream pipeline: the plugins chained around fetch (or a service binding's fetch, for an
 * upstream with `binding`), in the style of Hive Gateway's `onFetch` hooks. Bodies stay streams: the caller that needs JSON reads the answer's text.
 * @param options - fetch, bindings and plugins
 * @returns the pipeline
 * @see https://the-guild.dev/graphql/hive/docs/gateway/other-features/custom-plugins (onFetch)
 */
export function createUpstreamPipeline(options: UpstreamPipelineOptions = {}): UpstreamPipeline {
  const fetchFn = options.fetch ?? defaultFetch;
  // The one place where upstream calls leave: over the network, or to a bound Worker (`binding`), whose
  // request carries the same URL (https://<binding>.binding<path>), method, headers, body and signal.
  const send: UpstreamNext = async (request) => {
    const binding = request.upstream.binding;
    const target = binding === undefined ? fetchFn : serviceBindingFetch(options.bindings, binding);
    return target(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      // Never follow a redirect: it could leave the upstream's base URL; the errors plugin refuses 3xx.
      redirect: "manual",
    });
  };
  const chain = (options.plugins ?? defaultUpstreamPlugins(options)).reduceRight<UpstreamNext>(
    (next, plugin) => (request) => plugin.call(request, next),
    send,
  );
  return {
    async call(request) {
      return answerOf(request, await chain(request));
    },
  };
}
