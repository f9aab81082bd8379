export {
  type Authenticator,
  type AuthenticatorOptions,
  createAuthenticator,
  isPublicOnly,
  type Session,
  sessionHeaders,
  tokenRequired,
} from "./authenticate";
export { ROLE_VARIABLE, SESSION_VARIABLE_PREFIX, USER_ID_VARIABLE } from "./claims";
export {
  createGatewayTokenSigner,
  createGatewayTokenSource,
  GATEWAY_TOKEN_HEADER,
  GATEWAY_TOKEN_PRIVATE_KEY,
  GATEWAY_TOKEN_SECRET,
  type GatewayTokenSigner,
} from "./gateway-token";
export {
  createPermissionSet,
  PERMISSION_FILES_DIR,
  type PermissionSet,
  type PermissionSetOptions,
  prepareRoleExecution,
  restrictedSchemaInfo,
} from "./permissions";
export { ADMIN_SECRET_HEADER, secretsEqual } from "./secrets";
