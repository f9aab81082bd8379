/**
 * errors/: the one error table (codes.ts: code -> HTTP status and meaning), the GatewayError hierarchy
 * (config, auth, forbidden, validation, upstream, schema conflict), Yoga's maskError, and SDL locations
 * (`file:line:column`) for config problems. A leaf: imports nothing from src.
 */
export { ERROR_TABLE, ErrorCode, statusOf } from "./codes";
export {
  AuthError,
  ConfigError,
  type ConfigProblem,
  ForbiddenError,
  GatewayError,
  type GatewayErrorOptions,
  SchemaConflictError,
  UpstreamError,
  ValidationError,
} from "./gateway-error";
export { maskError } from "./mask-error";
export { errorLocation, nodeLocation, parseSdl } from "./sdl-location";
