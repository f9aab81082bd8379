import { CIRCUIT_BREAKER_DEFAULTS } from "../../config";
import { ErrorCode, GatewayError, UpstreamError } from "../../errors";
import type { UpstreamPlugin, UpstreamRequest } from "../types";

/** One upstream's circuit: closed (counting consecutive failures), open (since `openedAt`), or half-open. */
interface Circuit {
  /** Consecutive failed calls while closed. */
  failures: number;
  /** When the circuit opened, ms since the epoch; undefined while closed. */
  openedAt: number | undefined;
  /** Half-open: the one probe call is under way. */
  probing: boolean;
}

/** What one call tells about the upstream's health. */
type Outcome = "success" | "failure" | "neutral";

/**
 * A call failed when it got no answer (connection failure, reset, timeout) or a 5xx answer. The
 * gateway's own refusals (gateway token, response size) and an abort by the caller say nothing.
 */
function outcomeOf(request: UpstreamRequest, callerSignal: AbortSignal | undefined, result: unknown): Outcome {
  if (result instanceof Response) return result.status >= 500 ? "failure" : "success";
  if (result instanceof GatewayError) return "neutral";
  if (callerSignal?.aborted === true && request.timedOut?.() !== true) return "neutral";
  return "failure";
}

/**
 * Upstream plugin `circuit-breaker`: one circuit per upstream (by name) and isolate, so calls to an
 * upstream that keeps failing stop costing every request its `timeoutMs`. Closed: calls pass, and
 * `failureThreshold` consecutive failed calls (connection failure, timeout, HTTP 5xx; one call counts
 * once, after its retries) open it. Open: calls are refused with UPSTREAM_CIRCUIT_OPEN (the rest of
 * the operation still runs: partial data) until `resetTimeoutMs` has passed. Half-open: exactly one
 * probe call goes through (the others are refused); its success closes the circuit, its failure opens
 * it again for `resetTimeoutMs`. The outcome is taken when the response headers arrive. Calls outside
 * a request (introspection) neither count nor are refused: the schema registry paces those itself.
 * `circuitBreaker: false` on the upstream turns it off.
 * @returns the plugin (it holds the isolate's circuits)
 * @see https://martinfowler.com/bliki/CircuitBreaker.html
 */
export function useCircuitBreaker(): UpstreamPlugin {
  const circuits = new Map<string, Circuit>();
  return {
    name: "circuit-breaker",
    async call(request, next) {
      const { upstream } = request;
      if (upstream.circuitBreaker === false || request.context === undefined) return next(request);
      const { failureThreshold, resetTimeoutMs } = upstream.circuitBreaker ?? CIRCUIT_BREAKER_DEFAULTS;
      let found = circuits.get(upstream.name);
      if (found === undefined) {
        found = { failures: 0, openedAt: undefined, probing: false };
        circuits.set(upstream.name, found);
      }
      const circuit = found;
      let probe = false;
      if (circuit.openedAt !== undefined) {
        const waited = Date.now() - circuit.openedAt;
        if (waited < resetTimeoutMs || circuit.probing) {
          const retryInSec = Math.max(1, Math.ceil((resetTimeoutMs - waited) / 1000));
          throw new UpstreamError(
            ErrorCode.UPSTREAM_CIRCUIT_OPEN,
            upstream.name,
            `${request.label} is not called: it failed ${circuit.failures} times in a row (circuit breaker open; next try in about ${retryInSec} s)`,
            { extensions: request.errorExtensions },
          );
        }
        circuit.probing = true;
        probe = true;
      }
      const callerSignal = request.signal;
      let result: unknown;
      try {
        result = await next(request);
        return result as Response;
      } catch (error) {
        result = error;
        throw error;
      } finally {
        const outcome = outcomeOf(request, callerSignal, result);
        if (probe) circuit.probing = false;
        if (outcome === "success") {
          circuit.failures = 0;
          circuit.openedAt = undefined;
        } else if (outcome === "failure") {
          circuit.failures++;
          if (probe || circuit.failures >= failureThreshold) circuit.openedAt = Date.now();
        }
      }
    },
  };
}
