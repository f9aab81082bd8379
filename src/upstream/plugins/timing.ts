import { GatewayError } from "../../errors";
import type { UpstreamContext } from "../../shared";
import type { UpstreamPlugin } from "../types";

/** Upstream calls of one request: how many, and their summed wall time. */
export interface UpstreamCallStats {
  /** Calls started (answered, failed or timed out). */
  calls: number;
  /** Summed wall-clock time of the calls until their response headers, ms. */
  ms: number;
}

const stats = new WeakMap<UpstreamContext, UpstreamCallStats>();

/**
 * The upstream calls a request has made so far (for limits on calls per operation and for logs).
 * @param context - the request's context
 * @returns its counters (zero when it made none)
 */
export function upstreamCallStats(context: UpstreamContext): UpstreamCallStats {
  let entry = stats.get(context);
  if (entry === undefined) {
    entry = { calls: 0, ms: 0 };
    stats.set(context, entry);
  }
  return entry;
}

/**
 * Upstream plugin `timing`: counts each call of a request and sums its time (outermost, so failed
 * calls count too), and reports each call to the request's observation (src/observability: the
 * `upstream` entries of Server-Timing, the log line's upstreams, one Analytics Engine data point per
 * call) with its upstream name, kind, time, outcome (`ok` or the UPSTREAM_* code it failed with) and
 * HTTP status. Calls outside a request (introspection) are neither counted nor reported.
 * @returns the plugin
 */
export function useUpstreamTiming(): UpstreamPlugin {
  return {
    name: "timing",
    async call(request, next) {
      if (request.context === undefined) return next(request);
      const entry = upstreamCallStats(request.context);
      entry.calls++;
      const started = Date.now();
      let outcome = "ok";
      let status: number | undefined;
      try {
        const response = await next(request);
        status = response.status;
        return response;
      } catch (error) {
        outcome = error instanceof GatewayError ? error.code : "UPSTREAM_UNAVAILABLE";
        const given = error instanceof GatewayError ? error.extensions.status : undefined;
        status = typeof given === "number" ? given : undefined;
        throw error;
      } finally {
        const ms = Date.now() - started;
        entry.ms += ms;
        request.context.observation?.upstreamCall({
          upstream: request.upstream.name,
          kind: request.kind === "remote" ? "graphql" : "rest",
          ms,
          outcome,
          status,
        });
      }
    },
  };
}
