/**
 * The realtime end-to-end harness (runs in Node): the gateway Worker in workerd through Miniflare
 * ({@link startGateway}), a loopback REST orders service ({@link startOrders}), HS256 tokens, publishing
 * through `POST /events/{topic}`, the admin view of the shards, and the real `graphql-ws` / `graphql-sse`
 * clients plus a raw `ws` socket and a raw upgrade for what a well-behaved client never sends.
 * Every wait here is bounded (a few seconds at most) and fails with what was seen so far.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { SignJWT } from "jose";
import { Miniflare } from "miniflare";
import { inject } from "vitest";
import WebSocket from "ws";

// ---------------------------------------------------------------------------------------------------
// Secrets, tokens

/** The admin secret of every test gateway (`x-admin-secret`). */
export const ADMIN_SECRET = "realtime-test-admin-secret";
/** The HMAC key of `x-junction-signature` (the EVENTS_SECRET binding). */
export const EVENTS_SECRET = "realtime-test-events-secret-0123456789";
/** The HS256 secret of the tokens (the value test/fixtures/gateways.ts uses; that file runs in workerd only). */
export const HS_SECRET = "junction-auth-tests-hmac-secret-0123456789";
/** Hasura's default claims namespace. */
export const CLAIMS_NS = "https://hasura.io/jwt/claims";

/** The `auth` section verifying HS256 tokens signed with {@link HS_SECRET}; `more` is merged in. */
export const hsAuth = (more: Record<string, unknown> = {}): Record<string, unknown> => ({
  jwt: { secret: HS_SECRET, algorithms: ["HS256"] },
  ...more,
});

/** Now, in seconds since the epoch. */
export const nowSec = (): number => Math.floor(Date.now() / 1000);

/**
 * An HS256 token ({@link HS_SECRET}) with Hasura claims.
 * @param options.userId - x-hasura-user-id; `null` leaves the claim out (default "42")
 * @param options.role - default and only allowed role (default "user")
 * @param options.exp - expiry, seconds since the epoch (default: in 10 minutes)
 * @param options.secret - signing secret (default {@link HS_SECRET}; another one makes a bad token)
 */
export async function token(
  options: { userId?: string | null; role?: string; exp?: number; secret?: string } = {},
): Promise<string> {
  const { userId = "42", role = "user", exp = nowSec() + 600, secret = HS_SECRET } = options;
  return new SignJWT({
    [CLAIMS_NS]: {
      "x-hasura-allowed-roles": [role],
      "x-hasura-default-role": role,
      ...(userId === null ? {} : { "x-hasura-user-id": userId }),
    },
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));
}

// ---------------------------------------------------------------------------------------------------
// Bounded waiting

