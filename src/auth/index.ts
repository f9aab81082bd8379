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
