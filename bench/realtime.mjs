/**
 * The realtime section of `npm run bench` (issue 13): subscriptions held by the realtime Durable Objects
 * (bench/realtime-worker.ts: `createApp`, `RealtimeShard` as REALTIME, `RealtimeHub` as REALTIME_HUB, both
 * SQLite-backed as wrangler.toml declares them), in workerd through Miniflare's Node API, with real clients
 * from this Node process.
 *
 * fan-out (run with `realtime.shards` 16, the default, and 1): 1,000 subscribers of one topic
 * (`orders.7`, `Subscription.orderUpdated(id: "7")`), 500 over WebSocket with the `graphql-ws` client
 * (`ws` as its WebSocket) and 500 over SSE with the `graphql-sse` client in distinct connections mode; no
 * auth. Each client sends its own `CF-Connecting-IP` (Miniflare keeps a client's header), so connections
 * spread over the shards as distinct clients' would. Once `GET /admin/realtime` counts 1,000
 * subscriptions:
 * - "full payload": one `POST /events/orders.7` (x-admin-secret) with the whole Order, then 10 in a row
 *   (each awaited); for each event, every subscriber's raw frame (WebSocket) or `event: next` block (SSE)
 *   must carry exactly the expected bytes; measured: deliveries, the publish answer's `subscribers`, ms
 *   from the publish to the last delivery, workerd CPU (user+sys, /proc) over the window / deliveries;
 * - "key-only payload": the same with `{ "id": "7" }`, every other field completed through
 *   `Query.order @rest @merge(keyField: "id")` from a loopback REST server that counts its calls (with
 *   sharing: one call per shard holding subscribers, per event).
 * Then every client is closed and the shards' counts must fall back to 0.
 *
 * idle sockets (`realtime.shards` 16): acknowledged `graphql-ws` connections with one subscription each
 * (all on one topic, so no extra hub objects), opened in steps (1,000, 2,500, 5,000, 10,000; capped by
 * the open-file limit, which the bench cannot raise itself: `npm run bench:realtime` raises the soft
 * limit to the hard one), each step bounded in time, after a baseline taken once 160 warm-up sockets have
 * reached every shard and closed; per step: workerd RSS and its growth per socket (over the baseline and
 * since the previous step), this Node process's RSS and heap (after a full GC) per socket. The same steps
 * then run against a control (bench/realtime-control-worker.mjs: a bare hibernatable-WebSocket Durable
 * Object), the runtime's own cost per socket. Everything is closed at the end and must leave no count.
 *
 * Every wait is bounded; a step or an event that does not complete in time is recorded as such.
 */

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";
import { cpuMs, peakMiB, percentile, rssMiB, startWorker, WORKER_BUILD } from "./lib.mjs";

const BENCH = new URL(".", import.meta.url).pathname;
const ROOT = join(BENCH, "..");
const ADMIN_SECRET = "bench-admin";
const TOPIC_ID = "7";
const TOPIC = `orders.${TOPIC_ID}`;
const IDLE_ID = "idle";
/** Warm-up sockets of the idle scenario: with 16 shards, 160 distinct addresses reach every shard. */
const WARM_SOCKETS = 160;

/** The subscription every fan-out subscriber sends (the same document and variables: one group). */
export const SUBSCRIPTION =
  "subscription OrderUpdated($id: ID!) { orderUpdated(id: $id) { id status total currency items { sku quantity price } note } }";

const SDL = `type OrderItem { sku: String! quantity: Int! price: Float! }
type Order { id: ID! status: String! total: Float! currency: String! items: [OrderItem!]! note: String }
type Query { order(id: ID!): Order @rest(service: "orders", endpoint: "getOrder") @merge(keyField: "id") }
type Subscription { orderUpdated(id: ID!): Order @topic(name: "orders.{args.id}") }
`;

