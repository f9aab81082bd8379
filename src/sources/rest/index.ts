/**
 * sources/rest/: REST services as GraphQL fields, schema-first (Space Cloud's remote services).
 * schemas/*.graphql is read and checked here (schema.ts, sdl-rules.ts; `@join` fields are handed to
 * src/joins), each `@rest` field gets a resolver (resolver.ts) that builds the endpoint's request
 * (call.ts), sends it through the upstream pipeline and checks the answer against the selection
 * (mapping.ts).
 */
export { type KeyLookup, subscribeOverHttp, type TopicBinding } from "./realtime-directives";
export { type RestBinding, restBindingOf } from "./resolver";
export { buildRestSchema, type RestSchema, type RestSchemaOptions, type SchemaFile } from "./schema";
