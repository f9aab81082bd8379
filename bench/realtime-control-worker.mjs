/**
 * The control of the idle-sockets measurement (bench/realtime.mjs): the runtime's own cost of an idle
 * WebSocket held by a Durable Object, without the gateway. `ControlShard` (bound as REALTIME, SQLite-backed
 * like the real shard) accepts sockets with the hibernation API, keeps a small attachment per socket, answers
 * `connection_init` with `connection_ack`, pings by auto-response, and records `subscribe` in the attachment
 * (nothing is executed). Connections spread over `SHARDS` objects by `CF-Connecting-IP` (FNV-1a), as the
 * gateway's do; `GET /admin/realtime` answers the same counts as the gateway's, so one harness serves both.
 */
import { DurableObject } from "cloudflare:workers";

export class ControlShard extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  async fetch(request) {
    if (new URL(request.url).pathname === "/admin/realtime") {
      const sockets = this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN);
      const subscriptions = sockets.filter((ws) => ws.deserializeAttachment()?.subscription).length;
      return Response.json({ connections: sockets.length, subscriptions, topics: subscriptions ? 1 : 0 });
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ id: crypto.randomUUID(), acked: false, subscription: null });
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { "sec-websocket-protocol": "graphql-transport-ws" },
    });
  }

  webSocketMessage(ws, message) {
    const msg = JSON.parse(String(message));
    const state = ws.deserializeAttachment();
    if (msg.type === "connection_init") {
      ws.serializeAttachment({ ...state, acked: true });
      ws.send('{"type":"connection_ack"}');
    } else if (msg.type === "subscribe") {
      ws.serializeAttachment({ ...state, subscription: { id: msg.id, payload: msg.payload } });
    } else if (msg.type === "complete") {
      ws.serializeAttachment({ ...state, subscription: null });
    }
  }

  webSocketClose() {}
}

const shardOf = (key, shards) => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
};

export default {
  async fetch(request, env) {
    const shards = Number(env.SHARDS ?? 16);
    const stub = (i) => env.REALTIME.get(env.REALTIME.idFromName(`shard:${i}`));
    if (new URL(request.url).pathname === "/admin/realtime") {
      const out = {};
      for (let i = 0; i < shards; i++) out[`shard:${i}`] = await (await stub(i).fetch(request)).json();
      return Response.json({ shards: out });
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("not found", { status: 404 });
    return stub(shardOf(request.headers.get("cf-connecting-ip") ?? "", shards)).fetch(request);
  },
};
