/**
 * observability/: the structured JSON logger, the request id middleware, and the per-request
 * observation behind `Server-Timing`, the per-operation log line and the upstream metrics (Workers
 * Analytics Engine). A leaf: imports nothing from src. Never log tokens, secrets, variables or
 * upstream bodies.
 */
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger";
export {
  documentHash,
  type MetricsSink,
  type ObservedPhase,
  type OperationLane,
  RequestObservation,
  type RequestObservationOptions,
  type UpstreamCallKind,
  type UpstreamCallRecord,
  type UpstreamSummary,
} from "./observation";
export { REQUEST_ID_HEADER, type RequestIdOptions, type RequestIdVariables, requestId } from "./request-id";
export { type ObservedContext, useObservation } from "./use-observation";
