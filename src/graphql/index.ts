export type { GatewayContext } from "./context";
export { createGatewayYoga, type GatewayYogaOptions } from "./create-yoga";
export { useUpstreamCookies } from "./plugins/use-upstream-cookies";
