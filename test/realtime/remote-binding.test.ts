/**
 * Subscriptions of a remote behind a service binding (docs/bindings.md): the RemoteStream object
 * opens the upstream subscription through `env.<binding>.fetch()`, over SSE and over graphql-ws (the
 * WebSocket upgrade goes through the binding too), as it would to a url. The bound Worker here is a small
 * proxy in the same Miniflare (binding TICKS) that passes every request on to the loopback remote of
 * remote-upstreams.ts and marks it with `x-via-binding: <the host it was called at>`, so the remote shows
 * that its subscriptions came through the binding.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ADMIN_SECRET, EVENTS_SECRET, type Gateway, graphqlHttp, token } from "./harness";
import {
  emitUntilAll,
  remoteConfig,
  remoteSuite,
  sseAs,
  TICK_SDL,
  ticksOf,
  ticksQuery,
  untilEach,
  wsAs,
} from "./remote-helpers";
import { type RemoteUpstream, startWsRemote, startYogaRemote } from "./remote-upstreams";

/** The bound Worker: a proxy to TARGET (an http origin) that marks each request with the host it was called at. */
const PROXY_SCRIPT = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    headers.set("x-via-binding", url.host);
    return fetch(env.TARGET + url.pathname + url.search, {
      method: request.method,
      headers,
      body: request.body,
      signal: request.signal,
    });
  },
};
`;

/**
 * The gateway (as harness.ts's startGateway builds it) and the proxy Worker bound to it as TICKS, in one
 * Miniflare; the remote `ticks` is configured with `binding: "TICKS"` and no url.
 */
async function startBoundGateway(
  orders: string,
  remote: RemoteUpstream,
  subscriptions: Record<string, unknown>,
): Promise<Gateway> {
  const config = remoteConfig(orders, remote, subscriptions, { binding: "TICKS", url: undefined });
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        name: "gateway",
        modules: [{ type: "ESModule", path: inject("realtimeWorker") }],
        compatibilityDate: "2026-04-20",
        compatibilityFlags: ["enable_request_signal"],
        durableObjects: {
          REALTIME: { className: "RealtimeShard", useSQLite: true },
          REALTIME_HUB: { className: "RealtimeHub", useSQLite: true },
          REMOTE_STREAMS: { className: "RemoteStream", useSQLite: true },
        },
        kvNamespaces: ["SCHEMA_CACHE"],
        serviceBindings: { TICKS: "ticks-proxy" },
        bindings: {
          ADMIN_SECRET,
          EVENTS_SECRET,
          TEST_CONFIG: JSON.stringify(config),
          TEST_SCHEMA_FILES: JSON.stringify([{ path: "schemas/realtime.graphql", sdl: TICK_SDL }]),
        },
      },
      {
        name: "ticks-proxy",
        modules: true,
        script: PROXY_SCRIPT,
        compatibilityDate: "2026-04-20",
        bindings: { TARGET: new URL(remote.url).origin },
      },
    ],
  });
  const ready = await mf.ready;
  return { url: ready.origin, wsUrl: `ws://${ready.host}/graphql`, mf, stop: () => mf.dispose() };
}

const suite = remoteSuite();
const { opened } = suite;

describe("a remote behind a service binding: queries and subscriptions through the binding", () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startYogaRemote();
    gw = await startBoundGateway(suite.orders.url, remote, { share: "all" });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  it("is introspected through the binding (its Subscription field is in the gateway schema)", async () => {
    const answer = await graphqlHttp(gw, "{ __schema { subscriptionType { fields { name } } } }", {
      authorization: `Bearer ${await token()}`,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body?.data?.__schema?.subscriptionType?.fields).toContainEqual({ name: "ticks" });
  });

  it("opens its SSE subscription through the binding, at https://ticks.binding/graphql", async () => {
    const sse = await sseAs(gw, opened, "b1", ticksQuery("bound-sse"));
    const next = await emitUntilAll(remote, "bound-sse", [sse]);
    remote.emit("bound-sse", next);
    await untilEach([sse], next);
    expect(ticksOf(sse).at(-1)).toMatchObject({ id: `bound-sse-${next}`, n: next });
    const upstream = remote.subscriptions.find((s) => s.channel === "bound-sse");
    expect(upstream?.transport).toBe("sse");
    expect(upstream?.headers["x-via-binding"]).toBe("ticks.binding");
  });
});

describe("a remote behind a service binding, subscriptions over graphql-ws", () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startWsRemote();
    gw = await startBoundGateway(suite.orders.url, remote, { transport: "graphql-ws", share: "all" });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  it("upgrades to a WebSocket through the binding and passes events on", async () => {
    const ws = (await wsAs(gw, opened, "b2")).subscribe(ticksQuery("bound-ws"));
    const next = await emitUntilAll(remote, "bound-ws", [ws]);
    remote.emit("bound-ws", next);
    await untilEach([ws], next);
    expect(ticksOf(ws).at(-1)).toMatchObject({ id: `bound-ws-${next}`, n: next });
    expect(remote.sockets[0]?.headers["x-via-binding"]).toBe("ticks.binding");
  });
});
