/**
 * A WebSocket authenticated by the auth webhook (docs/auth.md "Webhook authentication"): the upgrade request's
 * headers go to the hook once, at connection (a POST hook gets `request: null`), and its session is
 * the connection's; a cookie from another Origin never reaches the hook (cross-site WebSocket hijacking).
 * The hook is a node:http server here; the gateway runs in workerd (Miniflare).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  type OrdersUpstream,
  publish,
  realtimeConfig,
  settle,
  startGateway,
  startOrders,
  until,
  wsClient,
} from "./harness";

/** What the hook received, oldest first. */
const calls: Array<{ method: string; body: { headers: Record<string, string>; request: unknown } }> = [];
let hook: Server;
let hookUrl: string;
let orders: OrdersUpstream;
let gw: Gateway;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  // The user is the bearer token, or the `sid` cookie; neither: 401.
  hook = createServer(async (req, res) => {
    const body = JSON.parse((await readBody(req)) || "{}");
    calls.push({ method: req.method ?? "", body });
    const headers = body.headers ?? {};
    const user = /^Bearer (\S+)$/.exec(headers.authorization ?? "")?.[1] ?? /sid=(\w+)/.exec(headers.cookie ?? "")?.[1];
    if (user === undefined) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ "X-Hasura-Role": "user", "X-Hasura-User-Id": user }));
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/auth`;
  orders = await startOrders();
  gw = await startGateway({
    config: realtimeConfig(orders.url, {
      auth: { webhook: { url: hookUrl, method: "POST" } },
      cors: { origins: ["https://app.example"], credentials: true },
    }),
  });
});

afterAll(async () => {
  await gw?.stop();
  await orders?.close();
  hook?.closeAllConnections();
  await new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve()));
});

describe("realtime: a WebSocket authenticated by the auth webhook", () => {
  it("asks the hook once with the upgrade's headers and request: null, and runs as the user it names", async () => {
    const before = calls.length;
    const client = wsClient(gw, { headers: { authorization: "Bearer hookuser" } });
    const sub = client.subscribe("subscription { myNotifications { id text } }");
    await until(
      "a subscriber on users.hookuser.notifications",
      async () => (await publish(gw, "users.hookuser.notifications", { id: "n1", text: "hi" })).body?.subscribers,
      (count) => count === 1,
    );
    expect((await sub.wait(1))[0]?.data?.myNotifications?.text).toBe("hi");
    const asked = calls.slice(before);
    expect(asked).toHaveLength(1);
    expect(asked[0]?.method).toBe("POST");
    expect(asked[0]?.body.request).toBeNull();
    expect(asked[0]?.body.headers.authorization).toBe("Bearer hookuser");
    await client.dispose();
    await settle(gw);
  });

  it("sends a cookie to the hook only from an allowed Origin", async () => {
    const from = async (origin: string) => {
      const before = calls.length;
      const client = wsClient(gw, { headers: { cookie: "sid=cookieuser", origin } });
      const sub = client.subscribe("subscription { myNotifications { id text } }");
      return { client, sub, asked: () => calls.slice(before) };
    };
    const evil = await from("https://evil.example");
    expect((await evil.client.closed).code).toBe(4403);
    expect(evil.asked()[0]?.body.headers.cookie).toBeUndefined();
    await evil.client.dispose();

    const allowed = await from("https://app.example");
    await until(
      "a subscriber on users.cookieuser.notifications",
      async () => (await publish(gw, "users.cookieuser.notifications", { id: "n2", text: "ok" })).body?.subscribers,
      (count) => count === 1,
    );
    expect(allowed.asked()[0]?.body.headers.cookie).toBe("sid=cookieuser");
    await allowed.client.dispose();
    await settle(gw);
  });
});
