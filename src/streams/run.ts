import type { ExecutionResult, GraphQLFormattedError } from "graphql";
import type { RemoteConfig } from "../config";
import { ErrorCode, UpstreamError } from "../errors";
import { type StreamSpec, topicHub } from "../events";
import { createGatewayContext, type Gateway } from "../gateway";
import type { Logger } from "../observability";
import type { FetchFn } from "../shared";
import { publicRemoteErrors } from "../sources";
import { requestHeaders, serviceBindingFetch, wantsGatewayToken } from "../upstream";
import { graphqlWsTransport } from "./graphql-ws";
import { sseTransport } from "./sse";
import type { StreamSink, StreamTransport } from "./transport";

/** First reconnect delay, ms (doubling per attempt, with jitter). */
export const RECONNECT_BASE_MS = 250;
/** Longest reconnect delay, ms. */
export const RECONNECT_MAX_MS = 5_000;
/** A connection open this long (ms) before it drops counts as recovered, even without a result. */
const STABLE_AFTER_MS = 5_000;

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential from {@link RECONNECT_BASE_MS},
 * capped at {@link RECONNECT_MAX_MS}, with "equal jitter" (half fixed, half random) so the streams of a
 * restarted remote do not all come back at once.
 * @param attempt - how many attempts failed in a row before this one
 * @param random - a number in [0, 1) (Math.random)
 * @returns ms
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function reconnectDelay(attempt: number, random: number = Math.random()): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

const TRANSPORTS: Record<RemoteConfig["subscriptions"]["transport"], StreamTransport> = {
  sse: sseTransport,
  "graphql-ws": graphqlWsTransport,
};

/** What a run needs of its object. */
export interface RunHost {
  /** The Worker's bindings (the hub's namespace, the gateway token secret). */
  readonly bindings: Env;
  /** The object's logger. */
  readonly log: Logger;
  /** The object's gateway (config, token signer), built on first use. */
  gateway(): Gateway;
  /** Keeps background work (the hub calls) alive. */
  waitUntil(promise: Promise<unknown>): void;
  /** The run ended by itself (upstream end, or the hub no longer wants it). */
  ended(run: StreamRun): void;
}

/**
 * One upstream subscription held by a `RemoteStream` object: connects with the header rules' headers
 * (a fresh request context per attempt, so a fresh gateway token), forwards each result to the topic's
 * hub in order, reconnects with jittered exponential backoff while the upstream is lost (for at most
 * `reconnectWithinMs`, then the clients get UPSTREAM_UNAVAILABLE), and asks the hub to hand it over to a
 * fresh object after `reestablishAfterMs`.
 */
export class StreamRun {
  private closeConnection: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private handoverTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private downSince: number | undefined;
  /** When the current connection opened (ms since the epoch), until it delivers or drops. */
  private openedAt: number | undefined;
  private everOpened = false;
  private stopped = false;
  /** Calls to the hub, in order. */
  private outbox: Promise<unknown> = Promise.resolve();

  /**
   * @param host - the object
   * @param topic - the remote topic (its hub receives the results)
   * @param generation - this object's generation for the topic
   * @param spec - what to open
   */
  constructor(
    private readonly host: RunHost,
    readonly topic: string,
    readonly generation: number,
    readonly spec: StreamSpec,
  ) {}

  /** Whether it still runs. */
  get running(): boolean {
    return !this.stopped;
  }

  /** The remote's config, or undefined when a deploy removed it (the stream then ends at once). */
  private get remote(): RemoteConfig | undefined {
    return this.host.gateway().config.remotes.find((candidate) => candidate.name === this.spec.remote);
  }

  /** Opens the connection (the first attempt). */
  start(): void {
    void this.connect();
  }

