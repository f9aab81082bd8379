/** Yoga plugins that belong to the GraphQL layer itself (feature plugins live in their feature's folder). */
export { usePassthrough } from "./use-passthrough";
export { useRequestErrors } from "./use-request-errors";
export { useUpstreamCookies } from "./use-upstream-cookies";
