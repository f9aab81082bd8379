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
 * calls count too). Calls outside a request (introspection) are not counted.
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
      try {
        return await next(request);
      } finally {
        entry.ms += Date.now() - started;
      }
    },
  };
}
