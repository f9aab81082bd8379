import { type DocumentNode, type ExecutionResult, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { GatewayContext, RequestTrace } from "../shared";

/** At most this many distinct error codes are kept on an operation span. */
const MAX_ERROR_CODES = 20;

/** The trace on a context Yoga hands to a hook, if tracing is on for the request. */
const traceOf = (context: unknown): RequestTrace | undefined =>
  typeof context === "object" && context !== null ? (context as { trace?: RequestTrace }).trace : undefined;

/** The distinct `extensions.code`s of a result's (or a batch's) errors, in order. */
function errorCodes(result: unknown): string[] {
  const codes = new Set<string>();
  const results = Array.isArray(result) ? result : [result];
  for (const one of results) {
    for (const error of (one as ExecutionResult | undefined)?.errors ?? []) {
      const code = error.extensions?.code;
      codes.add(typeof code === "string" ? code : "UNCODED");
      if (codes.size >= MAX_ERROR_CODES) return [...codes];
    }
  }
  return [...codes];
}

/**
 * Yoga plugin: fills the request's operation span (src/tracing) from what Yoga learns. After parsing,
 * the operation's name and type (the one `operationName` selects, as graphql-js's `getOperationAST`
 * picks it); when the result is processed, the error codes of its errors (`junction.error_codes`, and
 * the span fails with the first). Variables and bodies are never read. Does nothing when the request has
 * no trace (export off, or not an HTTP `/graphql` request). A streamed result (subscription, `@defer`)
 * records no error codes.
 * @returns the plugin
 */
export function useTracing(): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    onParse({ context }) {
      const trace = traceOf(context);
      if (trace === undefined) return;
      return ({ result }) => {
        if (result === null || result instanceof Error) return;
        const name = (context as { params?: { operationName?: string | null } }).params?.operationName;
        const operation = getOperationAST(result as DocumentNode, name ?? undefined);
        if (operation !== null && operation !== undefined) {
          trace.nameOperation(operation.name?.value, operation.operation);
        }
      };
    },
    onResultProcess({ result, serverContext }) {
      const trace = traceOf(serverContext);
      if (trace === undefined || (typeof result === "object" && Symbol.asyncIterator in result)) return;
      const codes = errorCodes(result);
      if (codes.length === 0) return;
      trace.operation.setAttribute("junction.error_codes", codes);
      trace.operation.fail(codes[0] as string);
    },
  };
}
