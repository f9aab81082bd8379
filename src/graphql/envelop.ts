import { execute, type GraphQLSchema, parse, specifiedRules, subscribe, validate } from "graphql";
import { envelop, type Plugin } from "graphql-yoga";
import type { GatewayContext } from "../shared";
import { executionPlugins, type GatewayYogaOptions } from "./create-yoga";

/** The context an operation outside Yoga runs with: the request context plus the schema it runs against. */
export interface EnvelopedContext extends GatewayContext {
  /** The schema for the caller's session (`PermissionSet.schemaFor`). */
  schema: GraphQLSchema;
  /**
   * The operation's parameters, as Yoga puts them on its context, when the run validates an operation
   * (plugins that count per validated operation read them: src/usage). @default undefined
   */
  params?: { query?: string; operationName?: string | null; variables?: Record<string, unknown> | null };
}

/** Parsing, validation and execution of graphql-js, in envelop's plugin form (envelop's `useEngine`). */
const engine: Plugin = {
  onParse: ({ setParseFn }) => setParseFn(parse),
  // As envelop's useEngine: graphql-js's rules are added as rules, so plugins' rules (the limits) add to them.
  onValidate: ({ setValidationFn, addValidationRule }) => {
    setValidationFn(validate);
    for (const rule of specifiedRules) addValidationRule(rule);
  },
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
 * @param options - limits and introspection of the config, and the response cache (mutation purges)
 * @returns envelop's `getEnveloped`
 * @see https://the-guild.dev/graphql/envelop/docs/getting-started
 */
export function createGatewayEnvelop(options: Pick<GatewayYogaOptions, "limits" | "introspection" | "responseCache">) {
  return envelop({
    plugins: [engine, schemaFromContext, ...(executionPlugins(options) as Plugin[])],
  });
}
