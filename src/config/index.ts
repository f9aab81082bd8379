export { checkConfigStructure, interpolateEnv, loadConfig, toJsonPath } from "./load";
export {
  type CorsConfig,
  CorsSchema,
  type Customization,
  CustomizationSchema,
  type GatewayConfig,
  type GatewayConfigInput,
  GatewayConfigSchema,
  type RemoteConfig,
  RemoteSchema,
} from "./schema";
