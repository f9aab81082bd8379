import { execute, type GraphQLSchema, parse, subscribe, validate } from "graphql";
import { envelop, type Plugin } from "graphql-yoga";
import type { GatewayContext } from "../shared";
import { executionPlugins, type GatewayYogaOptions } from "./create-yoga";

/** The context an operation outside Yoga runs with: the request context plus the schema it runs against. */
export interface EnvelopedContext extends GatewayContext {
  /** The schema for the caller's session (`PermissionSet.schemaFor`). */
  schema: GraphQLSchema;
}

/** Parsing, validation and execution of graphql-js, in envelop's plugin form (envelop's `useEngine`). */
const engine: Plugin = {
  onParse: ({ setParseFn }) => setParseFn(parse),
  onValidate: ({ setValidationFn }) => setValidationFn(validate),
  onExecute: ({ setExecuteFn }) => setExecuteFn(execute),
  onSubscribe: ({ setSubscribeFn }) => setSubscribeFn(subscribe),
};

/** Sets the schema of each envelop run from its context (the caller's role schema). */
const schemaFromContext: Plugin<EnvelopedContext> = {
  onEnveloped: ({ context, setSchema }) => {
    if (context != null) setSchema(context.schema);
  },
};

/**
 * The operation pipeline the realtime layer runs WebSocket and SSE operations through: graphql-js
 * with the same validation and execution plugins Yoga runs for HTTP ({@link executionPlugins}), so role
 * schemas, presets, limits and the fast lane apply alike. Call the result with an
 * {@link EnvelopedContext} to get `parse`, `validate`, `contextFactory` and `execute` for one operation.
 * @param options - limits and introspection of the config
 * @returns envelop's `getEnveloped`
 * @see https://the-guild.dev/graphql/envelop/docs/getting-started
 */
export function createGatewayEnvelop(options: Pick<GatewayYogaOptions, "limits" | "introspection">) {
  return envelop({
    plugins: [engine, schemaFromContext, ...(executionPlugins(options) as Plugin[])],
  });
}
