/** Yoga plugins that belong to the GraphQL layer itself (feature plugins live in their feature's folder). */
export { passthroughTarget, usePassthrough } from "./use-passthrough";
export { type RegistrySchemaOptions, useRegistrySchema } from "./use-registry-schema";
export { useRequestErrors } from "./use-request-errors";
export { useUpstreamCookies } from "./use-upstream-cookies";
