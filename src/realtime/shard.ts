import { DurableObject } from "cloudflare:workers";
import type { ExecutionResult } from "graphql";
import { CloseCode, MessageType, stringifyMessage } from "graphql-ws";
import { ErrorCode, GatewayError } from "../errors";
import type { ShardStats, StreamSpec } from "../events";
import { isRemoteTopic, topicHub, userHub } from "../events";
import { createGatewayContext, createGatewayFrom, type Gateway, type GatewayOptionsSource } from "../gateway";
import { createLogger, type Logger } from "../observability";
import { type Session, USER_ID_VARIABLE } from "../shared";
import { REALTIME_HEADER, type RoutedConnection, type SocketState } from "./connection";
import { executeEvent, type OperationRequest } from "./operations";
import { executeRemoteEvent } from "./remote";
import { handleMessage } from "./socket";
import { type OpenStream, openEventStream } from "./sse";
import { ShardStorage, type StoredContext, type SubscriberKey } from "./storage";

/** The gateway options, or a function of the bindings giving them (one bundle, config in bindings). */
export type RealtimeOptions = GatewayOptionsSource;

/**
 * What the protocol handlers (socket.ts, sse.ts) need of their shard. The shard object implements it.
 */
export interface ShardCore {
  /** The Worker's bindings. */
  readonly bindings: Env;
  readonly store: ShardStorage;
  readonly log: Logger;
  /** The shard's gateway (built on first use). */
  gateway(): Gateway;
  /** A request context for a session (one per operation or per event execution). */
  context(stored: StoredContext): ReturnType<typeof createGatewayContext>;
  /**
   * Tells the topic's hub whether this shard still holds subscriptions on it (ordered per topic).
   * @param topic - the topic
   * @param stream - for a remote stream's topic, the upstream subscription to open if none runs
   */
  syncTopic(topic: string, stream?: StreamSpec): Promise<void>;
  /** Takes one of the user's connection slots; false at `realtime.maxConnectionsPerUser`. */
  acquireSlot(session: Session, connection: string): Promise<boolean>;
  /** Gives the slot back. */
  releaseSlot(session: Session | undefined, connection: string): void;
  /** Arms the object's alarm for `at` (ms since the epoch) unless it fires earlier already. */
  wakeAt(at: number): Promise<void>;
  /** Closes a socket with a protocol close code and forgets its subscriptions. */
  closeSocket(ws: WebSocket, state: SocketState, code: number, reason: string): void;
  /** Open SSE streams by connection id (in memory: a stream ends with the object). */
  readonly streams: Map<string, OpenStream>;
}

/** How often (ms) the alarm looks at open SSE streams when nothing else is due (their expiry). */
const STREAM_CHECK_MS = 60_000;

/**
 * The `RealtimeShard` Durable Object class (binding `REALTIME`), bound to the gateway's options. One
 * object per shard (`shard:<n>`) holds its connections: WebSockets through the hibernation API (state in
 * each socket's attachment, pings answered by the runtime's auto-response, the connection-init timeout
 * and token expiry by alarm), SSE streams, and every subscription in SQLite storage. An event from a
 * topic's hub is executed once per sharing group and the same bytes are sent to each subscriber.
 * @param options - the gateway options, or a function of the bindings giving them
 * @returns the class
 * @see https://developers.cloudflare.com/durable-objects/best-practices/websockets/#websocket-hibernation-api
 */
