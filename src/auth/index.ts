/**
 * auth/: who the caller is and what they may see. JWT verification with jose (HS secret or JWKS), the
 * auth webhook (webhook*.ts: Hasura's webhook mode, its answers cached in memory and KV),
 * Hasura's claims and roles, the admin secret, the signed `x-gateway-token`, and per-role schemas
 * (role SDL read in permissions.ts and role-grants.ts, built in role-schema.ts, enforced at execution
 * by role-execution.ts and the Yoga plugin use-permissions.ts).
 */
export {
  ADMIN_ROLE,
  type AuthenticateInput,
  type Authenticator,
  type AuthenticatorOptions,
  createAuthenticator,
  isPublicOnly,
  sessionRoles,
  tokenRequired,
} from "./authenticate";
export type { HasuraClaims } from "./claims";
export {
  createGatewayTokenSigner,
  createGatewayTokenSource,
  GATEWAY_TOKEN_PRIVATE_KEY,
  GATEWAY_TOKEN_SECRET,
  type GatewayPublicJwk,
  type GatewayTokenSession,
  type GatewayTokenSigner,
} from "./gateway-token";
export {
  createPermissionSet,
  PERMISSION_FILES_DIR,
  type PermissionFile,
  type PermissionSet,
  type PermissionSetOptions,
} from "./permissions";
export { enforceRoleChecks } from "./role-execution";
export { composedSchemaOf, presetVariablesOf } from "./role-schema";
export { secretsEqual } from "./secrets";
export { type PermissionsPluginOptions, usePermissions } from "./use-permissions";
export type { WebhookRequest } from "./webhook";
export { webhookRequestOf } from "./webhook-request";
