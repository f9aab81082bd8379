/**
 * Subscriptions on remote schemas (issue 15, /work/notes/remote-subs-spec.md), end to end with the
 * graphql-yoga remote (GraphQL over SSE) of remote-upstreams.ts and the real `graphql-ws` and `graphql-sse`
 * clients against the gateway in workerd: the schema, events through both client transports, sharing
 * (`all`: one upstream for 100 clients; per user: one per user, no event crossing users), the headers on
 * connect (session variables, forwarded client headers, a fresh `x-gateway-token` on reconnect), a join on
 * the payload once per event, the last client leaving, a result with data and errors, a refusal, and a
 * plain HTTP POST. Elsewhere: the graphql-ws upstream (remote-graphql-ws.test.ts), customization, roles and
 * limits (remote-schema.test.ts), the lifecycle (remote-lifecycle.test.ts).
 */
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Gateway,
  graphqlHttp,
  type Received,
  realtimeState,
  sleep,
  startGateway,
  token,
  until,
  within,
} from "./harness";
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
import { type RemoteUpstream, startYogaRemote } from "./remote-upstreams";

const suite = remoteSuite();
const { opened } = suite;

describe("remote subscriptions over SSE, share: all", () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startYogaRemote();
    gw = await startGateway({ config: remoteConfig(suite.orders.url, remote, { share: "all" }), sdl: TICK_SDL });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  it("shows the remote's Subscription field in the gateway schema", async () => {
    const answer = await graphqlHttp(gw, "{ __schema { subscriptionType { fields { name type { name } } } } }", {
      authorization: `Bearer ${await token()}`,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body?.data?.__schema?.subscriptionType?.fields).toContainEqual({
      name: "ticks",
      type: { name: "Tick" },
    });
  });

  it("passes events through to a graphql-ws client and an SSE client, from one upstream SSE subscription", async () => {
    const ws = (await wsAs(gw, opened, "a1")).subscribe(ticksQuery("pass"));
    const sse = await sseAs(gw, opened, "a2", ticksQuery("pass"));
    const next = await emitUntilAll(remote, "pass", [ws, sse]);
    expect(remote.opened("pass")).toBe(1);
    remote.emit("pass", next);
    await untilEach([ws, sse], next);
    for (const sub of [ws, sse]) {
      expect(
        sub.results.every((r) => r.errors === undefined),
        JSON.stringify(sub.results),
      ).toBe(true);
      expect(ticksOf(sub).at(-1)).toEqual({ id: `pass-${next}`, n: next, user: null, channel: "pass" });
    }
    // share "all" connects with no session variables.
    expect(remote.subscriptions.find((s) => s.channel === "pass")?.headers["x-hasura-user-id"]).toBeUndefined();
    expect(remote.subscriptions.find((s) => s.channel === "pass")?.headers["x-hasura-role"]).toBeUndefined();
  });

  it("serves 100 clients (50 graphql-ws, 50 SSE, 100 users) of one subscription from exactly 1 upstream subscription", async () => {
    const subs: Received[] = [];
    for (let i = 0; i < 50; i++) subs.push((await wsAs(gw, opened, `many-w${i}`)).subscribe(ticksQuery("many")));
    for (let i = 0; i < 50; i++) subs.push(await sseAs(gw, opened, `many-s${i}`, ticksQuery("many")));
    const next = await emitUntilAll(remote, "many", subs, 1000, 15_000);
    for (let n = next; n < next + 3; n++) remote.emit("many", n);
    await untilEach(subs, next + 2);
    expect(remote.opened("many")).toBe(1);
    expect(remote.open("many")).toBe(1);
    for (const sub of subs)
      expect(
        ticksOf(sub)
          .slice(-3)
          .map((t) => t?.n),
      ).toEqual([next, next + 1, next + 2]);
  }, 40_000);

  it("resolves a join on the payload once per event for 100 clients of 100 users with the same selection (share all: one scope, the contract)", async () => {
    const query = ticksQuery("join", "order { id status }");
    const subs: Received[] = [];
    for (let i = 0; i < 50; i++) subs.push((await wsAs(gw, opened, `join-w${i}`)).subscribe(query));
    for (let i = 0; i < 50; i++) subs.push(await sseAs(gw, opened, `join-s${i}`, query));
    const next = await emitUntilAll(remote, "join", subs, 1000, 15_000);
    const fresh = [next + 100, next + 101, next + 102];
    for (const n of fresh) remote.emit("join", n);
    await untilEach(subs, fresh[2] as number);
    for (const n of fresh) expect(suite.orders.gets(`o${n}`), `GET /orders/o${n}`).toBe(1);
    const last = subs[99]?.results.at(-1);
    expect(last).toEqual({
      data: {
        ticks: {
          id: `join-${fresh[2]}`,
          n: fresh[2],
          user: null,
          channel: "join",
          order: { id: `o${fresh[2]}`, status: "PENDING" },
        },
      },
    });
  }, 40_000);

  it("resolves a join on the payload once per event for 100 subscriptions of one user (10 sockets x 10)", async () => {
    const query = ticksQuery("join-one", "order { id }");
    const subs: Received[] = [];
    for (let c = 0; c < 10; c++) {
      const client = await wsAs(gw, opened, "join-one");
      for (let i = 0; i < 10; i++) subs.push(client.subscribe(query));
    }
    const next = await emitUntilAll(remote, "join-one", subs, 1000, 15_000);
    const fresh = [next + 200, next + 201];
    for (const n of fresh) remote.emit("join-one", n);
    await untilEach(subs, fresh[1] as number);
    for (const n of fresh) expect(suite.orders.gets(`o${n}`), `GET /orders/o${n}`).toBe(1);
  }, 40_000);

  it("closes the upstream within 5 s of the last client leaving, and not while one remains", async () => {
    const first = await wsAs(gw, opened, "leave-1");
    const second = await wsAs(gw, opened, "leave-2");
    const a = first.subscribe(ticksQuery("leave"));
    const b = second.subscribe(ticksQuery("leave"));
    await emitUntilAll(remote, "leave", [a, b]);
    /** Remote streams the shards' subscribers use, per GET /admin/realtime. */
    const streams = async () =>
      Object.values(await realtimeState(gw)).reduce((sum, shard) => sum + shard.remoteStreams, 0);
    // Streams of earlier tests' SSE clients may linger (local workerd notices an SSE departure at the next
    // keep-alive write): this stream is counted now, and gone once its upstream closed.
    const during = await streams();
    expect(during).toBeGreaterThanOrEqual(1);
    a.dispose();
    await sleep(1_500);
    expect(remote.open("leave")).toBe(1);
    const left = Date.now();
    await second.dispose();
    await untilUpstreams(remote, "leave", 0, 6_000);
    expect(Date.now() - left).toBeLessThanOrEqual(5_500);
    expect(remote.opened("leave")).toBe(1);
    await until("one remote stream fewer in the shards", streams, (n) => n < during);
  });

  it("passes an upstream result carrying data and errors on as an ordinary event; the subscriptions go on", async () => {
    const ws = (await wsAs(gw, opened, "part-w")).subscribe(ticksQuery("partial"));
    const sse = await sseAs(gw, opened, "part-s", ticksQuery("partial"));
    const next = await emitUntilAll(remote, "partial", [ws, sse]);
    remote.emit("partial", next, { fieldError: "no user today" });
    remote.emit("partial", next + 1);
    await untilEach([ws, sse], next + 1);
    for (const sub of [ws, sse]) {
      const partial = sub.results.find((r) => r.data?.ticks?.n === next);
      expect(partial?.data?.ticks).toEqual({ id: `partial-${next}`, n: next, user: null, channel: "partial" });
      expect(partial?.errors).toEqual([expect.objectContaining({ message: "no user today" })]);
      expect(sub.results.at(-1)).toEqual({
        data: { ticks: { id: `partial-${next + 1}`, n: next + 1, user: null, channel: "partial" } },
      });
    }
  });

  it("ends a subscription the remote refuses (HTTP 400 with the error) with its message, code and serviceName, at once", async () => {
    const ws = (await wsAs(gw, opened, "ref-w")).subscribe(ticksQuery("refuse-gw"));
    const sse = await sseAs(gw, opened, "ref-s", ticksQuery("refuse-gw"));
    const refusal = [
      expect.objectContaining({
        message: "channel refuse-gw refused",
        extensions: expect.objectContaining({ code: "REFUSED", serviceName: "ticks" }),
      }),
    ];
    // reconnectWithinMs is 30 s here: a refusal is not an outage to retry.
    const wsEnded = await within("graphql-ws refusal", ws.ended, 5_000);
    expect(wsEnded.error).toEqual(refusal);
    expect(await within("SSE refusal", sse.ended, 5_000)).toEqual({});
    expect(sse.results).toEqual([{ errors: refusal }]);
  });

  it("answers a remote subscription sent as plain HTTP POST with 400 SUBSCRIPTION_TRANSPORT_REQUIRED, opening nothing upstream", async () => {
    const answer = await graphqlHttp(gw, ticksQuery("http"), { authorization: `Bearer ${await token()}` });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body?.errors?.[0]?.extensions?.code).toBe("SUBSCRIPTION_TRANSPORT_REQUIRED");
    expect(remote.opened("http")).toBe(0);
  });
});

