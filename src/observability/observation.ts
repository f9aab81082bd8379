import type { Logger } from "./logger";

/** How an upstream is called: a remote schema (`graphql`) or a REST service (`rest`). */
export type UpstreamCallKind = "graphql" | "rest";

/** One upstream call as the upstream plugin `timing` saw it (no URL, no headers, no body). */
export interface UpstreamCallRecord {
  /** The upstream's configured name. */
  upstream: string;
  /** Remote schema or REST service. */
  kind: UpstreamCallKind;
  /** Wall-clock time until the response headers (or the failure), ms (see the timer note of {@link RequestObservation}). */
  ms: number;
  /** `"ok"` when the call got a usable response, else the code of the error it ended with (`UPSTREAM_TIMEOUT`, ...). */
  outcome: string;
  /** The upstream's HTTP status; undefined when there was none (refused, reset, timed out before headers). */
  status: number | undefined;
}

/**
 * Where upstream data points go: the Workers Analytics Engine binding (`AnalyticsEngineDataset`,
 * binding `METRICS`), or any object with the same method (tests).
 * @see https://developers.cloudflare.com/analytics/analytics-engine/get-started/
 */
export interface MetricsSink {
  /** Writes one data point; never awaited (the platform sends it after the response). */
  writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void;
}

/**
 * Who answered an operation: the fast lane before Yoga (`fastlane`), the passthrough plugin sending it
 * to one remote as written (`passthrough`), a query plan (`plan`), or stitching's execution (`stitching`).
 */
export type OperationLane = "fastlane" | "passthrough" | "plan" | "stitching";

/** The phases Server-Timing reports besides the upstreams and `total`. */
export type ObservedPhase = "parse" | "validate" | "plan";

/** Options of {@link RequestObservation}. */
export interface RequestObservationOptions {
  /** The request's logger (with `{ requestId }`): where the per-operation line goes. */
  log: Logger;
  /** Whether the caller may see `Server-Timing` (admin secret, or a role of `observability.debugRoles`). */
  debug: boolean;
  /** `observability.operationLogSampleRate`, 0 to 1: share of error-free operations that are logged. */
  sampleRate: number;
  /** The caller's role (null without one), for the log line. */
  role: string | null;
  /** The Analytics Engine dataset upstream calls are written to; none, nothing is written. */
  metrics?: MetricsSink;
  /** Clock in ms. @default performance.now */
  now?: () => number;
  /** Random source in [0, 1) for sampling. @default Math.random */
  random?: () => number;
}

/** The per-upstream part of a log line and of Server-Timing: calls, summed ms, failed calls. */
export interface UpstreamSummary {
  calls: number;
  ms: number;
  errors: number;
}