/** Waits `ms` (callers pass constants of a few seconds at most). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `read` until `done(value)` holds, every 100 ms, at most `ms`.
 * @returns the last value read
 * @throws Error naming `what` and the last value when it never holds
 */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 5_000) {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms; last: ${JSON.stringify(value)}`);
    await sleep(100);
    value = await read();
  }
  return value;
}

/** Rejects after `ms` with `what`, unless `promise` settles first. */
export function within<T>(what: string, promise: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------------
// The REST orders upstream

/** An order as the REST service answers it. */
export interface Order {
  id: string;
  userId: string;
  status: string;
  total: number;
  quantity: number;
}

/** The loopback REST orders service (node:http). */
export interface OrdersUpstream {
  /** Its origin, e.g. http://127.0.0.1:1234 (the `orders` service url). */
  url: string;
  /** The orders it holds, by id (tests may change them). */
  orders: Map<string, Order>;
  /** How many `GET /orders/:id` it answered for `id`. */
  gets(id: string): number;
  /** The `x-hasura-user-id` header of each `GET /orders/:id` for `id`, in order (absent: ""). */
  getUsers(id: string): string[];
  /** The request headers of each `GET /orders/:id` for `id`, in order. */
  getHeaders(id: string): Array<Record<string, string | string[] | undefined>>;
  /** The id `POST /orders` gives the next order it creates. */
  nextId(): string;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Starts the REST orders service on 127.0.0.1 (random port):
 * - `GET /orders/:id` -> the order (7, 8 and 9: PAID, total 70.5; an unknown id gets a PENDING order of user 42 created on the fly), counted
 *   per id with the caller's `x-hasura-user-id` header;
 * - `POST /orders` (JSON body `{ userId, total, status }`) -> 201 with the new order, id `n1`, `n2`, ...
 */
export async function startOrders(): Promise<OrdersUpstream> {
  const orders = new Map<string, Order>(
    ["7", "8", "9"].map((id) => [id, { id, userId: "42", status: "PAID", total: 70.5, quantity: 2 }]),
  );
  const gets = new Map<string, number>();
  const users = new Map<string, string[]>();
  const headers = new Map<string, Array<Record<string, string | string[] | undefined>>>();
  let created = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const path = new URL(req.url ?? "/", "http://orders").pathname;
      const one = /^\/orders\/([^/]+)$/.exec(path);
      if (req.method === "GET" && one) {
        const id = decodeURIComponent(one[1] as string);
        gets.set(id, (gets.get(id) ?? 0) + 1);
        users.set(id, [...(users.get(id) ?? []), String(req.headers["x-hasura-user-id"] ?? "")]);
        headers.set(id, [...(headers.get(id) ?? []), { ...req.headers }]);
        const order = orders.get(id) ?? { id, userId: "42", status: "PENDING", total: 1, quantity: 1 };
        orders.set(id, order);
        return json(200, order);
      }
      if (req.method === "POST" && path === "/orders") {
        const input = (body ? JSON.parse(body) : {}) as Partial<Order>;
        created++;
        const order: Order = {
          id: `n${created}`,
          userId: String(input.userId ?? "42"),
          status: String(input.status ?? "PENDING"),
          total: Number(input.total ?? 0),
          quantity: 1,
        };
        orders.set(order.id, order);
        return json(201, order);
      }
      json(404, { message: `no route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    orders,
    gets: (id) => gets.get(id) ?? 0,
    getUsers: (id) => users.get(id) ?? [],
    getHeaders: (id) => headers.get(id) ?? [],
    nextId: () => `n${created + 1}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// The gateway

/** The SDL of the realtime tests: orders over REST, their updates and users' notifications as topics. */
export const SDL = /* GraphQL */ `
type Order {
  id: ID!
  userId: ID!
  status: OrderStatus!
  total: Float!
  quantity: Int!
}
enum OrderStatus { PENDING PAID SHIPPED CANCELLED }
type Notification { id: ID! text: String! }
extend type Query {
  order(id: ID!): Order @rest(service: "orders", endpoint: "getOrder") @merge(keyField: "id")
}
extend type Mutation {
  placeOrder(userId: ID!, total: Float!): Order! @rest(service: "orders", endpoint: "createOrder") @publish(topic: "orders.{result.id}")
}
type Subscription {
  orderUpdated(id: ID!): Order @topic(name: "orders.{args.id}")
  orderShared(id: ID!): Order @topic(name: "orders.{args.id}", share: "role")
  myNotifications: Notification @topic(name: "users.{session.x-hasura-user-id}.notifications", share: "role")
  userNotifications(userId: ID!): Notification @topic(name: "users.{args.userId}.notifications")
}
`;

/**
 * A gateway config for the realtime tests: the `orders` service at `ordersUrl`, HS256 auth, one shard
 * (so every connection shares it), events up to 1 KiB; `extra` wins key by key (`realtime` is merged).
 */
export function realtimeConfig(ordersUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { realtime, ...rest } = extra;
  return {
    services: [
      {
        name: "orders",
        url: ordersUrl,
        timeoutMs: 5000,
        endpoints: {
          getOrder: { method: "GET", path: "/orders/{args.id}" },
          createOrder: {
            method: "POST",
            path: "/orders",
            body: { userId: "{args.userId}", total: "{args.total}", status: "PENDING" },
          },
        },
      },
    ],
    auth: hsAuth(),
    realtime: { shards: 1, ...(realtime as Record<string, unknown> | undefined) },
    events: { maxPayloadBytes: 1024 },
    ...rest,
  };
}

/** A gateway Worker running in workerd. */
export interface Gateway {
  /** Its origin, http://127.0.0.1:<port>. */
  url: string;
  /** ws://127.0.0.1:<port>/graphql */
  wsUrl: string;
  /** The Miniflare instance. */
  mf: Miniflare;
  /** Disposes of the Miniflare instance (stops workerd). */
  stop(): Promise<void>;
}

/**
 * Starts the bundled test Worker (test/realtime/worker.ts) in a fresh workerd with the realtime Durable
 * Objects (`REALTIME`, `REALTIME_HUB`, `REMOTE_STREAMS`, SQLite-backed, in memory), KV `SCHEMA_CACHE`, ADMIN_SECRET,
 * EVENTS_SECRET, and the config and SDL as the TEST_CONFIG / TEST_SCHEMA_FILES bindings.
 * @param options.config - the gateway config
 * @param options.sdl - the SDL (one file, schemas/realtime.graphql; default {@link SDL})
 * @param options.files - more SDL files by path (role permissions: `schemas/permissions/<role>.graphql`)
 * @param options.bindings - more bindings (they win)
 * @param options.ratelimits - Miniflare rate limiting bindings (name -> `{ simple: { limit, period } }`)
 * @param options.onLog - receives each line the Worker logs (its console output), instead of the terminal
 */
export async function startGateway(options: {
  config: Record<string, unknown>;
  sdl?: string;
  files?: Record<string, string>;
  bindings?: Record<string, string>;
  ratelimits?: Record<string, { simple: { limit: number; period: 10 | 60 } }>;
  onLog?: (line: string) => void;
}): Promise<Gateway> {
  const files = [
    { path: "schemas/realtime.graphql", sdl: options.sdl ?? SDL },
    ...Object.entries(options.files ?? {}).map(([path, sdl]) => ({ path, sdl })),
  ];
  const mf = new Miniflare({
    modules: [{ type: "ESModule", path: inject("realtimeWorker") }],
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["enable_request_signal"],
    durableObjects: {
      REALTIME: { className: "RealtimeShard", useSQLite: true },
      REALTIME_HUB: { className: "RealtimeHub", useSQLite: true },
      REMOTE_STREAMS: { className: "RemoteStream", useSQLite: true },
    },
    kvNamespaces: ["SCHEMA_CACHE"],
    ...(options.ratelimits === undefined ? {} : { ratelimits: options.ratelimits }),
    ...(options.onLog === undefined
      ? {}
      : {
          handleStructuredLogs: ({ message }: { message: string }): void => {
            options.onLog?.(message);
          },
        }),
    bindings: {
      ADMIN_SECRET,
      EVENTS_SECRET,
      TEST_CONFIG: JSON.stringify(options.config),
      TEST_SCHEMA_FILES: JSON.stringify(files),
      ...options.bindings,
    },
    host: "127.0.0.1",
    port: 0,
  });
  const ready = await mf.ready;
  return { url: ready.origin, wsUrl: `ws://${ready.host}/graphql`, mf, stop: () => mf.dispose() };
}

