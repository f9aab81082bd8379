/**
 * Gateway-side helpers of the remote-subscription tests (issue 15): the config and SDL of a gateway over a
 * remote of remote-upstreams.ts, authenticated clients of either transport, and a bounded warm-up that emits
 * until every subscriber has an event (so a test never depends on how the gateway counts its subscriptions).
 */
import { afterAll, afterEach, beforeAll } from "vitest";
import {
  type Gateway,
  type OrdersUpstream,
  type Received,
  realtimeConfig,
  sleep,
  sseSubscribe,
  startOrders,
  token,
  until,
  type WsTestClient,
  wsClient,
} from "./harness";
import type { RemoteUpstream } from "./remote-upstreams";

/** A 32-byte GATEWAY_TOKEN_SECRET, so every upstream call carries `x-gateway-token` (HS256). */
export const GATEWAY_TOKEN_SECRET = "remote-subs-gateway-token-secret-0123456789";

/** The SDL of these gateways: orders over REST, and a join from the remote's `Tick` to its order (one GET per tick). */
export const TICK_SDL = /* GraphQL */ `
type Order { id: ID! userId: ID! status: String! total: Float! quantity: Int! }
extend type Tick {
  order: Order @rest(service: "orders", endpoint: "getOrder", args: { id: "{parent.orderId}" })
}
`;

/**
 * The realtime test config (orders service, HS256 auth, one shard) with the remote `ticks` at `remote.url`.
 * @param subscriptions - the remote's `subscriptions` section (none: left out)
 * @param more - more keys of the remote (customization, forwardClientHeaders, ...)
 * @param extra - top-level keys, as for realtimeConfig
 */
export function remoteConfig(
  ordersUrl: string,
  remote: RemoteUpstream,
  subscriptions?: Record<string, unknown>,
  more: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return realtimeConfig(ordersUrl, {
    remotes: [{ name: "ticks", url: remote.url, ...(subscriptions === undefined ? {} : { subscriptions }), ...more }],
    ...extra,
  });
}

/** `subscription { ticks(channel) { id n user channel <more> } }` */
export const ticksQuery = (channel: string, more = ""): string =>
  `subscription { ticks(channel: "${channel}") { id n user channel ${more} } }`;

/** The ticks every result of `sub` carries (undefined for a result without data). */
export const ticksOf = (sub: Received) => sub.results.map((r) => r.data?.ticks);

/** What each test opened, disposed of after it (also when it fails half-way). */
export class Opened {
  private readonly items: Array<{ dispose(): unknown }> = [];

  /** Keeps `item` to dispose of later; returns it. */
  keep<T extends { dispose(): unknown }>(item: T): T {
    this.items.push(item);
    return item;
  }

  /** Disposes of everything kept so far. */
  async disposeAll(): Promise<void> {
    for (const item of this.items.splice(0)) await item.dispose();
  }
}

/**
 * The hooks every remote-subscription test file needs: the REST orders fixture (joins), started once per
 * file, and the clients each test opened, closed after it.
 * @returns `orders` (the fixture, once started) and `opened`
 */
export function remoteSuite(): { readonly orders: OrdersUpstream; opened: Opened } {
  let orders: OrdersUpstream | undefined;
  const opened = new Opened();
  beforeAll(async () => {
    orders = await startOrders();
  });
  afterAll(async () => orders?.close());
  afterEach(async () => opened.disposeAll());
  return {
    get orders(): OrdersUpstream {
      if (orders === undefined) throw new Error("the orders fixture is not started yet");
      return orders;
    },
    opened,
  };
}

/** A graphql-ws client authenticated in connection_init as `userId` (role "user" unless given), kept in `opened`. */
export async function wsAs(
  gw: Gateway,
  opened: Opened,
  userId: string,
  options: { exp?: number; role?: string; headers?: Record<string, string> } = {},
): Promise<WsTestClient> {
  const bearer = `Bearer ${await token({ userId, exp: options.exp, role: options.role })}`;
  return opened.keep(wsClient(gw, { connectionParams: { authorization: bearer }, headers: options.headers }));
}

/** An SSE subscription of `query` authenticated as `userId`, kept in `opened`. */
export async function sseAs(
  gw: Gateway,
  opened: Opened,
  userId: string,
  query: string,
  options: { exp?: number; headers?: Record<string, string> } = {},
): Promise<Received> {
  const bearer = `Bearer ${await token({ userId, exp: options.exp })}`;
  return opened.keep(sseSubscribe(gw, query, { authorization: bearer, ...options.headers }));
}

/**
 * Emits ticks `from`, `from + 1`, ... on `channel` every 200 ms until every one of `subs` has at least one
 * result (the subscriptions and the upstream may still be opening), at most `ms`.
 * @returns the next unused tick number
 */
export async function emitUntilAll(
  remote: RemoteUpstream,
  channel: string,
  subs: Received[],
  from = 1000,
  ms = 10_000,
): Promise<number> {
  let n = from;
  const ended = new Map<number, { error?: unknown }>();
  subs.forEach((sub, i) => void sub.ended.then((how) => ended.set(i, how)));
  await until(
    `every subscriber (${subs.length}) got a tick on ${channel}`,
    async () => {
      const [i, how] = [...ended][0] ?? [];
      if (how) {
        const results = JSON.stringify(subs[i as number]?.results).slice(0, 300);
        throw new Error(
          `subscriber ${i} on ${channel} ended while warming up: ${describeEnd(how)}; results ${results}`,
        );
      }
      remote.emit(channel, n++);
      await sleep(200);
      return subs.filter((s) => s.results.length > 0).length;
    },
    (count) => count === subs.length,
    ms,
  );
  return n;
}

/** Waits (at most `ms`) until each of `subs` has a result whose tick has number `n`. */
export function untilEach(subs: Received[], n: number, ms = 5_000): Promise<number> {
  return until(
    `tick ${n} at every subscriber (${subs.length})`,
    async () => subs.filter((s) => s.results.some((r) => r.data?.ticks?.n === n)).length,
    (count) => count === subs.length,
    ms,
  );
}

/** Waits (at most `ms`) until the remote has exactly `count` open subscriptions of its transport on `channel`. */
export function untilUpstreams(remote: RemoteUpstream, channel: string, count: number, ms = 5_000): Promise<number> {
  return until(
    `${count} upstream subscription(s) on ${channel}`,
    async () => remote.open(channel),
    (n) => n === count,
    ms,
  );
}

/** How a subscription ended, for failure messages: the close code, the error messages, or "completed". */
export function describeEnd(how: { error?: unknown }): string {
  const error = how.error;
  if (error === undefined) return "completed";
  if (Array.isArray(error)) return `error ${JSON.stringify(error).slice(0, 300)}`;
  if (error && typeof error === "object") {
    const e = error as Record<string, unknown> & { response?: { status?: unknown } };
    const parts = [e.type, e.code, e.reason, e.message, e.response?.status].filter((p) => p !== undefined && p !== "");
    return `error ${String(e.name ?? error.constructor?.name ?? "object")}: ${parts.map(String).join(" ")}`;
  }
  return `error ${String(error)}`;
}
