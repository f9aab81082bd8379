/**
 * The life of an upstream subscription on a remote schema (issue 15, /work/notes/remote-subs-spec.md),
 * end to end with the graphql-yoga remote (GraphQL over SSE) of remote-upstreams.ts: the remote restarting
 * mid-stream (clients keep their subscription), the remote gone longer than `reconnectWithinMs`
 * (UPSTREAM_UNAVAILABLE with serviceName, then the end), the remote completing, the remote sending a
 * GraphQL error, a client's token expiring, and the connection re-established after `reestablishAfterMs`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeCodeOf,
  errorCodes,
  type Gateway,
  nowSec,
  type Received,
  type Result,
  sleep,
  startGateway,
  until,
  within,
} from "./harness";
import {
  emitUntilAll,
  remoteConfig,
  remoteSuite,
  sseAs,
  TICK_SDL,
  ticksQuery,
  untilEach,
  untilUpstreams,
  wsAs,
} from "./remote-helpers";
import { type RemoteUpstream, startYogaRemote } from "./remote-upstreams";

const suite = remoteSuite();
const { opened } = suite;

/** Whether no result of `sub` carries errors. */
const clean = (sub: Received) => sub.results.every((r: Result) => r.errors === undefined);

/**
 * The window: 2500 ms. Long enough that the backoff (250 ms doubling, equal jitter) makes several attempts
 * within it, so an error before the window is over is caught whatever the jitter.
 */
const WINDOW_MS = 2_500;