/**
 * Waits for something a stream of notifications makes true: `probe` runs now and on every call of a
 * listener in `listeners`; the wait resolves with the first `{ value }` it gives, rejects with the first
 * Error it returns, or after `ms` with the message `timeout()` gives. The listener is removed either way.
 */
function waitOn<T>(
  listeners: Set<() => void>,
  probe: () => { value: T } | Error | undefined,
  ms: number,
  timeout: () => string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const outcome = probe();
      if (outcome === undefined) return;
      cleanup();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome.value);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(timeout()));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      listeners.delete(check);
    };
    listeners.add(check);
    check();
  });
}

/** An HTTP answer: status, headers, the body as text and parsed (when JSON). */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  body: any;
}

/** Sends a request to the gateway and reads the whole answer. */
export async function call(gw: Gateway, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** POSTs a GraphQL operation to /graphql over plain HTTP. */
export const graphqlHttp = (gw: Gateway, query: string, headers: Record<string, string> = {}): Promise<Answer> =>
  call(gw, "/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body: JSON.stringify({ query }),
  });

/** `sha256=<hex HMAC-SHA256 of body with secret>`, the `x-junction-signature` value. */
export const signature = (body: string, secret = EVENTS_SECRET): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

/**
 * Publishes `payload` to `topic` with `POST /events/{topic}`.
 * @param auth - "signature" (x-junction-signature, the default), "admin" (x-admin-secret), "none", or headers as given
 * @param payload - a value (sent as JSON) or raw text
 */