/** Rounds ms to 0.1 (Server-Timing and log lines). */
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** A Server-Timing `desc` value as a quoted-string (RFC 9110 section 5.6.4). */
const quoted = (text: string): string => `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/**
 * What one request did, for its `Server-Timing` header, its per-operation log line and its upstream
 * metrics. Built by the request context builder (src/gateway) for every request; filled by the Yoga
 * plugin {@link useObservation} (phases, operation, error codes), the passthrough and plans plugins and
 * the fast lane (lane), and the upstream plugin `timing` (each upstream call, written at once to the
 * metrics sink).
 *
 * Timers: in Workers, `performance.now()` and `Date.now()` advance only when the Worker does I/O (a
 * Spectre mitigation), so CPU-only phases (parse, validate, a plan's own work) read 0 ms in production;
 * durations that span I/O (upstream calls, `total`) are real wall-clock times. Locally (`wrangler dev`,
 * tests) the clock is coarse too.
 * @see https://developers.cloudflare.com/workers/runtime-apis/performance/
 */
export class RequestObservation {
  readonly #options: RequestObservationOptions;
  readonly #now: () => number;
  readonly #started: number;
  readonly #phases = new Map<ObservedPhase, number>();
  readonly #upstreams = new Map<string, UpstreamSummary>();
  readonly #errorCodes = new Set<string>();
  #calls = 0;
  #errors = 0;
  #lane: OperationLane | undefined;
  #operation: { name?: string; type?: string; text?: string } = {};
  #finished = false;

  /** @param options - logger, debug switch, sample rate, role, metrics sink, clock */
  constructor(options: RequestObservationOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Whether the caller gets `Server-Timing`. */
  get debug(): boolean {
    return this.#options.debug;
  }

  /** The clock (ms) the phases are measured with. */
  now(): number {
    return this.#now();
  }

  /**
   * Adds time to a phase (batched operations sum).
   * @param phase - parse, validate or plan
   * @param ms - its duration
   */
  phase(phase: ObservedPhase, ms: number): void {
    this.#phases.set(phase, (this.#phases.get(phase) ?? 0) + ms);
  }

  /**
   * Names the operation (the first one named wins: a batch logs its first operation).
   * @param operation - name, type (query, mutation, subscription) and document text (only hashed)
   */
  operation(operation: { name?: string | null; type?: string; text?: string }): void {
    const known = this.#operation;
    this.#operation = {
      name: known.name ?? operation.name ?? undefined,
      type: known.type ?? operation.type,
      text: known.text ?? operation.text,
    };
  }

  /** Records who answered (the last word wins: a plan is set inside Yoga's execution). */
  lane(lane: OperationLane): void {
    this.#lane = lane;
  }

  /** The lane recorded so far. */
  get answeredBy(): OperationLane | undefined {
    return this.#lane;
  }

  /**
   * Records the errors of the answer: their count and their `extensions.code` values.
   * @param errors - the answer's errors (GraphQLErrors or their JSON)
   */
  errors(errors: readonly unknown[]): void {
    for (const error of errors) {
      this.#errors++;
      const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
      if (typeof code === "string") this.#errorCodes.add(code);
    }
  }

  /**
   * Records one upstream call (called by the upstream plugin `timing`) and writes its data point to the
   * metrics sink: blobs [upstream, kind, outcome, status], doubles [ms, 1], index [upstream].
   * @param call - the call
   */
  upstreamCall(call: UpstreamCallRecord): void {
    this.#calls++;
    let summary = this.#upstreams.get(call.upstream);
    if (summary === undefined) {
      summary = { calls: 0, ms: 0, errors: 0 };
      this.#upstreams.set(call.upstream, summary);
    }
    summary.calls++;
    summary.ms += call.ms;
    if (call.outcome !== "ok") summary.errors++;
    const metrics = this.#options.metrics;
    if (metrics === undefined) return;
    try {
      metrics.writeDataPoint({
        blobs: [call.upstream, call.kind, call.outcome, call.status === undefined ? "" : String(call.status)],
        doubles: [call.ms, 1],
        indexes: [call.upstream],
      });
    } catch (error) {
      // A metrics failure never fails the call.
      this.#options.log.warn({ error: String(error) }, "metrics data point not written");
    }
  }

  /**
   * The `Server-Timing` value: `parse`, `validate`, `plan` (each when measured), one `upstream` entry
   * per upstream name (its calls summed, `desc` = the name), and `total` up to now. Durations in ms, one decimal.
   * @returns the header value
   * @see https://www.w3.org/TR/server-timing/
   */
  serverTiming(): string {
    const entries: string[] = [];
    for (const phase of ["parse", "validate", "plan"] as const) {
      const ms = this.#phases.get(phase);
      if (ms !== undefined) entries.push(`${phase};dur=${round(ms)}`);
    }
    for (const [name, summary] of this.#upstreams)
      entries.push(`upstream;desc=${quoted(name)};dur=${round(summary.ms)}`);
    entries.push(`total;dur=${round(this.#now() - this.#started)}`);
    return entries.join(", ");
  }

  /**
   * Ends the request: writes its per-operation log line once, when it ran an operation (one was parsed
   * or the fast lane answered) and the sample takes it; an operation with errors is always logged. The
   * line holds no variables, tokens, headers or bodies: the document only as a short SHA-256.
   * @returns a promise for the line (hashing is asynchronous), for `waitUntil`; undefined when nothing is logged
   */
  finish(): Promise<void> | undefined {
    if (this.#finished) return undefined;
    this.#finished = true;
    const operation = this.#operation;
    if (operation.text === undefined && this.#lane === undefined) return undefined;
    const failed = this.#errors > 0;
    const rate = this.#options.sampleRate;
    if (!failed && !(rate >= 1 || (rate > 0 && (this.#options.random ?? Math.random)() < rate))) return undefined;
    const durationMs = round(this.#now() - this.#started);
    const upstreams: Record<string, UpstreamSummary> = {};
    for (const [name, summary] of this.#upstreams) upstreams[name] = { ...summary, ms: round(summary.ms) };
    return documentHash(operation.text).then((hash) => {
      const fields = {
        operationName: operation.name ?? null,
        operationType: operation.type ?? null,
        documentHash: hash,
        role: this.#options.role,
        lane: this.#lane ?? null,
        durationMs,
        upstreamCalls: this.#calls,
        upstreams,
        errors: this.#errors,
        errorCodes: [...this.#errorCodes],
      };
      if (failed) this.#options.log.warn(fields, "graphql operation");
      else this.#options.log.info(fields, "graphql operation");
    });
  }
}

/** Short hashes by document text, per isolate: repeated operations are hashed once (oldest dropped first). */
const hashes = new Map<string, string>();
const MAX_HASHES = 256;

/**
 * The short hash of a document: the first 16 hex digits of the SHA-256 of its text (UTF-8), cached
 * per isolate for the last 256 texts.
 * @param text - the document text; undefined gives null
 * @returns the hash, or null
 */
export async function documentHash(text: string | undefined): Promise<string | null> {
  if (text === undefined) return null;
  // Strings, not promises, are shared: a request never awaits a promise of another request (Workers).
  const known = hashes.get(text);
  if (known !== undefined) return known;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let hex = "";
  for (const byte of digest.subarray(0, 8)) hex += byte.toString(16).padStart(2, "0");
  if (hashes.size >= MAX_HASHES) hashes.delete(hashes.keys().next().value as string);
  hashes.set(text, hex);
  return hex;
}
