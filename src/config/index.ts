export { checkConfigStructure, interpolateEnv, loadConfig, toJsonPath } from "./load";
export {
  type CorsConfig,
  CorsSchema,
  type Customization,
  CustomizationSchema,
  type EndpointConfig,
  EndpointSchema,
  type GatewayConfig,
  type GatewayConfigInput,
  GatewayConfigSchema,
  type GatewayTokenConfig,
  GatewayTokenSchema,
  HeaderOpSchema,
  type RemoteConfig,
  RemoteSchema,
  type ServiceConfig,
  ServiceSchema,
} from "./schema";