export function publish(
  gw: Gateway,
  topic: string,
  payload: unknown,
  auth: "signature" | "admin" | "none" | Record<string, string> = "signature",
): Promise<Answer> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (auth === "signature") headers["x-junction-signature"] = signature(body);
  else if (auth === "admin") headers["x-admin-secret"] = ADMIN_SECRET;
  else if (auth !== "none") Object.assign(headers, auth);
  return call(gw, `/events/${topic}`, { method: "POST", headers, body });
}

/** One shard's counts in `GET /admin/realtime`. */
export interface ShardState {
  instance: string;
  connections: number;
  subscriptions: number;
  topics: number;
  /** Distinct remote streams (upstream subscriptions of remote schemas) among the topics. */
  remoteStreams: number;
}

/** `GET /admin/realtime`: the shards' state. */
export async function realtimeState(gw: Gateway): Promise<Record<string, ShardState>> {
  const answer = await call(gw, "/admin/realtime", { headers: { "x-admin-secret": ADMIN_SECRET } });
  if (answer.status !== 200) throw new Error(`GET /admin/realtime: ${answer.status} ${answer.text.slice(0, 300)}`);
  return answer.body.shards as Record<string, ShardState>;
}

/** Connections and subscriptions summed over the shards. */
export async function totals(gw: Gateway): Promise<{ connections: number; subscriptions: number }> {
  const shards = Object.values(await realtimeState(gw));
  return {
    connections: shards.reduce((sum, s) => sum + s.connections, 0),
    subscriptions: shards.reduce((sum, s) => sum + s.subscriptions, 0),
  };
}

/** Waits (at most `ms`) until the shards hold exactly `subscriptions` subscriptions (and `connections`, when given). */
export function waitForTotals(
  gw: Gateway,
  want: { subscriptions: number; connections?: number },
  ms = 5_000,
): Promise<{ connections: number; subscriptions: number }> {
  return until(
    `realtime totals ${JSON.stringify(want)}`,
    () => totals(gw),
    (t) =>
      t.subscriptions === want.subscriptions && (want.connections === undefined || t.connections === want.connections),
    ms,
  );
}

/**
 * Waits until the shards' subscription count is 0 or has not changed for 600 ms (at most 3 s), so the
 * next test reads a stable baseline; never fails (a subscription left behind is the clean-up tests' finding).
 */
export async function settle(gw: Gateway): Promise<void> {
  const deadline = Date.now() + 3_000;
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = await totals(gw).catch(() => undefined);
    if (now === undefined || now.subscriptions === 0) return;
    if (now.subscriptions !== last) {
      last = now.subscriptions;
      since = Date.now();
    } else if (Date.now() - since >= 600) return;
    await sleep(150);
  }
}

// ---------------------------------------------------------------------------------------------------
// Clients

