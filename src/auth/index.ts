export {
  ADMIN_ROLE,
  type Authenticator,
  type AuthenticatorOptions,
  createAuthenticator,
  extractToken,
  type Session,
  sessionHeaders,
} from "./authenticate";
export {
  ALLOWED_ROLES_CLAIM,
  compileClaimsReader,
  compileJsonPath,
  DEFAULT_ROLE_CLAIM,
  type HasuraClaims,
  ROLE_VARIABLE,
  SESSION_VARIABLE_PREFIX,
  selectJsonPath,
  USER_ID_VARIABLE,
} from "./claims";
export {
  createGatewayTokenSigner,
  createGatewayTokenSource,
  GATEWAY_TOKEN_HEADER,
  GATEWAY_TOKEN_PRIVATE_KEY,
  GATEWAY_TOKEN_SECRET,
  type GatewayPublicJwk,
  type GatewayTokenSession,
  type GatewayTokenSigner,
} from "./gateway-token";
export { createJwksKeySource, freshnessMs, type JwksKeySource, type JwksKeySourceOptions } from "./jwks";
export {
  createPermissionSet,
  literalFor,
  NO_QUERIES_FIELD,
  PERMISSION_FILES_DIR,
  type PermissionFile,
  type PermissionSet,
  type PermissionSetOptions,
  prepareRoleExecution,
  restrictedSchemaInfo,
} from "./permissions";
export { ADMIN_SECRET_HEADER, secretsEqual } from "./secrets";
