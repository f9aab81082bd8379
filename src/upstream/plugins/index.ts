/** The upstream plugins, one per file; pipeline.ts puts them in order. */
export { useCircuitBreaker } from "./circuit-breaker";
export { type UpstreamCookiesOptions, useUpstreamCookies } from "./cookies";
export { answerOf, readText, transportError, useUpstreamErrors } from "./errors";
export { useGatewayToken } from "./gateway-token";
export { useHeaderRules } from "./header-rules";
export { useResponseSize } from "./response-size";
export { parseRetryAfter, type UpstreamRetryOptions, useUpstreamRetry } from "./retry";
export { useUpstreamTimeout } from "./timeout";
export { type UpstreamCallStats, upstreamCallStats, useUpstreamTiming } from "./timing";
export { useUpstreamTracing } from "./tracing";
export { useUploadForwarding } from "./uploads";
