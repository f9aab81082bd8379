/**
 * gateway/: one isolate's gateway (config, schema registry, Yoga, authenticator, permissions, upstream
 * pipeline; create-gateway.ts) and what every entry point does per request (request-context.ts):
 * authenticate, then build the request context. The Hono app (src/app.ts) uses them for HTTP; Durable
 * Objects for WebSocket and SSE will use the same two functions.
 */
export {
  buildSchemaFiles,
  createGateway,
  createGatewayFrom,
  type Gateway,
  type GatewayOptions,
  type GatewayOptionsSource,
  LOCAL_SDL_NAME,
} from "./create-gateway";
export { authenticateRequest, createGatewayContext, type GatewayContextInput } from "./request-context";
