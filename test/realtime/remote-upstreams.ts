/**
 * Loopback remotes with a `Subscription` type for the remote-subscription tests (issue 15), run in Node:
 * - {@link startYogaRemote}: a real graphql-yoga server serving queries and subscriptions over GraphQL over
 *   SSE (distinct connections, as Yoga serves `Accept: text/event-stream`);
 * - {@link startWsRemote}: the same schema over `graphql-transport-ws` (graphql-ws `useServer` on a `ws`
 *   server), queries over HTTP by Yoga.
 *
 * The tests drive the streams: {@link RemoteUpstream.emit} pushes one tick to every open subscription of a
 * channel, {@link RemoteUpstream.complete} ends them, {@link RemoteUpstream.fail} ends them with a GraphQL error
 * (thrown from the source stream, so Yoga answers `next {errors}` then `complete`, graphql-ws an `error`
 * message); `emit(.., { fieldError })` sends a result with data and errors; a channel named `refuse...` is
 * refused when subscribed (code REFUSED; Yoga answers HTTP 400); each subscription is recorded with the headers it was opened with. `restart` closes every
 * connection and the server and listens again on the same port. Every wait is bounded.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { GraphQLError } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { createSchema, createYoga } from "graphql-yoga";
import { WebSocketServer } from "ws";

/** The remote's SDL: `ticks(channel)` streams what the test emits; `user` is the subscriber's x-hasura-user-id header. */
export const REMOTE_SDL = /* GraphQL */ `
  type Query { hello: String }
  type Tick { id: ID! n: Int! sentAt: Float! user: String channel: String! orderId: ID! }
  type Subscription { ticks(channel: String!): Tick }
`;

/** One tick as the remote sends it. */
export interface Tick {
  id: string;
  n: number;
  /** Date.now() on the remote when it was emitted (ms). */
  sentAt: number;
  /** The `x-hasura-user-id` header the subscription was opened with (null: none). */
  user: string | null;
  channel: string;
  /** `o<n>`: the key of a join on the orders REST fixture. */
  orderId: string;
  /** When set, resolving `user` throws a GraphQLError with this message (a field error). */
  fieldError?: string;
}

/** One upstream subscription the remote opened. */
export interface RemoteSubscription {
  /** How it arrived: "sse" (a Yoga event stream) or "ws" (a graphql-ws subscribe message). */
  transport: "sse" | "ws";
  channel: string;
  /** The request headers it was opened with (SSE: the POST's; ws: the upgrade request's), names lower-case. */
  headers: Record<string, string>;
  /** ws only: the connection_init payload of its socket. */
  initPayload?: Record<string, unknown>;
  /** ws only: the ordinal (1, 2, ...) of its socket. */
  socket?: number;
  /** Date.now() when it opened / closed (undefined: still open). */
  openedAt: number;
  closedAt?: number;
}

/** One WebSocket the ws remote accepted. */
export interface RemoteSocket {
  /** 1, 2, ... in order of arrival. */
  ordinal: number;
  /** The upgrade request's headers, names lower-case. */
  headers: Record<string, string>;
  /** The connection_init payload (undefined until it arrives). */
  initPayload?: Record<string, unknown>;
  openedAt: number;
  closedAt?: number;
}

/** A loopback remote with subscriptions, driven by the test. */
export interface RemoteUpstream {
  /** http://127.0.0.1:<port>/graphql: queries over HTTP, and the subscription endpoint of either transport. */
  url: string;
  port: number;
  /** Every subscription opened so far, in order (of every transport). */
  subscriptions: RemoteSubscription[];
  /** The subscriptions of this remote's own transport ("sse" for Yoga, "ws" for the ws remote) now open, optionally of one channel. */
  open(channel?: string): number;
  /** The subscriptions of this remote's own transport opened so far, optionally of one channel. */
  opened(channel?: string): number;
  /** ws remote: the sockets accepted so far (empty for the Yoga remote). */
  sockets: RemoteSocket[];
  /** ws remote: the sockets now open. */
  openSockets(): number;
  /**
   * Pushes tick `n` to every open subscription of `channel` (each gets its own `user`).
   * @param options.fieldError - the `user` field fails with this message: the result carries data AND errors
   * @returns how many subscriptions it reached
   */
  emit(channel: string, n: number, options?: { fieldError?: string }): number;
  /** Ends every open subscription of `channel` normally (Yoga: `complete` event; graphql-ws: `complete` message). */
  complete(channel: string): number;
  /** Ends every open subscription of `channel` with a GraphQL error `message` (`extensions.code` = `code` when given). */
  fail(channel: string, message: string, code?: string): number;
  /** Closes every connection and the server; listens again on the same port after `downMs` (awaited). */
  restart(downMs: number): Promise<void>;
  /** Closes every connection and the server for good. */
  stop(): Promise<void>;
}

