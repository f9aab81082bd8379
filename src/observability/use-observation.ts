import { type DocumentNode, getOperationAST, Kind } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { RequestObservation } from "./observation";

/** What {@link useObservation} reads of the context: the request's observation (the gateway context has one). */
export interface ObservedContext {
  /** The request's observation; absent, the plugin does nothing. */
  observation?: RequestObservation;
  /** Yoga's request parameters (the operation name the client chose). */
  params?: { operationName?: string | null };
}

const observationOf = (context: unknown): RequestObservation | undefined =>
  (context as ObservedContext | undefined)?.observation;

/** Each result of a processed answer (one, a batch, or a stream, whose results are not read here). */
function resultsOf(result: unknown): readonly unknown[] {
  if (Array.isArray(result)) return result;
  if (result !== null && typeof result === "object" && Symbol.asyncIterator in result) return [];
  return [result];
}

/**
 * Yoga plugin `observation`: fills the request's {@link RequestObservation} for `Server-Timing` and the
 * per-operation log line. It measures `parse` and `validate`, names the operation after parsing (name,
 * type, document text for the hash), measures a query plan's execution as `plan` (usePlans marks the
 * lane), marks execution by stitching when no other lane took the operation, and on Yoga's HTTP answers
 * (onResultProcess, after error masking) records the answer's errors and their codes. In the realtime
 * layer (createGatewayEnvelop) only the envelop hooks run. Never reads variables.
 * @returns the plugin
 * @see https://the-guild.dev/graphql/envelop/docs/plugins/lifecycle
 */
export function useObservation(): Plugin<Record<string, unknown>, ObservedContext> {
  return {
    onParse({ context, params }) {
      const observation = observationOf(context);
      if (observation === undefined) return;
      const started = observation.now();
      return ({ result }) => {
        observation.phase("parse", observation.now() - started);
        const text = typeof params.source === "string" ? params.source : params.source.body;
        const document = result as DocumentNode | Error | null;
        if (document === null || document instanceof Error || document.kind !== Kind.DOCUMENT) {
          observation.operation({ text });
          return;
        }
        const name = (context as ObservedContext).params?.operationName ?? undefined;
        const operation = getOperationAST(document, name);
        observation.operation({ name: operation?.name?.value ?? name, type: operation?.operation, text });
      };
    },
    onValidate({ context }) {
      const observation = observationOf(context);
      if (observation === undefined) return;
      const started = observation.now();
      return () => observation.phase("validate", observation.now() - started);
    },
    onExecute({ args }) {
      const observation = observationOf(args.contextValue);
      if (observation === undefined) return;
      const started = observation.now();
      return {
        onExecuteDone() {
          const lane = observation.answeredBy;
          if (lane === "plan") observation.phase("plan", observation.now() - started);
          else if (lane === undefined) observation.lane("stitching");
        },
      };
    },
    onResultProcess({ result, serverContext }) {
      const observation = observationOf(serverContext);
      if (observation === undefined) return;
      for (const one of resultsOf(result)) {
        const errors = (one as { errors?: unknown } | null)?.errors;
        if (Array.isArray(errors)) observation.errors(errors);
      }
    },
  };
}
