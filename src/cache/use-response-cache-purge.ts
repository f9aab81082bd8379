import { isAsyncIterable } from "@graphql-tools/utils";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../shared";
import { HTTP_PURGE } from "./http";
import type { ResponseCache } from "./response-cache";
import { answerEntities } from "./selection-entities";

/**
 * Yoga/envelop plugin: after a mutation that did not come through the HTTP cache path (WebSocket and SSE
 * operations of the realtime layer, multipart uploads, batched requests), purges the cached answers
 * holding the entities (`__typename` + key) its result returned, before the result is sent. Requests
 * the HTTP path served (serveCached) are purged there and skipped here. Must run before the plugins that
 * stop execution early (passthrough, plans), so its `onExecuteDone` is registered.
 * @param cache - the gateway's response cache
 * @returns the plugin
 */
export function useResponseCachePurge(cache: ResponseCache): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue as unknown as GatewayContext & { [HTTP_PURGE]?: true };
      if (context[HTTP_PURGE] === true) return;
      if (getOperationAST(args.document, args.operationName)?.operation !== "mutation") return;
      return {
        async onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const operation = { schema: args.schema, document: args.document, operationName: args.operationName };
          const { entities } = answerEntities(result.data, cache.keyFields, operation);
          if (entities.length === 0) return;
          try {
            await cache.purge({ entities }, context.env, context.executionCtx.waitUntil, context.log);
          } catch (error) {
            context.log.error({ error: String(error) }, "response cache purge failed");
          }
        },
      };
    },
  };
}