export function createShardClass(options: RealtimeOptions) {
  return class RealtimeShard extends DurableObject<Env> implements ShardCore {
    /** A random id per object instance: changes when the object is evicted and created again. */
    readonly instance = crypto.randomUUID();
    readonly bindings: Env;
    readonly store: ShardStorage;
    readonly log: Logger = createLogger().child({ component: "realtime" });
    readonly streams = new Map<string, OpenStream>();
    private built: Gateway | undefined;
    private readonly topicSync = new Map<string, Promise<void>>();
    private readonly inFlight = new Set<string>();

    /**
     * @param ctx - the object's state
     * @param env - the Worker's bindings
     */
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.bindings = env;
      this.store = new ShardStorage(ctx.storage.sql);
      // graphql-ws clients ping with exactly this message: the runtime answers without waking the object.
      ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
    }

    gateway(): Gateway {
      this.built ??= createGatewayFrom(options, this.bindings, this.log);
      return this.built;
    }

    context(stored: StoredContext) {
      return createGatewayContext({
        gateway: this.gateway(),
        env: this.bindings,
        executionCtx: { waitUntil: (promise) => this.ctx.waitUntil(promise) },
        log: this.log.child({ requestId: stored.requestId }),
        requestId: stored.requestId,
        headers: new Headers(stored.headers),
        session: stored.session,
        responseCookies: false,
      });
    }

    /**
     * A connection routed here by the Worker: a WebSocket upgrade (accepted with the hibernation API)
     * or an SSE subscription request.
     */
    override async fetch(request: Request): Promise<Response> {
      const routed = JSON.parse(request.headers.get(REALTIME_HEADER) ?? "null") as RoutedConnection | null;
      if (routed === null) return new GatewayError(ErrorCode.BAD_REQUEST, "Not routed by the gateway.").toResponse();
      if (this.store.name !== routed.shard) this.store.name = routed.shard;
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return openEventStream(this, request, routed);
      const { 0: client, 1: server } = new WebSocketPair();
      const id = crypto.randomUUID();
      this.ctx.acceptWebSocket(server, [id]);
      const state: SocketState = {
        id,
        routed,
        initDeadline: Date.now() + this.gateway().config.realtime.connectionInitWaitTimeoutMs,
        init: false,
        acked: false,
      };
      server.serializeAttachment(state);
      await this.wakeAt(state.initDeadline);
      return new Response(null, {
        status: 101,
        webSocket: client,
        headers: { "sec-websocket-protocol": "graphql-transport-ws" },
      });
    }

    override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (state === null) return;
      await handleMessage(this, ws, state, message, this.inFlight).catch((error: unknown) => {
        this.log.error({ error: String(error), stack: (error as Error).stack }, "realtime message failed");
        this.closeSocket(ws, state, CloseCode.InternalServerError, "Internal server error");
      });
    }

    /**
     * The client closed: its subscriptions and slot go. The close frame is answered here: workerd
     * (1.20260426) does not answer it for hibernatable sockets, whatever the compatibility date, and the
     * client would otherwise wait for its own timeout and report 1006.
     */
    override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (state !== null) this.forget(state);
      try {
        // 1005 and 1006 are never sent in a close frame (RFC 6455 section 7.4.1).
        ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
      } catch {
        // Already closed.
      }
    }

    override async webSocketError(ws: WebSocket): Promise<void> {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (state !== null) this.forget(state);
    }

    closeSocket(ws: WebSocket, state: SocketState, code: number, reason: string): void {
      try {
        ws.close(code, reason);
      } catch {
        // Already closing.
      }
      this.forget(state);
    }

    /** Drops a connection's subscriptions and its user slot (idempotent). */
    private forget(state: SocketState): void {
      for (const topic of this.store.remove(state.id)) void this.syncTopic(topic);
      if (state.acked) this.releaseSlot(state.session, state.id);
    }

    syncTopic(topic: string, stream?: StreamSpec): Promise<void> {
      const shard = this.store.name;
      if (shard === undefined) return Promise.resolve();
      const next = (this.topicSync.get(topic) ?? Promise.resolve())
        .then(() => {
          const subscribed = this.store.hasTopic(topic);
          const opening = subscribed && stream !== undefined ? { topic, spec: stream } : undefined;
          return topicHub(this.bindings, topic).setShard(shard, subscribed, opening);
        })
        .catch((error: unknown) => this.log.error({ topic, error: String(error) }, "topic membership update failed"));
      this.topicSync.set(topic, next);
      void next.then(() => {
        if (this.topicSync.get(topic) === next) this.topicSync.delete(topic);
      });
      return next;
    }

    async acquireSlot(session: Session, connection: string): Promise<boolean> {
      const user = session.variables[USER_ID_VARIABLE];
      if (user === undefined) return true;
      const limit = this.gateway().config.realtime.maxConnectionsPerUser;
      return userHub(this.bindings, user).acquire(connection, this.store.name ?? "", limit);
    }

    releaseSlot(session: Session | undefined, connection: string): void {
      const user = session?.variables[USER_ID_VARIABLE];
      if (user === undefined) return;
      this.ctx.waitUntil(
        userHub(this.bindings, user)
          .release(connection)
          .catch((error: unknown) => this.log.error({ error: String(error) }, "connection slot release failed")),
      );
    }

    async wakeAt(at: number): Promise<void> {
      const current = await this.ctx.storage.getAlarm();
      if (current === null || at < current) await this.ctx.storage.setAlarm(at);
    }

    /** Closes sockets past their connection-init deadline (4408) or their token's expiry (4403); ends expired SSE streams. */
    override async alarm(): Promise<void> {
      const now = Date.now();
      let next = Number.POSITIVE_INFINITY;
      for (const ws of this.ctx.getWebSockets()) {
        const state = ws.deserializeAttachment() as SocketState | null;
        if (state === null || ws.readyState !== WebSocket.OPEN) continue;
        if (!state.init) {
          if (now >= state.initDeadline) {
            this.closeSocket(ws, state, CloseCode.ConnectionInitialisationTimeout, "Connection initialisation timeout");
          } else next = Math.min(next, state.initDeadline);
        } else if (state.acked && state.session?.expiresAt !== undefined) {
          if (now >= state.session.expiresAt) this.closeSocket(ws, state, CloseCode.Forbidden, "Token expired");
          else next = Math.min(next, state.session.expiresAt);
        }
      }
      for (const stream of this.streams.values()) {
        if (stream.expiresAt !== undefined && now >= stream.expiresAt) stream.expire();
        else next = Math.min(next, stream.expiresAt ?? now + STREAM_CHECK_MS);
      }
      if (next !== Number.POSITIVE_INFINITY) await this.ctx.storage.setAlarm(next);
    }

    /**
     * Delivers one event of a topic (called by the topic's hub, one event at a time per topic): each
     * sharing group's operation runs once with the payload as root value, and its result goes to every
     * subscription of the group. Subscriptions whose connection is gone are removed.
     * @param topic - the topic
     * @param payload - the payload as JSON text
     * @returns how many subscriptions it was delivered to
     */
    async deliver(topic: string, payload: string): Promise<number> {
      const groups = this.store.onTopic(topic);
      if (groups.size === 0) return 0;
      const now = Date.now();
      const stale: SubscriberKey[] = [];
      let delivered = 0;
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const first = this.store.operationOf(group[0] as SubscriberKey);
          if (first === undefined) return;
          const stored = JSON.parse(first.context) as StoredContext;
          if (stored.session.expiresAt !== undefined && stored.session.expiresAt <= now) return;
          const request: OperationRequest = {
            query: first.query,
            operationName: first.operation_name,
            variables: JSON.parse(first.variables) as Record<string, unknown>,
          };
          // Each execution gets its own copy: completing a payload annotates and extends it.
          const value: unknown = JSON.parse(payload);
          const context = await this.context(stored);
          const result: ExecutionResult = isRemoteTopic(topic)
            ? await executeRemoteEvent(this.gateway(), context, request, value as ExecutionResult)
            : await executeEvent(this.gateway(), context, request, value);
          const json = JSON.stringify(result);
          for (const key of group) {
            const stream = this.streams.get(key.connection);
            if (stream !== undefined) {
              stream.push(result);
              delivered++;
              continue;
            }
            const ws = this.ctx.getWebSockets(key.connection)[0];
            if (ws === undefined || ws.readyState !== WebSocket.OPEN) {
              stale.push(key);
              continue;
            }
            ws.send(`{"id":${JSON.stringify(key.id)},"type":"next","payload":${json}}`);
            delivered++;
          }
        }),
      );
      for (const key of stale) this.store.remove(key.connection, key.id);
      if (stale.length > 0) void this.syncTopic(topic);
      return delivered;
    }

    /**
     * Ends every subscription on a remote stream's topic (the upstream completed, failed with GraphQL
     * errors, or stayed unreachable past `reconnectWithinMs`): WebSocket subscriptions get the protocol's
     * `error` message (or `complete`), SSE streams a result with the errors, then their end.
     * @param topic - the remote topic
     * @param errors - JSON of the errors, or null for a plain completion
     * @returns how many subscriptions ended
     */
    async end(topic: string, errors: string | null): Promise<number> {
      const rows = [...this.store.onTopic(topic).values()].flat();
      const frame = (id: string): string =>
        errors === null
          ? stringifyMessage({ id, type: MessageType.Complete })
          : `{"id":${JSON.stringify(id)},"type":"error","payload":${errors}}`;
      for (const row of rows) {
        this.store.remove(row.connection, row.id);
        const stream = this.streams.get(row.connection);
        if (stream !== undefined) {
          stream.finish(errors === null ? undefined : { errors: JSON.parse(errors) as ExecutionResult["errors"] });
          continue;
        }
        const ws = this.ctx.getWebSockets(row.connection)[0];
        if (ws !== undefined && ws.readyState === WebSocket.OPEN) ws.send(frame(row.id));
      }
      if (rows.length > 0) void this.syncTopic(topic);
      return rows.length;
    }

    /**
     * Which of these connections are open here (for the per-user connection count of the hub).
     * @param ids - connection ids
     * @returns the open ones
     */
    async openConnections(ids: string[]): Promise<string[]> {
      return ids.filter(
        (id) => this.streams.has(id) || this.ctx.getWebSockets(id).some((ws) => ws.readyState === WebSocket.OPEN),
      );
    }

    /** Counts for `GET /admin/realtime`: connections (WebSockets and SSE streams), subscriptions, topics. */
    async stats(): Promise<ShardStats> {
      const { subscriptions, topics, remoteStreams } = this.store.stats();
      const sockets = this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN).length;
      return {
        instance: this.instance,
        connections: sockets + this.streams.size,
        sockets,
        streams: this.streams.size,
        subscriptions,
        topics,
        remoteStreams,
      };
    }
  };
}
