import type { UpstreamPlugin } from "../types";

/**
 * Upstream plugin `timeout`: bounds the whole exchange, headers and body, by the upstream's
 * `timeoutMs` (a body read after it fires fails too), combined with any signal already on the request.
 * It wraps the `retry` plugin: every attempt and the waits between them share this one budget, whose
 * end it puts on the request as `deadline`.
 * @returns the plugin
 */
export function useUpstreamTimeout(): UpstreamPlugin {
  return {
    name: "timeout",
    call(request, next) {
      const timeout = AbortSignal.timeout(request.upstream.timeoutMs);
      request.deadline = Date.now() + request.upstream.timeoutMs;
      request.signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
      request.timedOut = () => timeout.aborted;
      return next(request);
    },
  };
}
