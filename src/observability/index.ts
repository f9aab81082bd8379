/**
 * observability/: the structured JSON logger and the request id middleware. A leaf: imports nothing
 * from src. Never log tokens, secrets, variables or upstream bodies.
 */
export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger";
export { REQUEST_ID_HEADER, type RequestIdOptions, type RequestIdVariables, requestId } from "./request-id";
