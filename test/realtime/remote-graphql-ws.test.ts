/**
 * Subscriptions on remote schemas (issue 15) with the `graphql-ws` upstream transport, end to end: the
 * graphql-ws remote of remote-upstreams.ts (`ws`), the real `graphql-ws` and `graphql-sse` clients against
 * the gateway in workerd. Events through both client transports from one upstream WebSocket per user, the
 * upgrade request and connection_init's headers (a fresh gateway token on reconnect), the remote completing,
 * failing and refusing.
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Gateway, type Received, startGateway, within } from "./harness";
import {
  emitUntilAll,
  GATEWAY_TOKEN_SECRET,
  remoteConfig,
  remoteSuite,
  sseAs,
  TICK_SDL,
  ticksOf,
  ticksQuery,
  untilEach,
  untilUpstreams,
  wsAs,
} from "./remote-helpers";
import { type RemoteUpstream, startWsRemote } from "./remote-upstreams";

const suite = remoteSuite();
const { opened } = suite;

describe("remote subscriptions over graphql-ws", () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startWsRemote();
    gw = await startGateway({
      config: remoteConfig(
        suite.orders.url,
        remote,
        { transport: "graphql-ws" },
        { forwardClientHeaders: ["accept-language"] },
      ),
      sdl: TICK_SDL,
      bindings: { GATEWAY_TOKEN_SECRET },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  it("passes events through to a graphql-ws client and an SSE client of one user, from one upstream WebSocket", async () => {
    // The same forwarded accept-language on both (Node's fetch sends `*` by itself), so one scope.
    const headers = { "accept-language": "en" };
    const ws = (await wsAs(gw, opened, "w-1", { headers })).subscribe(ticksQuery("ws-pass"));
    const sse = await sseAs(gw, opened, "w-1", ticksQuery("ws-pass"), { headers });
    const next = await emitUntilAll(remote, "ws-pass", [ws, sse]);
    remote.emit("ws-pass", next);
    await untilEach([ws, sse], next);
    for (const sub of [ws, sse]) {
      expect(ticksOf(sub).at(-1)).toEqual({ id: `ws-pass-${next}`, n: next, user: "w-1", channel: "ws-pass" });
    }
    const upstream = remote.subscriptions.filter((s) => s.channel === "ws-pass");
    // One upstream subscription for the user's two clients, over the configured transport (never SSE).
    expect(upstream.map((s) => s.transport)).toEqual(["ws"]);
    expect(remote.subscriptions.filter((s) => s.transport === "sse")).toEqual([]);
  });

  it("completes the clients when the ws remote completes, and passes its GraphQL error on with serviceName", async () => {
    const done = (await wsAs(gw, opened, "wc-1")).subscribe(ticksQuery("ws-done"));
    const failed = await sseAs(gw, opened, "wc-2", ticksQuery("ws-err"));
    await emitUntilAll(remote, "ws-done", [done]);
    await emitUntilAll(remote, "ws-err", [failed]);
    expect(remote.complete("ws-done")).toBe(1);
    expect(await within("completed", done.ended)).toEqual({});
    expect(remote.fail("ws-err", "ws broke", "WS_BROKEN")).toBe(1);
    expect(await within("SSE complete after the error", failed.ended)).toEqual({});
    expect(failed.results.at(-1)).toEqual({
      errors: [
        expect.objectContaining({
          message: "ws broke",
          extensions: expect.objectContaining({ code: "WS_BROKEN", serviceName: "ticks" }),
        }),
      ],
    });
  });

  it("passes a ws remote's result with data and errors on as an ordinary event (paths into the client's selection, serviceName); the subscription goes on", async () => {
    const ws = (await wsAs(gw, opened, "wpart-w")).subscribe(ticksQuery("ws-partial"));
    const sse = await sseAs(gw, opened, "wpart-s", ticksQuery("ws-partial"));
    const next = await emitUntilAll(remote, "ws-partial", [ws, sse]);
    remote.emit("ws-partial", next, { fieldError: "no user today" });
    remote.emit("ws-partial", next + 1);
    await untilEach([ws, sse], next + 1);
    for (const [sub, user] of [
      [ws, "wpart-w"],
      [sse, "wpart-s"],
    ] as const) {
      const partial = sub.results.find((r) => r.data?.ticks?.n === next);
      // The fixture's field error nulls `user`; each user has their own upstream (share "session").
      expect(partial?.data?.ticks).toEqual({ id: `ws-partial-${next}`, n: next, user: null, channel: "ws-partial" });
      expect(partial?.errors).toEqual([
        expect.objectContaining({
          message: "no user today",
          path: ["ticks", "user"],
          extensions: expect.objectContaining({ serviceName: "ticks" }),
        }),
      ]);
      expect(ticksOf(sub).at(-1)).toEqual({ id: `ws-partial-${next + 1}`, n: next + 1, user, channel: "ws-partial" });
    }
  });

  it("ends a subscription the ws remote refuses (a result with errors and no data, then complete) with the protocol's error and serviceName", async () => {
    const ws = (await wsAs(gw, opened, "wref-w")).subscribe(ticksQuery("refuse-ws"));
    const sse = await sseAs(gw, opened, "wref-s", ticksQuery("refuse-ws"));
    const refusal = [
      expect.objectContaining({
        message: "channel refuse-ws refused",
        extensions: expect.objectContaining({ code: "REFUSED", serviceName: "ticks" }),
      }),
    ];
    const wsEnded = await within("graphql-ws refusal", ws.ended, 5_000);
    expect(wsEnded.error, JSON.stringify({ wsEnded, results: ws.results })).toEqual(refusal);
    expect(await within("SSE refusal", sse.ended, 5_000)).toEqual({});
    expect(sse.results).toEqual([{ errors: refusal }]);
  });

  it("opens the WebSocket with graphql-transport-ws and the header rules' headers, repeated in connection_init's { headers }; one upstream per user; a reconnect signs a fresh token", async () => {
    const subs: Received[] = [];
    for (const user of ["wu-1", "wu-2"]) {
      subs.push(
        (await wsAs(gw, opened, user, { headers: { "accept-language": "fr-CH" } })).subscribe(ticksQuery("ws-hdr")),
      );
    }
    await emitUntilAll(remote, "ws-hdr", subs);
    const upstream = remote.subscriptions.filter((s) => s.channel === "ws-hdr");
    expect(upstream.map((s) => s.headers["x-hasura-user-id"]).sort()).toEqual(["wu-1", "wu-2"]);
    for (const sub of subs) {
      const user = ticksOf(sub)[0]?.user;
      expect(ticksOf(sub).every((t) => t?.user === user)).toBe(true);
    }
    const record = upstream.find((s) => s.headers["x-hasura-user-id"] === "wu-1");
    const socket = remote.sockets.find((s) => s.ordinal === record?.socket);
    expect(socket?.headers["sec-websocket-protocol"]).toBe("graphql-transport-ws");
    expect(socket?.headers["x-hasura-role"]).toBe("user");
    expect(socket?.headers["accept-language"]).toBe("fr-CH");
    expect(socket?.headers.authorization).toBeUndefined();
    const upgradeToken = socket?.headers["x-gateway-token"] ?? "";
    expect(decodeJwt(upgradeToken)).toMatchObject({ aud: "ticks", sub: "wu-1" });
    const initHeaders = (socket?.initPayload?.headers ?? {}) as Record<string, string>;
    expect(initHeaders["x-hasura-user-id"]).toBe("wu-1");
    expect(initHeaders["x-gateway-token"]).toBe(upgradeToken);

    await remote.restart(300);
    await untilUpstreams(remote, "ws-hdr", 2);
    const again = remote.subscriptions.filter((s) => s.channel === "ws-hdr").slice(2);
    const reconnected = remote.sockets.find(
      (s) => s.ordinal === again.find((r) => r.headers["x-hasura-user-id"] === "wu-1")?.socket,
    );
    expect(decodeJwt(reconnected?.headers["x-gateway-token"] ?? "").jti).not.toBe(decodeJwt(upgradeToken).jti);
    remote.emit("ws-hdr", 5000);
    await untilEach(subs, 5000);
  });
});