/** A whole Order (the fields in the subscription's selection order, so its JSON is the expected bytes). */
const order = (id, note) => ({
  id,
  status: "SHIPPED",
  total: 129.9,
  currency: "EUR",
  items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${1000 + i}`, quantity: i + 1, price: 9.5 + i })),
  note,
});

/** The gateway config and SDL of the realtime bench. */
function realtimeSetup(restBase, shards) {
  return {
    config: {
      services: [
        {
          name: "orders",
          url: restBase,
          gatewayToken: false,
          endpoints: { getOrder: { method: "GET", path: "/orders/{args.id}" } },
        },
      ],
      graphiql: false,
      realtime: { shards },
    },
    schemaFiles: [{ path: "schemas/bench-realtime.graphql", sdl: SDL }],
  };
}

/** A loopback REST server for `getOrder` that counts its calls. */
export async function restServer() {
  const counter = { calls: 0 };
  const server = createServer((req, res) => {
    const match = /^\/orders\/([^/?]+)/.exec(req.url ?? "");
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    counter.calls++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(order(decodeURIComponent(match[1]), "from REST")));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { counter, server, url: `http://127.0.0.1:${server.address().port}` };
}

/** A distinct client address per connection (shards are chosen by user, else by IP). */
export const ipOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; stops starting new ones at `deadline`. */
export async function pool(count, concurrency, deadline, task) {
  let next = 0;
  const errors = [];
  const worker = async () => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        errors.push(String(error?.message ?? error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { started: next, errors };
}

/** Resolves with `value` or rejects after `ms`. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// A full garbage collection before each reading of the Node client's memory (V8's flag, exposed at runtime).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivery bookkeeping of one phase: every receipt of every subscriber, in order, and a waiter per event
 * that resolves when all `expected` subscribers have it.
 */
class Deliveries {
  constructor(expected) {
    this.expected = expected;
    this.counts = [];
    this.lastAt = [];
    this.waiters = [];
  }
  /** A subscriber received its `index`-th event (0-based) at `at` (performance.now()). */
  received(index, at) {
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.lastAt[index] = Math.max(this.lastAt[index] ?? 0, at);
    if (this.counts[index] === this.expected) this.waiters[index]?.();
  }
  /** Resolves true when event `index` reached every subscriber, false after `ms`. */
  all(index, ms) {
    if ((this.counts[index] ?? 0) >= this.expected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.waiters[index] = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}

/**
 * One `graphql-ws` client on its own socket (lazy: it connects on subscribe), with a recorder of the raw
 * `next` frames. `ws` is given a distinct `CF-Connecting-IP` and no permessage-deflate. `sink.query` replaces
 * {@link SUBSCRIPTION}; `sink.next` and `sink.complete` get the client's results (bench/remote-subs.mjs).
 */
export function wsSubscriber(url, i, variables, onFrame, sink = {}) {
  const headers = { "cf-connecting-ip": ipOf(i) };
  class BenchSocket extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, { headers, perMessageDeflate: false });
      this.on("message", (data) => onFrame(String(data), performance.now()));
    }
  }
  let connected;
  const ack = new Promise((resolve, reject) => {
    connected = { resolve, reject };
  });
  const client = createWsClient({
    url,
    webSocketImpl: BenchSocket,
    lazy: true,
    retryAttempts: 0,
    shouldRetry: () => false,
    connectionAckWaitTimeout: 30_000,
    generateID: () => `s${i}`,
    on: {
      connected: () => connected.resolve(),
      closed: (event) => connected.reject(new Error(`socket closed before ack: ${event?.code} ${event?.reason}`)),
      error: (error) => connected.reject(new Error(`socket error: ${error?.message ?? error}`)),
    },
  });
  const sinkErrors = [];
  client.subscribe(
    { query: sink.query ?? SUBSCRIPTION, variables },
    {
      next: sink.next ?? (() => undefined),
      error: (error) => sinkErrors.push(JSON.stringify(error?.message ?? error?.code ?? error)),
      complete: sink.complete ?? (() => undefined),
    },
  );
  return { kind: "ws", id: `s${i}`, ack, client, sinkErrors, close: () => client.dispose() };
}

/**
 * One `graphql-sse` client (distinct connections mode: one HTTP stream per subscription) whose fetch
 * tees the raw stream, so the exact bytes of each `event: next` block are checked. `sink` as for
 * {@link wsSubscriber}.
 */
export function sseSubscriber(url, i, variables, onBlock, sink = {}) {
  let buffer = "";
  const decoder = new TextDecoder();
  const tap = new TransformStream({
    transform(chunk, controller) {
      const at = performance.now();
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end !== -1) {
        onBlock(buffer.slice(0, end), at);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf("\n\n");
      }
      controller.enqueue(chunk);
    },
  });
  let opened;
  const open = new Promise((resolve, reject) => {
    opened = { resolve, reject };
  });
  const fetchFn = async (input, init) => {
    const res = await fetch(input, init);
    if (!res.ok || !res.body) return res;
    return new Response(res.body.pipeThrough(tap), { status: res.status, headers: res.headers });
  };
  const client = createSseClient({
    url,
    singleConnection: false,
    fetchFn,
    retryAttempts: 0,
    headers: { "cf-connecting-ip": ipOf(i) },
    on: { connected: () => opened.resolve() },
  });
  const sinkErrors = [];
  const unsubscribe = client.subscribe(
    { query: sink.query ?? SUBSCRIPTION, variables },
    {
      next: sink.next ?? (() => undefined),
      error: (error) => {
        sinkErrors.push(String(error?.message ?? JSON.stringify(error)));
        opened.reject(new Error(`SSE subscription failed: ${sinkErrors.at(-1)}`));
      },
      complete: sink.complete ?? (() => undefined),
    },
  );
  return {
    kind: "sse",
    ack: open,
    client,
    sinkErrors,
    close: () => {
      unsubscribe();
      client.dispose();
    },
  };
}

/** `GET /admin/realtime` summed over shards: `{ connections, subscriptions, topics, shards, busyShards }`. */
async function shardCounts(base) {
  const res = await fetch(`${base}/admin/realtime`, {
    headers: { "x-admin-secret": ADMIN_SECRET },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET /admin/realtime: ${res.status} ${(await res.text()).slice(0, 200)}`);
  const { shards } = await res.json();
  const sum = { connections: 0, subscriptions: 0, topics: 0, shards: 0, busyShards: 0 };
  for (const shard of Object.values(shards ?? {})) {
    sum.shards++;
    sum.connections += shard.connections ?? 0;
    sum.subscriptions += shard.subscriptions ?? 0;
    sum.topics += shard.topics ?? 0;
    if ((shard.subscriptions ?? 0) > 0) sum.busyShards++;
  }
  return sum;
}

/** Polls the shards' counts until `done(counts)` or `ms` pass; returns the last counts and whether it held. */
async function waitForCounts(base, done, ms) {
  const deadline = performance.now() + ms;
  let counts;
  for (;;) {
    try {
      counts = await shardCounts(base);
      if (done(counts)) return { ok: true, counts };
    } catch (error) {
      counts = { error: String(error.message) };
    }
    if (performance.now() > deadline) return { ok: false, counts };
    await sleep(250);
  }
}

async function publish(base, payload) {
  const started = performance.now();
  const res = await fetch(`${base}/events/${TOPIC}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-admin-secret": ADMIN_SECRET },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let subscribers = null;
  try {
    subscribers = JSON.parse(text).subscribers ?? null;
  } catch {
    // reported below as the answer's text
  }
  return { started, status: res.status, subscribers, answerMs: +(performance.now() - started).toFixed(1), text };
}

/** Workerd CPU and delivery figures for `events` publishes in a row (each awaited), with byte checks. */
async function publishPhase({ base, pid, subscribers, payloads, expectedData, rest }) {
  const deliveries = new Deliveries(subscribers.length);
  for (const s of subscribers) s.receipts = [];
  phaseSink.current = (s, text, at) => {
    deliveries.received(s.receipts.length, at);
    s.receipts.push(text);
  };
  const rest0 = rest.counter.calls;
  const cpu0 = cpuMs(pid);
  const answers = [];
  for (const payload of payloads) answers.push(await publish(base, payload));
  const complete = [];
  // An event the publish refused is not waited for (beyond a second, to see that nothing arrives).
  for (let k = 0; k < payloads.length; k++)
    complete.push(await deliveries.all(k, answers[k].status === 202 ? 30_000 : 1_000));
  const cpu1 = cpuMs(pid);
  phaseSink.current = null;
  const restCalls = rest.counter.calls - rest0;
  let exact = 0;
  let wrong = 0;
  let bytes = 0;
  let sample;
  for (const s of subscribers) {
    s.receipts.forEach((text, k) => {
      const data = expectedData[k];
      let ok;
      if (s.kind === "ws") {
        // The frame carries the execution result verbatim; its length pins the envelope ({id, type, payload}).
        const envelope = JSON.stringify({ id: s.id, type: "next", payload: JSON.parse(data) });
        ok = text.includes(data) && text.length === envelope.length;
      } else {
        ok = sseData(text) === data;
      }
      bytes += Buffer.byteLength(text);
      if (ok) exact++;
      else {
        wrong++;
        sample ??= { kind: s.kind, got: text.slice(0, 400), expected: data.slice(0, 400) };
      }
    });
  }
  const delivered = deliveries.counts.slice(0, payloads.length).reduce((sum, n) => sum + (n ?? 0), 0);
  const lastMs = payloads.map((_, k) =>
    deliveries.lastAt[k] ? +(deliveries.lastAt[k] - answers[k].started).toFixed(1) : null,
  );
  const end = Math.max(...deliveries.lastAt.filter(Boolean), ...answers.map((a) => a.started + a.answerMs));
  return {
    events: payloads.length,
    expectedDeliveries: payloads.length * subscribers.length,
    delivered,
    exactBytes: exact,
    wrongBytes: wrong,
    deliveredBytes: bytes,
    allDelivered: complete.every(Boolean),
    subscribersAnswered: answers.map((a) => a.subscribers),
    publishStatus: [...new Set(answers.map((a) => a.status))],
    publishAnswerMs: answers.map((a) => a.answerMs),
    msToLastDelivery: lastMs,
    windowMs: +(end - answers[0].started).toFixed(1),
    workerdCpuMs: +(cpu1 - cpu0).toFixed(1),
    cpuMsPerDelivery: delivered ? +((cpu1 - cpu0) / delivered).toFixed(4) : null,
    restCalls,
    restCallsPerEvent: +(restCalls / payloads.length).toFixed(2),
    ...(sample ? { wrongSample: sample } : {}),
    ...(answers.some((a) => a.status !== 202) ? { publishAnswer: answers.find((a) => a.status !== 202).text } : {}),
  };
}

/** The `data` of an SSE block that is `event: next` (data lines joined as the spec says), else null. */
function sseData(block) {
  let event = "";
  const data = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trimStart();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return event === "next" ? data.join("\n") : null;
}

/** Where the clients' receipts go during a publish phase (null outside one). */
const phaseSink = { current: null };

/** Is this raw WebSocket frame a `next` message? */
const isNextFrame = (text) => text.includes('"next"') && JSON.parse(text).type === "next";

/** Opens `ws` + `sse` subscribers of `orders.7`; resolves when all are acknowledged/open or the time is up. */
async function openSubscribers(url, wsCount, sseCount, ms) {
  const subscribers = [];
  const deadline = performance.now() + ms;
  const opened = await pool(wsCount + sseCount, 50, deadline, async (i) => {
    let s;
    if (i < wsCount) {
      s = wsSubscriber(`${url.replace(/^http/, "ws")}/graphql`, i, { id: TOPIC_ID }, (text, at) => {
        if (phaseSink.current && isNextFrame(text)) phaseSink.current(s, text, at);
      });
    } else {
      s = sseSubscriber(`${url}/graphql`, i, { id: TOPIC_ID }, (block, at) => {
        if (phaseSink.current && sseData(block) !== null) phaseSink.current(s, block, at);
      });
    }
    subscribers.push(s);
    await within(s.ack, Math.max(1, deadline - performance.now()), `${s.kind} subscriber ${i}`);
  });
  return { subscribers, errors: opened.errors };
}

/** Closes every client; bounded. */
export async function closeAll(clients) {
  for (const c of clients) {
    try {
      c.close();
    } catch {
      // already closed
    }
  }
  await sleep(200);
}

/** workerd's output without the gateway's info lines (every shard logs its schema composition). */
export function quietRuntime(stdout, stderr) {
  for (const stream of [stdout, stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      if (!line.includes('"level":"info"')) process.stderr.write(`${line}\n`);
    });
  }
}

/**
 * The bench Worker in a fresh workerd with `realtime.shards` = `shards`.
 * @returns `{ url, pid, dispose }`: its origin, workerd's process id, and a function that stops it
 */
async function startRealtimeWorker(script, restUrl, shards) {
  const { config, schemaFiles } = realtimeSetup(restUrl, shards);
  const worker = await startWorker(
    script,
    {
      BENCH_CONFIG: JSON.stringify(config),
      BENCH_SCHEMA_FILES: JSON.stringify(schemaFiles),
      ADMIN_SECRET,
      EVENTS_SECRET: "bench-events",
    },
    { handleRuntimeStdio: quietRuntime },
  );
  return { url: worker.url, pid: worker.pid, dispose: () => worker.mf.dispose() };
}

/**
 * The control Worker (bench/realtime-control-worker.mjs: a bare hibernatable-WebSocket Durable Object) in a
 * fresh workerd, with `shards` objects.
 */
async function startControlWorker(script, shards) {
  const worker = await startWorker(
    script,
    { SHARDS: String(shards), ADMIN_SECRET },
    { handleRuntimeStdio: quietRuntime, durableObjects: { REALTIME: { className: "ControlShard", useSQLite: true } } },
  );
  return { url: worker.url, pid: worker.pid, dispose: () => worker.mf.dispose() };
}

/**
 * The fan-out scenario for one `realtime.shards` value.
 * @param options.start - `(shards) => Promise<{ url, pid, dispose }>`: the server under test
 */
export async function fanOut({ start, rest, shards, subscribers: total, log }) {
  const worker = await start(shards);
  const result = { shards, subscribers: total, ws: total / 2, sse: total / 2 };
  let clients = [];
  try {
    // Warm-up: the gateway is built and the REST source answers, outside every measured window.
    const warm = await fetch(`${worker.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ order(id: "${TOPIC_ID}") { id } }` }),
      signal: AbortSignal.timeout(30_000),
    });
    const warmText = await warm.text();
    if (!warmText.includes(`"id":"${TOPIC_ID}"`)) throw new Error(`warm-up query answered ${warmText.slice(0, 300)}`);
    const opening = performance.now();
    const { subscribers, errors } = await openSubscribers(worker.url, total / 2, total / 2, 120_000);
    clients = subscribers;
    result.openMs = +(performance.now() - opening).toFixed(0);
    result.openErrors = errors.length;
    if (errors.length) result.openErrorSample = errors.slice(0, 3);
    const counted = await waitForCounts(worker.url, (c) => c.subscriptions >= total, 30_000);
    result.shardCounts = counted.counts;
    log(
      `realtime fan-out, ${shards} shard(s): ${subscribers.length} subscribers open in ${result.openMs} ms, shards count ${JSON.stringify(counted.counts)}`,
    );
    if (!counted.ok || errors.length) {
      result.skipped = `not every subscriber was registered (${errors.length} failed to open${errors.length ? `, first: ${errors[0]}` : ""}; shards count ${JSON.stringify(counted.counts)})`;
      return result;
    }
    const full = (k) => order(TOPIC_ID, `event ${k}`);
    const fullData = (k) => JSON.stringify({ data: { orderUpdated: full(k) } });
    const keyData = JSON.stringify({ data: { orderUpdated: order(TOPIC_ID, "from REST") } });
    const phase = (payloads, expectedData) =>
      publishPhase({ base: worker.url, pid: worker.pid, subscribers, payloads, expectedData, rest });
    result.full = {
      one: await phase([full(0)], [fullData(0)]),
      ten: await phase(
        Array.from({ length: 10 }, (_, k) => full(k + 1)),
        Array.from({ length: 10 }, (_, k) => fullData(k + 1)),
      ),
    };
    log(`  full payload: ${summary(result.full.one)} | 10 in a row: ${summary(result.full.ten)}`);
    const key = { id: TOPIC_ID };
    result.keyOnly = {
      one: await phase([key], [keyData]),
      ten: await phase(Array(10).fill(key), Array(10).fill(keyData)),
    };
    log(`  key-only payload: ${summary(result.keyOnly.one)} | 10 in a row: ${summary(result.keyOnly.ten)}`);
    result.sinkErrors = subscribers.reduce((n, s) => n + s.sinkErrors.length, 0);
    if (result.sinkErrors) result.sinkErrorSample = subscribers.find((s) => s.sinkErrors.length)?.sinkErrors[0];
    await closeAll(clients);
    clients = [];
    const cleaned = await waitForCounts(worker.url, (c) => c.connections === 0 && c.subscriptions === 0, 30_000);
    result.afterClose = { ...cleaned.counts, clean: cleaned.ok };
    result.workerdPeakMiB = peakMiB(worker.pid);
    return result;
  } finally {
    await closeAll(clients);
    await worker.dispose();
  }
}