/** A GraphQL execution result as the clients deliver it. */
export interface Result {
  // biome-ignore lint/suspicious/noExplicitAny: test data is read field by field
  data?: any;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** What a subscription (or operation) delivered, with bounded waits. */
export interface Received {
  /** The results so far, in arrival order. */
  results: Result[];
  /** Resolves when it completes (`{}`) or errors (`{ error }`). */
  ended: Promise<{ error?: unknown }>;
  /** Waits (at most `ms`) for `count` results in total. */
  wait(count: number, ms?: number): Promise<Result[]>;
  /** Ends it from the client side (graphql-ws sends `complete`; graphql-sse aborts the request). */
  dispose(): void;
}

/** A sink collecting results, and the {@link Received} view of it. */
function collector(): {
  sink: { next(r: Result): void; error(e: unknown): void; complete(): void };
  received: Received;
} {
  const results: Result[] = [];
  const waiters = new Set<() => void>();
  let end: (value: { error?: unknown }) => void = () => {};
  const ended = new Promise<{ error?: unknown }>((resolve) => {
    end = resolve;
  });
  let finished: { error?: unknown } | undefined;
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const received: Received = {
    results,
    ended,
    dispose: () => {},
    wait(count, ms = 5_000) {
      // Where the test waited, for the failure message (the rejection comes from a timer).
      const at = new Error().stack?.split("\n")[2]?.trim() ?? "";
      return new Promise((resolve, reject) => {
        const check = () => {
          if (results.length >= count) {
            cleanup();
            resolve(results.slice());
          } else if (finished) {
            cleanup();
            reject(new Error(`ended after ${results.length}/${count} results (${at}): ${describe(finished, results)}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`${results.length}/${count} results within ${ms} ms (${at}): ${describe(finished, results)}`),
          );
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  const sink = {
    next(result: Result) {
      results.push(result);
      notify();
    },
    error(error: unknown) {
      finished = { error };
      end(finished);
      notify();
    },
    complete() {
      finished = {};
      end(finished);
      notify();
    },
  };
  return { sink, received };
}

/** A short description of how a subscription ended and what it got, for failure messages. */
function describe(finished: { error?: unknown } | undefined, results: Result[]): string {
  const error = finished?.error;
  const how =
    finished === undefined
      ? "still open"
      : error === undefined
        ? "completed"
        : `error ${error instanceof Error ? error.message : JSON.stringify(errorInfo(error))}`;
  return `${how}; results ${JSON.stringify(results).slice(0, 600)}`;
}

/** The close code of a graphql-ws error (a CloseEvent) or the errors of an error message. */
function errorInfo(error: unknown): unknown {
  if (error && typeof error === "object" && "code" in error) {
    return { code: (error as { code: number }).code, reason: (error as { reason?: string }).reason };
  }
  return error;
}

/** A `graphql-ws` client with what its socket went through. */
export interface WsTestClient {
  client: WsClient;
  /** Close events of its sockets (code, reason), in order. */
  closes: Array<{ code: number; reason: string }>;
  /** Resolves with the first close event. */
  closed: Promise<{ code: number; reason: string }>;
  /** Subscribes (or runs a query or mutation) and collects what comes back. */
  subscribe(query: string, variables?: Record<string, unknown>): Received;
  /** Disposes of the client (closes its socket with 1000). */
  dispose(): Promise<void>;
}

/**
 * The real `graphql-ws` 6 client, with `ws` as its WebSocket, no retries, connecting on first use.
 * @param options.connectionParams - connection_init's payload
 * @param options.headers - headers of the upgrade request (Authorization at upgrade)
 */
export function wsClient(
  gw: Gateway,
  options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {},
): WsTestClient {
  const closes: Array<{ code: number; reason: string }> = [];
  let onClose: (value: { code: number; reason: string }) => void = () => {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    onClose = resolve;
  });
  const headers = options.headers;
  /** `ws` with the upgrade request's headers (graphql-ws constructs `new impl(url, protocol)`). */
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createWsClient({
    url: gw.wsUrl,
    webSocketImpl: headers ? WithHeaders : WebSocket,
    connectionParams: options.connectionParams,
    retryAttempts: 0,
    shouldRetry: () => false,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closes.push({ code, reason: String(reason ?? "") });
        onClose({ code, reason: String(reason ?? "") });
      },
    },
  });
  return {
    client,
    closes,
    closed,
    subscribe(query, variables) {
      const { sink, received } = collector();
      received.dispose = client.subscribe({ query, variables }, sink as never);
      return received;
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}

/** A `graphql-sse` subscription (distinct connections mode, no retries). */
export function sseSubscribe(
  gw: Gateway,
  query: string,
  headers: Record<string, string> = {},
  variables?: Record<string, unknown>,
): Received {
  const client = createSseClient({ url: `${gw.url}/graphql`, headers, retryAttempts: 0 });
  const { sink, received } = collector();
  const dispose = client.subscribe({ query, variables }, sink as never);
  received.dispose = () => {
    dispose();
    client.dispose();
  };
  return received;
}

/** An SSE response read by hand: its status and headers, and the text received so far. */
export interface RawStream {
  status: number;
  headers: Headers;
  /** The text received so far. */
  text(): string;
  /** Waits (at most `ms`) until the text received matches `pattern`; returns the text. */
  until(pattern: RegExp, ms?: number): Promise<string>;
  /** Aborts the request. */
  abort(): void;
}

/**
 * Sends a GraphQL operation to /graphql with `Accept: text/event-stream` by hand (GET with the operation
 * in the query string, or POST with a JSON body) and reads the answer as it streams.
 */
export async function rawEventStream(
  gw: Gateway,
  method: "GET" | "POST",
  query: string,
  headers: Record<string, string> = {},
): Promise<RawStream> {
  const controller = new AbortController();
  const url = method === "GET" ? `${gw.url}/graphql?${new URLSearchParams({ query }).toString()}` : `${gw.url}/graphql`;
  const res = await fetch(url, {
    method,
    headers: {
      accept: "text/event-stream",
      ...(method === "POST" ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    body: method === "POST" ? JSON.stringify({ query }) : undefined,
    signal: controller.signal,
  });
  let text = "";
  const listeners = new Set<() => void>();
  void (async () => {
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
        for (const listener of listeners) listener();
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    text: () => text,
    until: (pattern, ms = 5_000) =>
      waitOn(
        listeners,
        () => (pattern.test(text) ? { value: text } : undefined),
        ms,
        () => `no ${pattern} within ${ms} ms; got ${JSON.stringify(text.slice(0, 500))}`,
      ),
    abort: () => controller.abort(),
  };
}

/** Reads the close code out of what a graphql-ws subscription ended with (a CloseEvent), or undefined. */
export function closeCodeOf(ended: { error?: unknown }): number | undefined {
  const error = ended.error;
  return error && typeof error === "object" && "code" in error ? Number((error as { code: unknown }).code) : undefined;
}

/** The `extensions.code` values of an error message (an array of GraphQL errors) or a result's errors. */
export function errorCodes(value: unknown): unknown[] {
  const list = Array.isArray(value) ? value : ((value as Result | undefined)?.errors ?? []);
  return list.map((e: { extensions?: { code?: unknown } }) => e.extensions?.code);
}

/** A raw `ws` socket speaking graphql-transport-ws by hand (for messages a real client never sends). */
export interface RawSocket {
  ws: WebSocket;
  /** Parsed messages received, in order. */
  messages: Array<Record<string, unknown>>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends a value as JSON, or a string as is. */
  send(message: unknown): void;
  /** Waits (at most `ms`) for a message of `type` and returns it. */
  next(type: string, ms?: number): Promise<Record<string, unknown>>;
  /** Sends connection_init with `payload` and waits for connection_ack. */
  init(payload?: Record<string, unknown>): Promise<void>;
  /** Closes it (if still open). */
  close(): void;
}

/**
 * Opens a raw `ws` socket on /graphql with `protocols` (default graphql-transport-ws) and waits until it
 * is open (at most 5 s).
 */
export async function rawSocket(
  gw: Gateway,
  options: { protocols?: string[]; headers?: Record<string, string> } = {},
): Promise<RawSocket> {
  const ws = new WebSocket(gw.wsUrl, options.protocols ?? ["graphql-transport-ws"], { headers: options.headers });
  const messages: Array<Record<string, unknown>> = [];
  const listeners = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const listener of listeners) listener();
    });
  });
  ws.on("message", (data) => {
    try {
      messages.push(JSON.parse(data.toString()) as Record<string, unknown>);
    } catch {
      messages.push({ type: "<not json>", text: data.toString() });
    }
    for (const listener of listeners) listener();
  });
  await within(
    "raw socket open",
    new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    }),
  );
  const raw: RawSocket = {
    ws,
    messages,
    closed,
    send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
    next(type, ms = 5_000) {
      let seen = 0;
      return waitOn(
        listeners,
        () => {
          for (; seen < messages.length; seen++) {
            const message = messages[seen] as Record<string, unknown>;
            if (message.type === type) return { value: message };
          }
          if (ws.readyState === WebSocket.CLOSED) {
            return new Error(`socket closed before a ${type} message; got ${JSON.stringify(messages)}`);
          }
          return undefined;
        },
        ms,
        () => `no ${type} message within ${ms} ms; got ${JSON.stringify(messages)}`,
      );
    },
    async init(payload) {
      raw.send({ type: "connection_init", ...(payload ? { payload } : {}) });
      await raw.next("connection_ack");
    },
    close: () => {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
    },
  };
  return raw;
}

/** Waits (at most `ms`) for a raw socket's close and returns its code. */
export async function closeCode(socket: RawSocket, ms = 5_000): Promise<number> {
  return (await within("socket close", socket.closed, ms)).code;
}

/** What a hand-made upgrade request got: the HTTP status and headers, and the close code of the first close frame. */
export interface Upgrade {
  status: number;
  headers: IncomingHttpHeaders;
  /** The code of the close frame the server sent within `closeWithinMs` (undefined: none, or no upgrade). */
  closeCode?: number;
}

/**
 * Sends a WebSocket upgrade request to /graphql by hand (node:http), so any `Sec-WebSocket-Protocol` can
 * be asked for and the answer read as is (the `ws` client refuses answers without the protocol asked for).
 * @param options.protocol - the Sec-WebSocket-Protocol header (none when undefined)
 * @param options.closeWithinMs - wait this long for a close frame after the upgrade (0: do not wait)
 */
export function rawUpgrade(
  gw: Gateway,
  options: { protocol?: string; headers?: Record<string, string>; closeWithinMs?: number } = {},
): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": randomBytes(16).toString("base64"),
      ...(options.protocol === undefined ? {} : { "sec-websocket-protocol": options.protocol }),
      ...options.headers,
    };
    const req = httpRequest(`${gw.url}/graphql`, { headers });
    const timer = setTimeout(
      () => {
        req.destroy();
        reject(new Error("no answer to the upgrade request within 5 s"));
      },
      5_000 + (options.closeWithinMs ?? 0),
    );
    req.on("response", (res) => {
      clearTimeout(timer);
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on("upgrade", (res, socket, head) => {
      let buffer = head;
      let settled = false;
      const done = (code?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(wait);
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, closeCode: code });
      };
      /** Reads the server's (unmasked) frames and stops at the first close frame. */
      const parse = () => {
        while (buffer.length >= 2) {
          const opcode = (buffer[0] as number) & 0x0f;
          let length = (buffer[1] as number) & 0x7f;
          let offset = 2;
          if (length === 126) {
            if (buffer.length < 4) return;
            length = buffer.readUInt16BE(2);
            offset = 4;
          } else if (length === 127) {
            if (buffer.length < 10) return;
            length = Number(buffer.readBigUInt64BE(2));
            offset = 10;
          }
          if (buffer.length < offset + length) return;
          if (opcode === 8) return done(length >= 2 ? buffer.readUInt16BE(offset) : 1005);
          buffer = buffer.subarray(offset + length);
        }
      };
      const wait = setTimeout(() => done(undefined), options.closeWithinMs ?? 0);
      socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        parse();
      });
      socket.on("close", () => done(undefined));
      socket.on("error", () => done(undefined));
      if (options.closeWithinMs) parse();
      else done(undefined);
    });
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}
