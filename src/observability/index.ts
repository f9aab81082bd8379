export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger";
export { REQUEST_ID_HEADER, type RequestIdOptions, requestId } from "./request-id";