function summary(p) {
  return `${p.delivered}/${p.expectedDeliveries} delivered (${p.exactBytes} exact), subscribers ${p.subscribersAnswered.join(",")}, last delivery ${p.msToLastDelivery.join("/")} ms, ${p.cpuMsPerDelivery} CPU ms/delivery, REST ${p.restCallsPerEvent}/event`;
}

/** The soft open-file limit of this process (Node holds one descriptor per client socket). */
function openFileLimit(pid = "self") {
  const match = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
  if (!match) return { soft: null, hard: null };
  const n = (v) => (v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: n(match[1]), hard: n(match[2]) };
}

/**
 * The idle-sockets scenario: memory per acknowledged graphql-ws connection with one subscription.
 * @param options.start - `(shards) => Promise<{ url, pid, dispose }>`: the server under test
 */
export async function idleSockets({ start, steps, log }) {
  const worker = await start(16);
  const limits = { node: openFileLimit(), workerd: openFileLimit(worker.pid) };
  // Node holds one descriptor per socket, workerd one per socket too; keep 1,000 spare for everything else.
  const cap = Math.max(0, Math.min(limits.node.soft, limits.workerd.soft) - 1_000);
  const result = { shards: 16, limits, steps: [] };
  const clients = [];
  try {
    const url = `${worker.url.replace(/^http/, "ws")}/graphql`;
    // Warm-up: 160 connections from distinct addresses through their whole life, so that every shard
    // object (and its gateway) exists in the baseline and the steps measure sockets, not shards.
    const warm = [];
    await pool(WARM_SOCKETS, 50, performance.now() + 60_000, async (i) => {
      const s = wsSubscriber(url, 100_000 + i, { id: IDLE_ID }, () => undefined);
      warm.push(s);
      await within(s.ack, 30_000, "warm-up socket");
    });
    const warmed = await waitForCounts(worker.url, (c) => c.subscriptions >= WARM_SOCKETS, 30_000);
    result.warmShards = warmed.counts?.busyShards ?? null;
    await closeAll(warm);
    await waitForCounts(worker.url, (c) => c.connections === 0, 30_000);
    await sleep(1_000);
    gc();
    const base = {
      workerdRssMiB: +rssMiB(worker.pid).toFixed(1),
      nodeRssMiB: mib(process.memoryUsage().rss),
      nodeHeapMiB: mib(process.memoryUsage().heapUsed),
    };
    result.baseline = base;
    for (const target of steps) {
      if (target > cap) {
        result.limitedBy = `open files: soft limit ${limits.node.soft} (Node) / ${limits.workerd.soft} (workerd), 1,000 kept spare: at most ${cap} sockets`;
        if (clients.length >= cap) break;
      }
      const goal = Math.min(target, cap);
      const started = performance.now();
      const deadline = started + 180_000;
      const offset = clients.length;
      const opened = await pool(goal - offset, 100, deadline, async (j) => {
        const s = wsSubscriber(url, offset + j + 1, { id: IDLE_ID }, () => undefined);
        clients.push(s);
        await within(s.ack, Math.max(1, deadline - performance.now()), `idle socket ${offset + j}`);
      });
      const counted = await waitForCounts(worker.url, (c) => c.subscriptions >= goal, 60_000);
      await sleep(2_000);
      gc();
      const workerdRss = +rssMiB(worker.pid).toFixed(1);
      const node = process.memoryUsage();
      const open = clients.length - opened.errors.length;
      const previous = result.steps.at(-1);
      const step = {
        sockets: goal,
        open,
        failed: opened.errors.length,
        openSeconds: +((performance.now() - started) / 1000).toFixed(1),
        registered: counted.counts?.subscriptions ?? null,
        connectionsCounted: counted.counts?.connections ?? null,
        workerdRssMiB: workerdRss,
        workerdKiBPerSocket: +(((workerdRss - base.workerdRssMiB) * 1024) / open).toFixed(1),
        workerdKiBPerSocketSincePreviousStep: previous
          ? +(((workerdRss - previous.workerdRssMiB) * 1024) / (open - previous.open)).toFixed(1)
          : null,
        nodeRssMiB: mib(node.rss),
        nodeKiBPerSocket: +(((mib(node.rss) - base.nodeRssMiB) * 1024) / open).toFixed(1),
        nodeKiBPerSocketSincePreviousStep: previous
          ? +(((mib(node.rss) - previous.nodeRssMiB) * 1024) / (open - previous.open)).toFixed(1)
          : null,
        nodeHeapKiBPerSocket: +(((mib(node.heapUsed) - base.nodeHeapMiB) * 1024) / open).toFixed(1),
        ...(opened.errors.length ? { errorSample: opened.errors.slice(0, 3) } : {}),
      };
      result.steps.push(step);
      log(`realtime idle sockets: ${JSON.stringify(step)}`);
      if (opened.errors.length || !counted.ok) {
        result.limitedBy ??= `step ${goal}: ${opened.errors.length} sockets failed or not all registered within the time bound (${opened.errors[0] ?? JSON.stringify(counted.counts)})`;
        break;
      }
      if (goal < target) break;
    }
    result.workerdPeakMiB = peakMiB(worker.pid);
    const closing = performance.now();
    await closeAll(clients);
    const cleaned = await waitForCounts(worker.url, (c) => c.connections === 0 && c.subscriptions === 0, 120_000);
    result.afterClose = {
      ...cleaned.counts,
      clean: cleaned.ok,
      seconds: +((performance.now() - closing) / 1000).toFixed(1),
    };
    return result;
  } finally {
    await closeAll(clients);
    await worker.dispose();
  }
}