describe("remote subscriptions over SSE, shared per session (the default)", () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startYogaRemote();
    gw = await startGateway({
      config: remoteConfig(suite.orders.url, remote, undefined, { forwardClientHeaders: ["accept-language"] }),
      sdl: TICK_SDL,
      bindings: { GATEWAY_TOKEN_SECRET },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  it("opens one upstream subscription per user (3 users x 4 clients), each user's events carrying its own x-hasura-user-id; a client whose forwarded header differs gets its own", async () => {
    const users = ["pu-1", "pu-2", "pu-3"];
    // The same forwarded header for every client (Node's fetch, under graphql-sse, sends `accept-language: *`
    // by itself; the ws upgrade sends none): accept-language is forwarded, so it is part of the scope.
    const headers = { "accept-language": "en" };
    const byUser = new Map<string, Received[]>();
    for (const user of users) {
      const subs = [
        (await wsAs(gw, opened, user, { headers })).subscribe(ticksQuery("per-user")),
        (await wsAs(gw, opened, user, { headers })).subscribe(ticksQuery("per-user")),
        await sseAs(gw, opened, user, ticksQuery("per-user"), { headers }),
        await sseAs(gw, opened, user, ticksQuery("per-user"), { headers }),
      ];
      byUser.set(user, subs);
    }
    const all = [...byUser.values()].flat();
    const next = await emitUntilAll(remote, "per-user", all);
    remote.emit("per-user", next);
    await untilEach(all, next);
    expect(remote.opened("per-user")).toBe(3);
    const upstreamUsers = remote.subscriptions
      .filter((s) => s.channel === "per-user")
      .map((s) => s.headers["x-hasura-user-id"]);
    expect(upstreamUsers.sort()).toEqual(users);
    for (const [user, subs] of byUser) {
      for (const sub of subs) {
        expect(
          ticksOf(sub).map((t) => t?.user),
          `events of ${user}`,
        ).toEqual(ticksOf(sub).map(() => user));
      }
    }
    const french = await sseAs(gw, opened, "pu-1", ticksQuery("per-user"), { headers: { "accept-language": "fr" } });
    await emitUntilAll(remote, "per-user", [french], 2000);
    expect(remote.opened("per-user")).toBe(4);
    expect(remote.subscriptions.filter((s) => s.channel === "per-user")[3]?.headers).toMatchObject({
      "x-hasura-user-id": "pu-1",
      "accept-language": "fr",
    });
  });

  it("connects with the session variables, the forwarded client headers and an x-gateway-token for the user; a reconnect signs a fresh token", async () => {
    const client = await wsAs(gw, opened, "hdr-1", { headers: { "accept-language": "de-CH", "x-unnamed": "no" } });
    const sub = client.subscribe(ticksQuery("headers"));
    await emitUntilAll(remote, "headers", [sub]);
    const first = remote.subscriptions.filter((s) => s.channel === "headers");
    expect(first).toHaveLength(1);
    const headers = first[0]?.headers ?? {};
    expect(headers["x-hasura-user-id"]).toBe("hdr-1");
    expect(headers["x-hasura-role"]).toBe("user");
    expect(headers["accept-language"]).toBe("de-CH");
    expect(headers["x-unnamed"]).toBeUndefined();
    expect(headers.authorization).toBeUndefined();
    expect(headers.accept).toContain("text/event-stream");
    const firstToken = decodeJwt(headers["x-gateway-token"] ?? "");
    expect(firstToken).toMatchObject({ aud: "ticks", sub: "hdr-1" });

    await remote.restart(300);
    await untilUpstreams(remote, "headers", 1);
    const second = remote.subscriptions.filter((s) => s.channel === "headers")[1];
    expect(second?.headers["x-hasura-user-id"]).toBe("hdr-1");
    const secondToken = decodeJwt(second?.headers["x-gateway-token"] ?? "");
    expect(secondToken).toMatchObject({ aud: "ticks", sub: "hdr-1" });
    expect(secondToken.jti).not.toBe(firstToken.jti);
    remote.emit("headers", 5000);
    await untilEach([sub], 5000);
    expect(
      sub.results.every((r) => r.errors === undefined),
      JSON.stringify(sub.results),
    ).toBe(true);
  });
});
