/**
 * upstream/: the one way out to upstreams. Every call to a remote schema or a REST service goes
 * through an {@link UpstreamPipeline}: an ordered list of upstream plugins (timing, tracing, errors, circuit
 * breaker, timeout, cookies, retry, response size, gateway token, header rules) around fetch, bodies
 * left as streams for the caller to read or pass on. sources/ builds requests and parses answers; it never calls fetch itself.
 */
export { checkServiceBindings, isServiceBinding, serviceBindingFetch } from "./bindings";
export {
  buildUpstreamHeaders,
  HOP_BY_HOP_HEADERS,
  MESSAGE_HEADERS,
  requestHeaders,
  sessionAsHeaders,
  type UpstreamHeaderInputs,
  wantsGatewayToken,
} from "./headers";
export {
  createUpstreamPipeline,
  type DefaultUpstreamPluginsOptions,
  defaultUpstreamPlugins,
  type UpstreamPipeline,
  type UpstreamPipelineOptions,
} from "./pipeline";
export { parseRetryAfter, type UpstreamCallStats, type UpstreamRetryOptions, upstreamCallStats } from "./plugins";
export type {
  UpstreamAnswer,
  UpstreamConfig,
  UpstreamKind,
  UpstreamNext,
  UpstreamOperationType,
  UpstreamPlugin,
  UpstreamRequest,
} from "./types";
