/**
 * tracing/: OpenTelemetry traces of `/graphql` requests, exported over OTLP/HTTP (JSON) when
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set. A span per operation (`traceOperation`, named by the Yoga plugin
 * `useTracing` or the fast lane) and, through the upstream plugin `tracing` (src/upstream), a span per
 * upstream call; W3C Trace Context (`traceparent`, `tracestate`) is read from the client and sent to
 * upstreams. Our own small span model and encoder: see docs/observability.md for why no library.
 */
export {
  EXPORT_TIMEOUT_MS,
  type ExportSettings,
  type ExportSettingsProblem,
  encodeSpans,
  exportSettings,
  exportSpans,
  parseOtlpHeaders,
} from "./otlp";
export {
  MAX_SPANS_PER_REQUEST,
  type RecordedTrace,
  type RequestTraceInput,
  type SpanData,
  SpanKind,
  startRequestTrace,
} from "./spans";
export {
  formatTraceparent,
  newSpanId,
  newTraceId,
  type ParentContext,
  parseTraceparent,
  parseTracestate,
} from "./trace-context";
export { traceOperation } from "./trace-request";
export { useTracing } from "./use-tracing";