describe(`the upstream subscription's lifecycle (reconnectWithinMs: ${WINDOW_MS})`, () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startYogaRemote();
    gw = await startGateway({
      config: remoteConfig(suite.orders.url, remote, { share: "all", reconnectWithinMs: WINDOW_MS }),
      sdl: TICK_SDL,
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  /** A graphql-ws and an SSE subscription on `channel`, both with an event already. */
  async function twoOn(channel: string): Promise<[Received, Received]> {
    const ws = (await wsAs(gw, opened, `${channel}-w`)).subscribe(ticksQuery(channel));
    const sse = await sseAs(gw, opened, `${channel}-s`, ticksQuery(channel));
    await emitUntilAll(remote, channel, [ws, sse]);
    return [ws, sse];
  }

  it("keeps the clients' subscriptions while the remote restarts mid-stream: later events arrive, no error", async () => {
    const subs = await twoOn("restart");
    await remote.restart(400);
    await untilUpstreams(remote, "restart", 1);
    expect(remote.opened("restart")).toBe(2);
    remote.emit("restart", 5000);
    await untilEach(subs, 5000);
    for (const sub of subs) expect(clean(sub), JSON.stringify(sub.results)).toBe(true);
    const endedEarly = await Promise.race([Promise.all(subs.map((s) => s.ended)).then(() => true), sleep(300)]);
    expect(endedEarly).not.toBe(true);
  });

  it("ends the clients' subscriptions with UPSTREAM_UNAVAILABLE (serviceName) once the remote is gone longer than reconnectWithinMs, and does not reconnect for nobody", async () => {
    const [ws, sse] = await twoOn("gone");
    const dropped = Date.now();
    const restarted = remote.restart(WINDOW_MS + 2_000);
    let wsAt = 0;
    // The remote is back before anything is asserted (a failure here must not leave it down for the next tests).
    const [wsEnded, sseEnded] = await Promise.all([
      within("graphql-ws subscription ended", ws.ended, 8_000).then((how) => {
        wsAt = Date.now();
        return how;
      }),
      within("SSE subscription ended", sse.ended, 8_000),
    ]).finally(() => restarted);
    await restarted;
    expect(wsAt - dropped, "no error while the remote may still come back").toBeGreaterThanOrEqual(WINDOW_MS - 100);
    const wsErrors = wsEnded.error as Array<{ extensions?: Record<string, unknown> }>;
    expect(errorCodes(wsErrors), JSON.stringify(wsEnded)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    expect(wsErrors[0]?.extensions?.serviceName).toBe("ticks");
    expect(sseEnded).toEqual({});
    const last = sse.results.at(-1);
    expect(errorCodes(last), JSON.stringify(sse.results)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    expect(last?.errors?.[0]?.extensions?.serviceName).toBe("ticks");
    await sleep(1_000);
    expect(remote.open("gone")).toBe(0);
  }, 30_000);

  it("completes every client's subscription when the remote completes", async () => {
    const subs = await twoOn("done");
    expect(remote.complete("done")).toBe(1);
    for (const sub of subs) {
      expect(await within("completed", sub.ended)).toEqual({});
      expect(clean(sub), JSON.stringify(sub.results)).toBe(true);
    }
  });

  it("passes the remote's GraphQL error on with extensions.serviceName and code, and ends the subscriptions", async () => {
    const [ws, sse] = await twoOn("err");
    const before = sse.results.length;
    expect(remote.fail("err", "remote broke", "BROKEN")).toBe(1);
    const wsEnded = await within("graphql-ws error message", ws.ended);
    expect(wsEnded.error).toEqual([
      expect.objectContaining({
        message: "remote broke",
        extensions: expect.objectContaining({ code: "BROKEN", serviceName: "ticks" }),
      }),
    ]);
    expect(await within("SSE complete after the error", sse.ended)).toEqual({});
    expect(sse.results.slice(before)).toEqual([
      {
        errors: [
          expect.objectContaining({
            message: "remote broke",
            extensions: expect.objectContaining({ code: "BROKEN", serviceName: "ticks" }),
          }),
        ],
      },
    ]);
  });

  it("closes a socket with 4403 and ends an SSE stream with JWT_EXPIRED when their tokens expire; the upstream closes after the last", async () => {
    const exp = nowSec() + 5;
    const ws = (await wsAs(gw, opened, "exp-w", { exp })).subscribe(ticksQuery("exp"));
    const sse = await sseAs(gw, opened, "exp-s", ticksQuery("exp"), { exp });
    await emitUntilAll(remote, "exp", [ws, sse], 1000, 3_500);
    const wsEnded = await within("socket closed at exp", ws.ended, 9_000);
    expect(closeCodeOf(wsEnded)).toBe(4403);
    const sseEnded = await within("stream ended at exp", sse.ended, 8_000);
    expect(sseEnded).toEqual({});
    expect(errorCodes(sse.results.at(-1))).toContain("JWT_EXPIRED");
    const last = Date.now();
    await untilUpstreams(remote, "exp", 0, 6_000);
    expect(Date.now() - last).toBeLessThanOrEqual(5_500);
  }, 30_000);
});

describe("an upstream connection re-established (reestablishAfterMs: 1500)", () => {
  let remote: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    remote = await startYogaRemote();
    gw = await startGateway({
      config: remoteConfig(suite.orders.url, remote, { share: "all", reestablishAfterMs: 1500 }),
      sdl: TICK_SDL,
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await remote?.stop();
  });

  it("opens a second upstream connection, then closes the first; the subscribers keep receiving each event once", async () => {
    const ws = (await wsAs(gw, opened, "re-w")).subscribe(ticksQuery("re"));
    const sse = await sseAs(gw, opened, "re-s", ticksQuery("re"));
    await emitUntilAll(remote, "re", [ws, sse]);
    await until(
      "a second upstream subscription",
      async () => remote.opened("re"),
      (n) => n >= 2,
      6_000,
    );
    const [first, second] = remote.subscriptions.filter((s) => s.channel === "re");
    await until(
      "the first upstream closed",
      async () => first?.closedAt,
      (at) => at !== undefined,
      5_000,
    );
    expect(second?.openedAt).toBeLessThanOrEqual(first?.closedAt as number);
    await untilUpstreams(remote, "re", 1);
    remote.emit("re", 7000);
    await untilEach([ws, sse], 7000);
    await sleep(300);
    for (const sub of [ws, sse]) {
      expect(sub.results.filter((r) => r.data?.ticks?.n === 7000)).toHaveLength(1);
      expect(clean(sub), JSON.stringify(sub.results)).toBe(true);
    }
  }, 30_000);
});
