/**
 * The remote fixtures of the remote-subscription tests (remote-upstreams.ts), driven directly by the real
 * `graphql-sse` and `graphql-ws` clients, without the gateway: so that a failure of the gateway's tests is
 * never the fixture's. Pins what the gateway relies on: events per channel with the subscriber's user,
 * counts, `complete`, a GraphQL error from the stream, and a restart on the same port.
 */
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type Result, until, within } from "./harness";
import { type RemoteUpstream, startWsRemote, startYogaRemote } from "./remote-upstreams";

const TICKS = "subscription ($c: String!) { ticks(channel: $c) { id n user channel orderId } }";

/** A subscription of a raw client: results, and how it ended. */
function collect() {
  const results: Result[] = [];
  let end: (value: { error?: unknown }) => void = () => {};
  const ended = new Promise<{ error?: unknown }>((resolve) => {
    end = resolve;
  });
  const sink = {
    next: (r: Result) => results.push(r),
    error: (error: unknown) => end({ error }),
    complete: () => end({}),
  };
  return { results, ended, sink };
}

describe.each([
  ["graphql-yoga over SSE", startYogaRemote, "sse"],
  ["graphql-ws over ws", startWsRemote, "ws"],
] as const)("the remote fixture: %s", (_name, start, transport) => {
  let remote: RemoteUpstream;
  beforeAll(async () => {
    remote = await start();
  });
  afterAll(async () => remote?.stop());

  /** Subscribes to `channel` as `user` with the fixture's own transport; returns the results and a disposer. */
  function subscribe(channel: string, user: string) {
    const got = collect();
    const headers = { "x-hasura-user-id": user };
    if (transport === "sse") {
      const client = createSseClient({ url: remote.url, headers, retryAttempts: 0 });
      const stop = client.subscribe({ query: TICKS, variables: { c: channel } }, got.sink as never);
      const dispose = () => {
        stop();
        client.dispose();
      };
      return { ...got, dispose };
    }
    class WithHeaders extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    }
    const client = createWsClient({
      url: remote.url.replace("http:", "ws:"),
      webSocketImpl: WithHeaders,
      connectionParams: { headers },
      retryAttempts: 0,
    });
    const stop = client.subscribe({ query: TICKS, variables: { c: channel } }, got.sink as never);
    const dispose = () => {
      stop();
      void client.dispose();
    };
    return { ...got, dispose };
  }

  it("delivers emitted ticks to each open subscription of the channel with its own user, counts and records them", async () => {
    const a = subscribe("f1", "u1");
    const b = subscribe("f1", "u2");
    await until(
      "2 open",
      async () => remote.open("f1"),
      (n) => n === 2,
    );
    expect(remote.emit("f1", 1)).toBe(2);
    expect(remote.emit("other", 1)).toBe(0);
    await until(
      "a and b got 1",
      async () => a.results.length + b.results.length,
      (n) => n === 2,
    );
    expect(a.results[0]).toEqual({ data: { ticks: { id: "f1-1", n: 1, user: "u1", channel: "f1", orderId: "o1" } } });
    expect(b.results[0]?.data?.ticks?.user).toBe("u2");
    const records = remote.subscriptions.filter((s) => s.channel === "f1");
    expect(records.map((s) => s.transport)).toEqual([transport, transport]);
    expect(records.map((s) => s.headers["x-hasura-user-id"]).sort()).toEqual(["u1", "u2"]);
    if (transport === "ws") {
      expect(remote.openSockets()).toBe(2);
      expect(records[0]?.initPayload).toEqual({
        headers: { "x-hasura-user-id": records[0]?.headers["x-hasura-user-id"] },
      });
    }
    a.dispose();
    b.dispose();
    await until(
      "0 open",
      async () => remote.open("f1"),
      (n) => n === 0,
    );
    expect(remote.opened("f1")).toBe(2);
  });

  it("complete(channel) completes the subscriptions; fail(channel) ends them with the GraphQL error and its code", async () => {
    const done = subscribe("f2", "u1");
    const failed = subscribe("f3", "u1");
    await until(
      "2 open",
      async () => remote.open("f2") + remote.open("f3"),
      (n) => n === 2,
    );
    expect(remote.complete("f2")).toBe(1);
    expect(await within("complete", done.ended)).toEqual({});
    expect(remote.fail("f3", "remote broke", "BROKEN")).toBe(1);
    const ended = await within("error", failed.ended);
    const errors = transport === "ws" ? ended.error : failed.results[0]?.errors;
    expect(errors).toEqual([expect.objectContaining({ message: "remote broke", extensions: { code: "BROKEN" } })]);
    if (transport === "sse") {
      expect(failed.results[0]?.data).toBeUndefined();
      expect(ended).toEqual({});
    }
    done.dispose();
    failed.dispose();
  });

  it("emit with fieldError sends data and errors and goes on; a refuse... channel is refused with code REFUSED", async () => {
    const sub = subscribe("f5", "u1");
    await until(
      "1 open",
      async () => remote.open("f5"),
      (n) => n === 1,
    );
    remote.emit("f5", 1, { fieldError: "no user today" });
    remote.emit("f5", 2);
    await until(
      "2 results",
      async () => sub.results.length,
      (n) => n === 2,
    );
    expect(sub.results[0]?.data?.ticks).toMatchObject({ n: 1, user: null });
    expect(sub.results[0]?.errors).toEqual([expect.objectContaining({ message: "no user today" })]);
    expect(sub.results[1]).toEqual({ data: { ticks: expect.objectContaining({ n: 2, user: "u1" }) } });
    sub.dispose();
    const refusal = [
      expect.objectContaining({
        message: "channel refuse-1 refused",
        extensions: expect.objectContaining({ code: "REFUSED" }),
      }),
    ];
    if (transport === "sse") {
      const res = await fetch(remote.url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query: TICKS, variables: { c: "refuse-1" } }),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await res.text();
      expect(res.status, text).toBe(400);
      const data = /data: (\{.*\})/.exec(text)?.[1];
      expect(JSON.parse(data ?? "{}").errors, text).toEqual(refusal);
    } else {
      const refused = subscribe("refuse-1", "u1");
      await within("refusal", refused.ended);
      expect(refused.results[0]?.errors).toEqual(refusal);
      refused.dispose();
    }
  });

  it("restart(ms) drops every connection, then serves again on the same port", async () => {
    const sub = subscribe("f4", "u1");
    await until(
      "1 open",
      async () => remote.open("f4"),
      (n) => n === 1,
    );
    const restarted = remote.restart(300);
    const ended = await within("the subscription ends with the connection", sub.ended);
    // A crash, not a completion: the client sees its connection fail.
    expect(ended.error).toBeDefined();
    expect(sub.results).toEqual([]);
    await restarted;
    expect(remote.open("f4")).toBe(0);
    const again = subscribe("f4", "u1");
    await until(
      "1 open again",
      async () => remote.open("f4"),
      (n) => n === 1,
    );
    remote.emit("f4", 2);
    await until(
      "tick after restart",
      async () => again.results.length,
      (n) => n === 1,
    );
    again.dispose();
    sub.dispose();
  });
});
