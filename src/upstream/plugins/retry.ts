import { DEFAULT_RETRIES } from "../../config";
import { GatewayError } from "../../errors";
import type { UpstreamPlugin, UpstreamRequest } from "../types";

/** Statuses worth another attempt: too many requests, bad gateway, unavailable, gateway timeout. */
const RETRY_STATUSES = new Set([429, 502, 503, 504]);

/** Methods a service call may repeat (RFC 9110, section 9.2.2: idempotent, and without side effects). */
const RETRY_METHODS = new Set(["GET", "HEAD"]);

/** Options of {@link useUpstreamRetry}. */
export interface UpstreamRetryOptions {
  /** Base of the exponential backoff, ms: attempt n waits a random time below `baseDelayMs * 2^n`. @default 100 */
  baseDelayMs?: number;
  /** The random source of the jitter, in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Reads a `Retry-After` header: a number of seconds, or an HTTP date (RFC 9110, section 10.2.3).
 * @param value - the header's value, or null when absent
 * @param now - the current time, ms since the epoch
 * @returns the wait in ms (0 for a date in the past), or undefined when absent or unreadable
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day or month; Date.parse alone would take "-5" for a year.
  if (!/[A-Za-z]/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether a call may be sent twice: a remote's queries (introspection too), a service's GET and HEAD. */
function idempotent(request: UpstreamRequest): boolean {
  if (request.kind === "remote") return request.operationType === "query";
  return RETRY_METHODS.has(request.method.toUpperCase());
}

/** Whether the body can be sent again: none or a string (a stream is read once, so it is never retried). */
const replayable = (body: UpstreamRequest["body"]): boolean =>
  body === undefined || body === null || typeof body === "string";

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Upstream plugin `retry`: an idempotent call (a remote's query, introspection included; a service's
 * GET or HEAD; never a mutation or a POST, and never a call whose body is a stream) that failed to
 * connect, or was answered 429, 502, 503 or 504, is sent again, at most `retries` times (default 2).
 * Between attempts it waits what `Retry-After` says, else a full-jitter exponential backoff (a random
 * time below `baseDelayMs * 2^attempt`, at most what is left of the budget). Everything stays within
 * the call's one `timeoutMs` (the `timeout` plugin's `deadline`): when the wait would not fit, the
 * last answer or error stands. A timeout, an abort and the gateway's own errors are not retried.
 * Each attempt re-runs the inner plugins (gateway token, header rules) from the caller's headers.
 * @param options - backoff base and random source (for tests)
 * @returns the plugin
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/ (full jitter)
 */
export function useUpstreamRetry(options: UpstreamRetryOptions = {}): UpstreamPlugin {
  const baseDelayMs = options.baseDelayMs ?? 100;
  const random = options.random ?? Math.random;
  return {
    name: "retry",
    async call(request, next) {
      const retries = request.upstream.retries ?? DEFAULT_RETRIES;
      if (retries <= 0 || !idempotent(request) || !replayable(request.body)) return next(request);
      const callerHeaders = request.headers;
      const deadline = request.deadline ?? Date.now() + request.upstream.timeoutMs;
      /** The wait before attempt `attempt + 1`, or undefined when it would not fit the budget. */
      const waitFor = (attempt: number, retryAfter: number | undefined): number | undefined => {
        const left = deadline - Date.now();
        const wait = retryAfter ?? Math.floor(random() * Math.min(left, baseDelayMs * 2 ** attempt));
        return wait < left ? wait : undefined;
      };
      for (let attempt = 0; ; attempt++) {
        request.headers = new Headers(callerHeaders);
        let response: Response;
        try {
          response = await next(request);
        } catch (error) {
          const wait = attempt < retries ? waitFor(attempt, undefined) : undefined;
          if (wait === undefined || error instanceof GatewayError || request.signal?.aborted === true) throw error;
          await sleep(wait, request.signal);
          continue;
        }
        if (attempt >= retries || !RETRY_STATUSES.has(response.status)) return response;
        const wait = waitFor(attempt, parseRetryAfter(response.headers.get("retry-after"), Date.now()));
        if (wait === undefined) return response;
        await response.body?.cancel().catch(() => undefined);
        await sleep(wait, request.signal);
      }
    },
  };
}