/** A pushable source stream of one subscription. */
class TickStream implements AsyncIterableIterator<Tick> {
  private readonly queue: Array<{ value?: Tick; done?: boolean; error?: Error }> = [];
  private waiting: { resolve(result: IteratorResult<Tick>): void; reject(error: Error): void } | undefined;
  private finished = false;

  constructor(
    readonly record: RemoteSubscription,
    private readonly onEnd: (stream: TickStream) => void,
  ) {}

  /** Whether it still delivers. */
  get live(): boolean {
    return !this.finished;
  }

  push(item: { value?: Tick; done?: boolean; error?: Error }): void {
    if (this.finished) return;
    if (item.done || item.error) this.end();
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      if (item.error) waiting.reject(item.error);
      else waiting.resolve(item.done ? { value: undefined, done: true } : { value: item.value as Tick, done: false });
    } else this.queue.push(item);
  }

  next(): Promise<IteratorResult<Tick>> {
    const item = this.queue.shift();
    if (item?.error) return Promise.reject(item.error);
    if (item?.done) return Promise.resolve({ value: undefined, done: true });
    if (item) return Promise.resolve({ value: item.value as Tick, done: false });
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Tick>> {
    this.end();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Tick> {
    return this;
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    this.record.closedAt = Date.now();
    this.onEnd(this);
  }
}

/** Lower-cased string headers of a Fetch Headers or node's IncomingHttpHeaders. */
function plainHeaders(headers: Headers | IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof (headers as Headers).get === "function") {
    (headers as Headers).forEach((value, name) => {
      out[name.toLowerCase()] = value;
    });
    return out;
  }
  for (const [name, value] of Object.entries(headers as IncomingHttpHeaders)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** What the subscription resolver reads from the context: Yoga's request, or the ws context this file builds. */
interface RemoteContext {
  request?: Request;
  wsSubscription?: Omit<RemoteSubscription, "channel" | "openedAt" | "closedAt">;
}

/** The shared core of both remotes: the schema over a registry of open streams, and the HTTP server. */
function remoteCore(transport: "sse" | "ws") {
  const subscriptions: RemoteSubscription[] = [];
  const streams = new Set<TickStream>();
  const schema = createSchema<RemoteContext>({
    typeDefs: REMOTE_SDL,
    resolvers: {
      Query: { hello: () => "world" },
      Subscription: {
        ticks: {
          subscribe: (_: unknown, { channel }: { channel: string }, context: RemoteContext) => {
            if (channel.startsWith("refuse")) {
              // Yoga answers 400 (its `http` extension, not sent) with the error; graphql-ws sends it as a result.
              throw new GraphQLError(`channel ${channel} refused`, {
                extensions: { code: "REFUSED", http: { status: 400 } },
              });
            }
            const base = context.wsSubscription ?? {
              transport: "sse" as const,
              headers: context.request ? plainHeaders(context.request.headers) : {},
            };
            const record: RemoteSubscription = { ...base, channel, openedAt: Date.now() };
            subscriptions.push(record);
            const stream = new TickStream(record, (ended) => streams.delete(ended));
            streams.add(stream);
            return stream;
          },
          resolve: (tick: Tick) => tick,
        },
      },
      Tick: {
        user: (tick: Tick) => {
          if (tick.fieldError !== undefined) throw new GraphQLError(tick.fieldError);
          return tick.user;
        },
      },
    },
  });
  const yoga = createYoga<RemoteContext>({
    schema,
    logging: false,
    graphiql: false,
    landingPage: false,
    // The errors thrown from a stream (fail) reach the gateway as thrown, code included.
    maskedErrors: false,
  });
  const ofChannel = (channel?: string) =>
    [...streams].filter((s) => s.live && (channel === undefined || s.record.channel === channel));
  const mine = (channel?: string) =>
    subscriptions.filter((s) => s.transport === transport && (channel === undefined || s.channel === channel));
  return {
    schema,
    yoga,
    subscriptions,
    open: (channel?: string) => mine(channel).filter((s) => s.closedAt === undefined).length,
    opened: (channel?: string) => mine(channel).length,
    emit(channel: string, n: number, options: { fieldError?: string } = {}): number {
      const targets = ofChannel(channel);
      const sentAt = Date.now();
      for (const stream of targets) {
        const user = stream.record.headers["x-hasura-user-id"] ?? null;
        const tick: Tick = { id: `${channel}-${n}`, n, sentAt, user, channel, orderId: `o${n}` };
        stream.push({ value: options.fieldError === undefined ? tick : { ...tick, fieldError: options.fieldError } });
      }
      return targets.length;
    },
    complete(channel: string): number {
      const targets = ofChannel(channel);
      for (const stream of targets) stream.push({ done: true });
      return targets.length;
    },
    fail(channel: string, message: string, code?: string): number {
      const targets = ofChannel(channel);
      for (const stream of targets) {
        stream.push({ error: new GraphQLError(message, code === undefined ? {} : { extensions: { code } }) });
      }
      return targets.length;
    },
    /** Ends every stream without a word to its client (the connection is gone already). */
    dropAll(): void {
      for (const stream of [...streams]) void stream.return();
    },
  };
}

/** A node:http server on 127.0.0.1 that can be closed and listen again on the same port. */
/**
 * @param setup - attaches the handlers to each new server
 * @param dropStreams - called once every connection is destroyed: ends the source streams without a word to
 *   anyone (ending them earlier would let Yoga write a `complete` event, which is not what a crash looks like)
 */
async function restartableServer(setup: (server: Server) => void, dropStreams: () => void) {
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = async (port: number) => {
    server = createServer();
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    setup(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  };
  const port = await listen(0);
  const close = async () => {
    // closeAllConnections() leaves upgraded (WebSocket) sockets alone: destroy every socket by hand.
    for (const socket of sockets) socket.destroy();
    dropStreams();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    close,
    async restart(downMs: number) {
      await close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listen(port);
    },
  };
}

/** What both remotes expose of their core and server: URL, counts, the test's controls, restart. */
function driven(
  core: ReturnType<typeof remoteCore>,
  http: Awaited<ReturnType<typeof restartableServer>>,
): Omit<RemoteUpstream, "sockets" | "openSockets" | "stop"> {
  return {
    url: `http://127.0.0.1:${http.port}/graphql`,
    port: http.port,
    subscriptions: core.subscriptions,
    open: core.open,
    opened: core.opened,
    emit: core.emit,
    complete: core.complete,
    fail: core.fail,
    restart: (downMs) => http.restart(downMs),
  };
}

/**
 * Starts a graphql-yoga remote on 127.0.0.1 (random port) serving {@link REMOTE_SDL}: queries over HTTP,
 * subscriptions over GraphQL over SSE (distinct connections). The test drives the streams.
 */
export async function startYogaRemote(): Promise<RemoteUpstream> {
  const core = remoteCore("sse");
  const http = await restartableServer(
    (server) => server.on("request", (req, res) => void core.yoga(req, res)),
    () => core.dropAll(),
  );
  return { ...driven(core, http), sockets: [], openSockets: () => 0, stop: () => http.close() };
}

/**
 * Starts a remote on 127.0.0.1 (random port) serving {@link REMOTE_SDL} with subscriptions over
 * `graphql-transport-ws` (graphql-ws `useServer` on a `ws` server) at `/graphql`, and queries (and SSE) over
 * HTTP by Yoga. Records each socket's upgrade headers and connection_init payload.
 */
export async function startWsRemote(): Promise<RemoteUpstream> {
  const core = remoteCore("ws");
  const sockets: RemoteSocket[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const bySocket = new WeakMap<object, RemoteSocket>();
  useServer<Record<string, unknown> | undefined>(
    {
      schema: core.schema,
      onConnect: (ctx) => {
        const socket = bySocket.get(ctx.extra.socket);
        if (socket) socket.initPayload = ctx.connectionParams ?? {};
        return true;
      },
      context: (ctx): RemoteContext => {
        const socket = bySocket.get(ctx.extra.socket);
        return {
          wsSubscription: {
            transport: "ws",
            headers: socket?.headers ?? plainHeaders(ctx.extra.request.headers),
            initPayload: ctx.connectionParams ?? {},
            socket: socket?.ordinal,
          },
        };
      },
    },
    wss,
  );
  const http = await restartableServer(
    (server) => {
      server.on("request", (req, res) => void core.yoga(req, res));
      server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          const record: RemoteSocket = {
            ordinal: sockets.length + 1,
            headers: plainHeaders(req.headers),
            openedAt: Date.now(),
          };
          sockets.push(record);
          bySocket.set(ws, record);
          ws.on("close", () => {
            record.closedAt = Date.now();
          });
          wss.emit("connection", ws, req);
        });
      });
    },
    () => {
      for (const ws of wss.clients) ws.terminate();
      core.dropAll();
    },
  );
  return {
    ...driven(core, http),
    sockets,
    openSockets: () => sockets.filter((s) => s.closedAt === undefined).length,
    async stop() {
      await http.close();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