const mib = (bytes) => +(bytes / 1024 / 1024).toFixed(1);

/**
 * Runs the realtime section.
 * @param {object} options
 * @param {boolean} options.quick - 200 subscribers and idle steps of 500 and 1,000 (a smoke run)
 * @param {(line: string) => void} options.log - progress lines (stderr)
 * @returns the `realtime` object of bench/results/latest.json
 */
export async function runRealtime({ quick, log }) {
  const script = join(ROOT, "dist/bench/realtime.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(BENCH, "realtime-worker.ts")], outfile: script });
  const controlScript = join(ROOT, "dist/bench/realtime-control.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(BENCH, "realtime-control-worker.mjs")], outfile: controlScript });
  const rest = await restServer();
  const start = (shards) => startRealtimeWorker(script, rest.url, shards);
  const subscribers = quick ? 200 : 1_000;
  const steps = quick ? [500, 1_000] : [1_000, 2_500, 5_000, 10_000];
  const out = { subscription: SUBSCRIPTION, fanOut: [], idle: null, idleControl: null, errors: [], failures: [] };
  try {
    for (const shards of [16, 1]) {
      try {
        out.fanOut.push(await fanOut({ start, rest, shards, subscribers, log }));
      } catch (error) {
        out.errors.push(`fan-out with ${shards} shard(s): ${error.stack ?? error}`);
        log(out.errors.at(-1));
      }
    }
    try {
      out.idle = await idleSockets({ start, steps, log });
    } catch (error) {
      out.errors.push(`idle sockets: ${error.stack ?? error}`);
      log(out.errors.at(-1));
    }
    try {
      log("realtime idle sockets, control (a bare hibernatable-WebSocket Durable Object):");
      out.idleControl = await idleSockets({ start: (shards) => startControlWorker(controlScript, shards), steps, log });
    } catch (error) {
      out.errors.push(`idle sockets (control): ${error.stack ?? error}`);
      log(out.errors.at(-1));
    }
    out.failures = failures(out, subscribers);
    return out;
  } finally {
    rest.server.closeAllConnections();
    rest.server.close();
  }
}

/** What in the results falls short of the contract (every event to every subscriber, exact bytes, cleanup). */
function failures(out, subscribers) {
  const found = [];
  for (const run of out.fanOut) {
    if (run.skipped) found.push(`${run.shards} shard(s): ${run.skipped}`);
    for (const [label, phases] of [
      ["full", run.full],
      ["key-only", run.keyOnly],
    ]) {
      for (const p of phases ? [phases.one, phases.ten] : []) {
        const where = `${run.shards} shard(s), ${label} payload, ${p.events} event(s)`;
        if (p.delivered !== p.expectedDeliveries)
          found.push(`${where}: ${p.delivered} of ${p.expectedDeliveries} delivered`);
        if (p.wrongBytes) found.push(`${where}: ${p.wrongBytes} deliveries with other bytes`);
        if (p.subscribersAnswered.some((n) => n !== subscribers))
          found.push(`${where}: the publish answered subscribers ${[...new Set(p.subscribersAnswered)].join(", ")}`);
        if (p.publishStatus.some((status) => status !== 202)) found.push(`${where}: publish status ${p.publishStatus}`);
      }
    }
    if (run.afterClose && !run.afterClose.clean)
      found.push(`${run.shards} shard(s): after closing, the shards still count ${JSON.stringify(run.afterClose)}`);
  }
  if (out.idle?.afterClose && !out.idle.afterClose.clean)
    found.push(`idle sockets: after closing, the shards still count ${JSON.stringify(out.idle.afterClose)}`);
  return found;
}

/** One idle-sockets run as a markdown table. */
function idleTable(idle, title) {
  const lines = [];
  lines.push(
    `\n**Realtime idle sockets: acknowledged graphql-ws connections, one subscription each, 16 shards (${idle.warmShards} warm before the baseline); ${title}**\n`,
  );
  lines.push(
    "| sockets | open | failed | registered | open time s | workerd RSS MiB | workerd KiB per socket (over baseline / since previous step) | Node RSS MiB | Node KiB per socket (RSS over baseline / since previous step / heap) |",
  );
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  lines.push(
    `| 0 (baseline) | – | – | – | – | ${idle.baseline?.workerdRssMiB} | – | ${idle.baseline?.nodeRssMiB} | – |`,
  );
  for (const s of idle.steps) {
    lines.push(
      `| ${s.sockets} | ${s.open} | ${s.failed} | ${s.registered} | ${s.openSeconds} | ${s.workerdRssMiB} | ${s.workerdKiBPerSocket} / ${s.workerdKiBPerSocketSincePreviousStep ?? "–"} | ${s.nodeRssMiB} | ${s.nodeKiBPerSocket} / ${s.nodeKiBPerSocketSincePreviousStep ?? "–"} / ${s.nodeHeapKiBPerSocket} |`,
    );
  }
  if (idle.limitedBy) lines.push(`\nLimited by: ${idle.limitedBy}.`);
  if (idle.afterClose)
    lines.push(
      `After closing every socket: ${idle.afterClose.connections} connections and ${idle.afterClose.subscriptions} subscriptions left in the shards (${idle.afterClose.seconds} s).`,
    );
  return lines.join("\n");
}

/** The realtime results as markdown tables. */
export function realtimeTables(realtime) {
  if (!realtime) return "";
  const n = realtime.fanOut[0]?.subscribers ?? 0;
  const lines = [
    `\n**Realtime fan-out: one topic, ${n} subscribers (${n / 2} graphql-ws, ${n / 2} graphql-sse), no auth**\n`,
  ];
  lines.push(
    "| shards | payload | events | delivered / expected | exact bytes | publish answer `subscribers` | ms publish → last delivery | publish answer ms | workerd CPU ms per delivery | REST calls per event |",
  );
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const ms = (values) => {
    const known = values.filter((v) => v !== null);
    if (known.length === 0) return "–";
    if (known.length === 1) return `${known[0]}`;
    const sorted = [...known].sort((a, b) => a - b);
    return `p50 ${percentile(sorted, 50)}, max ${sorted.at(-1)}`;
  };
  for (const run of realtime.fanOut) {
    if (run.skipped || !run.full) {
      lines.push(`| ${run.shards} | – | – | – | – | – | – | – | – | ${run.skipped ?? "not run"} |`);
      continue;
    }
    for (const [label, phases] of [
      ["full", run.full],
      ["key-only", run.keyOnly],
    ]) {
      for (const p of [phases.one, phases.ten]) {
        const answered = [...new Set(p.subscribersAnswered)].join(", ");
        lines.push(
          `| ${run.shards} | ${label} | ${p.events} | ${p.delivered} / ${p.expectedDeliveries} | ${p.exactBytes} | ${answered} | ${ms(p.msToLastDelivery)} | ${ms(p.publishAnswerMs)} | ${p.cpuMsPerDelivery} | ${p.restCallsPerEvent} |`,
        );
      }
    }
  }
  const counts = realtime.fanOut
    .filter((run) => run.shardCounts?.busyShards !== undefined)
    .map(
      (run) =>
        `${run.shards} shard(s): subscribers on ${run.shardCounts.busyShards} shard(s), opened in ${run.openMs} ms, after close ${run.afterClose ? `${run.afterClose.connections} connections / ${run.afterClose.subscriptions} subscriptions left` : "–"}`,
    );
  if (counts.length) lines.push(`\n${counts.join("; ")}.`);
  if (realtime.idle) lines.push(idleTable(realtime.idle, "the gateway's shards"));
  if (realtime.idleControl)
    lines.push(idleTable(realtime.idleControl, "control: a bare hibernatable-WebSocket Durable Object, no gateway"));
  for (const failure of realtime.failures ?? []) lines.push(`- realtime failure: ${failure}`);
  for (const error of realtime.errors ?? []) lines.push(`- realtime error: ${error.split("\n")[0]}`);
  return lines.join("\n");
}
