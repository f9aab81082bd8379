/**
 * graphql/: the per-isolate Yoga server and its plugins in one visible list (create-yoga.ts). Feature
 * plugins come from their folders (auth's permissions, joins' limits); plugins/ holds the GraphQL
 * layer's own (passthrough, upstream cookies).
 */
export { createGatewayYoga, executionPlugins, type GatewayYogaOptions } from "./create-yoga";
export { createGatewayEnvelop, type EnvelopedContext } from "./envelop";