  /** Closes the connection; nothing is sent to the hub after it. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.handoverTimer);
    this.closeConnection?.();
    this.closeConnection = undefined;
  }

  /** The headers of one attempt: the header rules with a fresh context (and gateway token). */
  private async headers(remote: RemoteConfig): Promise<Record<string, string>> {
    const gateway = this.host.gateway();
    const { context: stored } = this.spec;
    const context = await createGatewayContext({
      gateway,
      env: this.host.bindings,
      executionCtx: { waitUntil: (promise) => this.host.waitUntil(promise) },
      log: this.host.log,
      requestId: stored.requestId,
      headers: new Headers(stored.headers),
      session: stored.session,
      responseCookies: false,
    });
    const token = wantsGatewayToken(remote) ? await context.gatewayToken?.(remote.name) : undefined;
    return {
      ...requestHeaders(remote, context, token),
      "content-type": "application/json",
      accept: "text/event-stream",
    };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let remote: RemoteConfig;
    let headers: Record<string, string>;
    let fetchFn: FetchFn | undefined;
    try {
      const configured = this.remote;
      if (configured === undefined) throw new Error(`remote "${this.spec.remote}" is no longer configured`);
      remote = configured;
      headers = await this.headers(remote);
      // A remote behind a service binding takes its subscriptions there too, unless they have their own url.
      if (remote.binding !== undefined && remote.subscriptions.url === undefined) {
        fetchFn = serviceBindingFetch(this.host.bindings as unknown as Record<string, unknown>, remote.binding);
      }
    } catch (error) {
      this.host.log.error({ topic: this.topic, error: String(error) }, "remote stream headers failed");
      this.lost(String(error));
      return;
    }
    if (this.stopped) return;
    const { transport, url = remote.url } = remote.subscriptions;
    if (transport === "graphql-ws") {
      delete headers.accept;
      delete headers["content-type"];
    }
    const operation = {
      query: this.spec.query,
      variables: this.spec.variables,
      operationName: this.spec.operationName,
    };
    this.closeConnection = TRANSPORTS[transport](url, headers, operation, this.sink(remote), fetchFn);
  }

  /** What one connection attempt to `remote` reports to. */
  private sink(remote: RemoteConfig): StreamSink {
    return {
      opened: () => this.opened(remote),
      next: (result) => this.forward(result),
      error: (errors) => this.finish(publicRemoteErrors(errors, remote)),
      complete: () => this.finish(null),
      lost: (reason) => this.lost(reason),
    };
  }

  /** Sends one call to the hub after the ones before it. */
  private toHub(call: () => Promise<unknown>): void {
    const next = this.outbox.then(call).catch((error: unknown) => {
      this.host.log.error({ topic: this.topic, error: String(error) }, "remote stream to hub failed");
    });
    this.outbox = next;
    this.host.waitUntil(next);
  }

  private opened(remote: RemoteConfig): void {
    this.openedAt = Date.now();
    this.host.log.info({ topic: this.topic, generation: this.generation }, "remote stream connected");
    if (this.everOpened) return;
    this.everOpened = true;
    this.toHub(async () => {
      const wanted = await topicHub(this.host.bindings, this.topic).streamReady(this.generation);
      if (!wanted) this.endSelf();
    });
    this.handoverTimer = setTimeout(() => {
      if (this.stopped) return;
      this.toHub(() => topicHub(this.host.bindings, this.topic).handover(this.generation));
    }, remote.subscriptions.reestablishAfterMs);
  }

  private forward(result: ExecutionResult): void {
    if (this.stopped) return;
    this.recovered();
    const payload = JSON.stringify(result);
    this.toHub(async () => {
      const reached = await topicHub(this.host.bindings, this.topic).streamEvent(this.generation, payload);
      if (reached < 0) this.endSelf();
    });
  }

  /** The upstream ended: the hub ends the clients' subscriptions, with `errors` if any. */
  private finish(errors: GraphQLFormattedError[] | null): void {
    if (this.stopped) return;
    const json = errors === null ? null : JSON.stringify(errors);
    this.toHub(() => topicHub(this.host.bindings, this.topic).streamEnd(this.generation, json));
    this.endSelf();
  }

  private endSelf(): void {
    if (this.stopped) return;
    this.stop();
    this.host.ended(this);
  }

  /** The upstream works again: the next loss starts a new backoff and a new `reconnectWithinMs`. */
  private recovered(): void {
    this.attempt = 0;
    this.downSince = undefined;
    this.openedAt = undefined;
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    this.closeConnection?.();
    this.closeConnection = undefined;
    const now = Date.now();
    // A connection that delivered a result, or stayed up a while, has recovered; one dropped right after
    // it opened (a remote that accepts and fails) has not: the backoff and the window go on.
    if (this.openedAt !== undefined && now - this.openedAt >= STABLE_AFTER_MS) this.recovered();
    this.openedAt = undefined;
    this.downSince ??= now;
    // A remote a deploy removed gets no reconnect window: its streams end at once.
    const within = this.remote?.subscriptions.reconnectWithinMs ?? 0;
    const deadline = this.downSince + within;
    // The last attempt is made at the deadline; the clients hear of the outage only once it failed too.
    const delay = Math.min(reconnectDelay(this.attempt++), Math.max(0, deadline - now));
    this.host.log.warn({ topic: this.topic, reason, attempt: this.attempt, delay }, "remote stream lost");
    if (now >= deadline) {
      const error = new UpstreamError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        this.spec.remote,
        `Remote schema "${this.spec.remote}" stopped streaming and could not be reached again within ${within} ms`,
      ).toGraphQLError();
      const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
      this.finish([{ message: error.message, extensions }]);
      return;
    }
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}
