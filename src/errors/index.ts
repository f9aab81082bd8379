export { ErrorCode } from "./codes";
export {
  AdminAuthError,
  ConfigError,
  type ConfigProblem,
  GatewayError,
  type GatewayErrorOptions,
  SchemaConflictError,
  UpstreamError,
} from "./gateway-error";
export { maskError } from "./mask-error";
export { errorLocation, nodeLocation, parseSdl } from "./sdl-location";
