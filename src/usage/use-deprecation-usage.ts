import type { GraphQLSchema } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../shared";
import { documentUsage, hasDeprecations } from "./analyze";
import { countUsage } from "./record";

/** The GraphQL parameters of the operation, as Yoga puts them on its context (and the realtime layer on its). */
interface ContextParams {
  params?: { operationName?: string | null; variables?: Record<string, unknown> | null };
}

/** Whether a validation ran for a request (a context with bindings, headers and background work), not for a tool. */
const isRequestContext = (context: unknown): context is GatewayContext =>
  typeof context === "object" &&
  context !== null &&
  "executionCtx" in context &&
  "clientHeaders" in context &&
  "env" in context &&
  "log" in context;

/**
 * Yoga/envelop plugin: counts every operation that passes validation and touches a deprecated field,
 * argument, input field or enum value (see `documentUsage`), per client and UTC day, in the
 * `DEPRECATION_USAGE` Durable Object (`recordUsage`: in the background). Counting happens once per
 * validated operation, against the schema it was validated on (a role's schema for a role), so
 * execution paths that stop execution early (the passthrough, query plans) count alike, and a
 * subscription over WebSocket or SSE counts once when it is subscribed (its events execute without
 * validation). The operation name and variables come from the context's `params` (Yoga's; the realtime
 * layer sets the same). Operations the fast lane answers without Yoga are counted by the lane.
 * @returns the plugin
 */
export function useDeprecationUsage(): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    onValidate({ params }) {
      const schema: GraphQLSchema = params.schema;
      if (!hasDeprecations(schema)) return;
      const document = params.documentAST;
      return ({ result, context }) => {
        // `result` as the plugins before this one left it (their rules and after-hooks included).
        if (result.length > 0 || !isRequestContext(context)) return;
        const request = (context as ContextParams).params;
        const usage = documentUsage(schema, document, request?.operationName);
        countUsage(context, schema, usage, request?.variables);
      };
    },
  };
}
