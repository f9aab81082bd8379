/**
 * The remote-subscriptions section of `npm run bench` (issue 15): one subscription of a remote schema,
 * shared by every client (`subscriptions: { share: "all" }`), held upstream by the gateway's `RemoteStream`
 * Durable Object (binding `REMOTE_STREAMS`, SQLite-backed as wrangler.toml declares it) and fanned out
 * through the realtime shards; the gateway is bench/realtime-worker.ts in workerd through Miniflare's
 * Node API, the clients are the real ones in this Node process.
 *
 * The remote (bench/remote-subs-upstream.mjs) is a real graphql-yoga server on loopback in a child
 * process, with `type Subscription { ticks: Tick }` and `type Tick { n: Int! sentAt: Float! }`, served over
 * GraphQL over SSE (the `sse` transport) and `graphql-transport-ws` (the `graphql-ws` transport, a `ws`
 * server on the same port); it counts its open subscriptions, SSE streams and sockets. It runs in its own
 * process so that its sends are not held up by this process reading 1,000 streams, and its CPU is its own;
 * `sentAt` is its clock (`performance.timeOrigin + performance.now()`), whose offset to this process's
 * clock is measured over loopback (the round trip of least time, out of 10) and taken out of every latency.
 *
 * Per transport, in a fresh workerd: 1,000 clients (500 `graphql-ws` over `ws`, 500 `graphql-sse` in
 * distinct connections mode, each with its own `CF-Connecting-IP`) subscribe to
 * `subscription { ticks { n sentAt } }`. Probe ticks (negative `n`) are sent every 250 ms until every client
 * has received one (at most 60 s); then the remote must count exactly 1 open upstream subscription, and it
 * emits 10 ticks/s for 10 s. Measured: per delivery, the latency from the remote's send to the client's
 * sink (p50, p99, max; per protocol too); deliveries against expected (every client must get every tick
 * once); workerd's CPU (user+sys from /proc) from the first send to the last delivery divided by the
 * deliveries; the remote's open subscriptions and connections at their peak during the window (must stay
 * 1) and the upstream subscriptions opened in it (must be 0). Then every client closes and the upstream
 * subscription and connection must close within 5 s (the time it took is recorded).
 *
 * A gateway build without remote subscriptions (no `REMOTE_STREAMS` binding in wrangler.toml, a config
 * that refuses `subscriptions`, or no `ticks` field in the gateway's schema) is reported as "remote
 * subscriptions not supported by this gateway build" at once, never waited for. Every wait is bounded.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { parse as parseToml } from "smol-toml";
import { cpuMs, percentile, spawnServer, startWorker, WORKER_BUILD } from "./lib.mjs";
import { closeAll, pool, quietRuntime, sseSubscriber, within, wsSubscriber } from "./realtime.mjs";

const BENCH = new URL(".", import.meta.url).pathname;
const ROOT = join(BENCH, "..");
const ADMIN_SECRET = "bench-admin";
const REMOTE = "ticks";

/** The subscription every client sends (one document, no variables: one shared upstream stream). */
export const REMOTE_SUBSCRIPTION = "subscription { ticks { n sentAt } }";
/** The baseline run: the same clients on the remote itself, no gateway (its upstream counts are the clients'). */
export const DIRECT = "direct";
/** The runs: the baseline, then the remote's transports as `remotes[].subscriptions.transport` names them. */
export const TRANSPORTS = [DIRECT, "sse", "graphql-ws"];
const EVENTS_PER_SECOND = 10;
/** How long (ms) the upstream may take to close after the last client left (issue 15). */
const CLOSE_WITHIN_MS = 5_000;
/** How long (ms) the bench waits for it, so a late close is still timed. */
const CLOSE_WAIT_MS = 35_000;

/** The answer of a gateway build that lacks the feature; carries the reason. */
export class RemoteSubscriptionsUnsupported extends Error {
  constructor(reason) {
    super(`remote subscriptions not supported by this gateway build: ${reason}`);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const clock = () => performance.timeOrigin + performance.now();

/** The gateway config: one remote, its subscriptions shared by everybody over `transport`. */
function gatewayConfig(remoteBase, transport) {
  return {
    remotes: [
      {
        name: REMOTE,
        url: `${remoteBase}/graphql`,
        gatewayToken: false,
        subscriptions: { transport, share: "all" },
      },
    ],
    graphiql: false,
  };
}

/** Throws {@link RemoteSubscriptionsUnsupported} unless wrangler.toml binds REMOTE_STREAMS to RemoteStream. */
function checkBinding() {
  const toml = parseToml(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  const bindings = toml.durable_objects?.bindings ?? [];
  const binding = bindings.find((b) => b.name === "REMOTE_STREAMS");
  if (!binding) throw new RemoteSubscriptionsUnsupported("wrangler.toml has no REMOTE_STREAMS Durable Object binding");
  if (binding.class_name !== "RemoteStream")
    throw new RemoteSubscriptionsUnsupported(`REMOTE_STREAMS is bound to ${binding.class_name}, not RemoteStream`);
}

/** The remote in a child process; resolves with its origin once it listens (bounded). */
async function startRemote() {
  const { child, base } = await spawnServer(join(BENCH, "remote-subs-upstream.mjs"), "the bench remote");
  const call = async (path, method = "GET", ms = 10_000) => {
    const res = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(ms) });
    if (!res.ok) throw new Error(`remote ${method} ${path}: ${res.status}`);
    return res.json();
  };
  return {
    child,
    base,
    stats: () => call("/__stats"),
    resetPeaks: () => call("/__peaks", "POST"),
    emit: (from, count, intervalMs) =>
      call(`/__emit?from=${from}&count=${count}&intervalMs=${intervalMs}`, "POST", count * intervalMs + 30_000),
    /** remote clock - this clock, in ms, from the quickest of 10 round trips. */
    async offset() {
      let best = { rtt: Number.POSITIVE_INFINITY, offset: 0 };
      for (let k = 0; k < 10; k++) {
        const before = clock();
        const { now } = await call("/__clock");
        const after = clock();
        if (after - before < best.rtt) best = { rtt: after - before, offset: now - (before + after) / 2 };
      }
      return { offsetMs: +best.offset.toFixed(3), rttMs: +best.rtt.toFixed(3) };
    },
  };
}

/** Open connections of the transport (SSE streams, WebSockets, or both for "direct") in the remote's stats. */
const connectionsOf = (stats, transport) =>
  transport === "sse"
    ? stats.sseConnections
    : transport === "graphql-ws"
      ? stats.wsSockets
      : stats.sseConnections + stats.wsSockets;

/**
 * One client's bookkeeping: its receipts of ticks 0..events-1 (latency in ms, NaN until received), ticks
 * after a later one (out of order), probes, duplicates, unexpected results and completion.
 */
function clientState(kind, events, offsetMs, totals) {
  const latency = new Float64Array(events).fill(Number.NaN);
  const state = {
    kind,
    latency,
    received: 0,
    highest: -1,
    outOfOrder: 0,
    probes: 0,
    duplicates: 0,
    unexpected: 0,
    completed: false,
    sample: null,
  };
  state.next = (result) => {
    const at = clock();
    const tick = result?.data?.ticks;
    if (!tick || typeof tick.n !== "number" || typeof tick.sentAt !== "number") {
      state.unexpected++;
      state.sample ??= JSON.stringify(result).slice(0, 300);
      return;
    }
    if (tick.n < 0) {
      state.probes++;
      return;
    }
    if (tick.n >= events) {
      state.unexpected++;
      return;
    }
    if (!Number.isNaN(latency[tick.n])) {
      state.duplicates++;
      return;
    }
    latency[tick.n] = at + offsetMs - tick.sentAt;
    if (tick.n < state.highest) state.outOfOrder++;
    else state.highest = tick.n;
    state.received++;
    totals.received++;
    if (totals.received === totals.expected) totals.done?.();
  };
  state.complete = () => {
    state.completed = true;
  };
  return state;
}

/** Opens `count` clients (first half graphql-ws, second half graphql-sse) of the gateway; bounded. */
async function openClients(url, count, events, offsetMs, totals, ms) {
  const clients = [];
  const deadline = performance.now() + ms;
  const wsCount = count / 2;
  const opened = await pool(count, 50, deadline, async (i) => {
    const kind = i < wsCount ? "ws" : "sse";
    const state = clientState(kind, events, offsetMs, totals);
    const sink = { query: REMOTE_SUBSCRIPTION, next: state.next, complete: state.complete };
    const client =
      kind === "ws"
        ? wsSubscriber(`${url.replace(/^http/, "ws")}/graphql`, i, undefined, () => undefined, sink)
        : sseSubscriber(`${url}/graphql`, i, undefined, () => undefined, sink);
    Object.assign(client, { state });
    clients.push(client);
    await within(client.ack, Math.max(1, deadline - performance.now()), `${kind} client ${i}`);
  });
  return { clients, errors: opened.errors };
}

/** The first error or completion any client has seen, or null. */
function firstTrouble(clients) {
  for (const c of clients) {
    if (c.sinkErrors.length) return `${c.kind} client: ${c.sinkErrors[0]}`;
    if (c.state.completed) return `${c.kind} client: the subscription completed`;
    if (c.state.sample) return `${c.kind} client: unexpected result ${c.state.sample}`;
  }
  return null;
}

/**
 * Probe ticks every 250 ms until every client has received one; resolves `{ ok, reached, ms, trouble }`.
 * Stops at the first client error or completion, or after `ms`.
 */
async function probeUntilSubscribed(remote, clients, ms) {
  const started = performance.now();
  let probe = -1;
  for (;;) {
    const reached = clients.filter((c) => c.state.probes > 0).length;
    const trouble = firstTrouble(clients);
    const elapsed = performance.now() - started;
    if (reached === clients.length || trouble || elapsed > ms)
      return { ok: reached === clients.length && !trouble, reached, ms: Math.round(elapsed), trouble };
    await remote.emit(probe--, 1, 0);
    await sleep(250);
  }
}

/** Polls the remote until `done(stats)` or `ms` pass; returns the last stats and whether it held. */
async function waitForRemote(remote, done, ms, every = 50) {
  const deadline = performance.now() + ms;
  let stats;
  for (;;) {
    stats = await remote.stats();
    if (done(stats)) return { ok: true, stats };
    if (performance.now() > deadline) return { ok: false, stats };
    await sleep(every);
  }
}

/** p50/p99/max of latencies (ms, 2 decimals), or nulls for none. */
function spread(values) {
  if (values.length === 0) return { p50: null, p99: null, max: null };
  const sorted = Float64Array.from(values).sort();
  const round = (v) => +v.toFixed(2);
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1)) };
}

/**
 * `GET /admin/realtime` summed over the shards (connections, subscriptions, remoteStreams, ...), or
 * `{ error }`; never throws.
 */
async function gatewayCounts(url) {
  try {
    const res = await fetch(`${url}/admin/realtime`, {
      headers: { "x-admin-secret": ADMIN_SECRET },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return { error: `${res.status} ${(await res.text()).slice(0, 200)}` };
    const sum = {};
    for (const shard of Object.values((await res.json()).shards ?? {}))
      for (const [key, value] of Object.entries(shard))
        if (typeof value === "number") sum[key] = (sum[key] ?? 0) + value;
    return sum;
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

/** Polls the gateway's shard counts until `done(counts)` or `ms` pass (every 100 ms). */
async function waitForGateway(url, done, ms) {
  const deadline = performance.now() + ms;
  for (;;) {
    const counts = await gatewayCounts(url);
    if (counts.error === undefined && done(counts)) return { ok: true, counts };
    if (performance.now() > deadline) return { ok: false, counts };
    await sleep(100);
  }
}

/** The gateway's GraphQL answer to `query` (POST /graphql), as text. */
async function gatewayQuery(url, query) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text() };
}

/**
 * One transport's run in a fresh workerd.
 * @returns the run's figures (see the module comment), or `{ transport, skipped }`
 */
async function runTransport({ script, remote, transport, clients: total, seconds, log }) {
  const events = seconds * EVENTS_PER_SECOND;
  const result = { transport, clients: total, ws: total / 2, sse: total / 2, events, seconds };
  const { offsetMs, rttMs } = await remote.offset();
  result.clock = { offsetMs, rttMs };
  // "direct": the clients subscribe to the remote itself (no gateway), the baseline of this machine.
  const direct = transport === DIRECT;
  const worker = direct
    ? { url: remote.base, pid: null, mf: { dispose: async () => undefined } }
    : await startWorker(
        script,
        {
          BENCH_CONFIG: JSON.stringify(gatewayConfig(remote.base, transport)),
          BENCH_SCHEMA_FILES: "[]",
          ADMIN_SECRET,
          EVENTS_SECRET: "bench-events",
        },
        { handleRuntimeStdio: quietRuntime },
      );
  let clients = [];
  try {
    // Warm-up and feature check: the gateway is built, and the remote's subscription field is in its schema.
    const probe = await gatewayQuery(worker.url, "{ __schema { subscriptionType { fields { name } } } }");
    let fields = [];
    try {
      fields = (JSON.parse(probe.text).data?.__schema?.subscriptionType?.fields ?? []).map((f) => f.name);
    } catch {
      // reported below with the answer's text
    }
    if (!fields.includes("ticks"))
      throw new RemoteSubscriptionsUnsupported(
        `the gateway's schema has no Subscription.ticks of the remote (answer ${probe.status}: ${probe.text.slice(0, 300)})`,
      );
    const before = await remote.stats();
    const totals = { received: 0, expected: total * events, done: null };
    const opening = performance.now();
    const opened = await openClients(worker.url, total, events, offsetMs, totals, 120_000);
    clients = opened.clients;
    result.openMs = Math.round(performance.now() - opening);
    result.openErrors = opened.errors.length;
    if (opened.errors.length) {
      result.skipped = `${opened.errors.length} clients did not open, first: ${opened.errors[0]}`;
      return result;
    }
    const subscribed = await probeUntilSubscribed(remote, clients, 60_000);
    result.subscribedMs = result.openMs + subscribed.ms;
    log(
      `remote subscriptions (${transport}): ${clients.length} clients open in ${result.openMs} ms, ${subscribed.reached} reached by a probe tick in ${subscribed.ms} ms`,
    );
    if (!subscribed.ok) {
      result.skipped = subscribed.trouble
        ? `a client failed before the run: ${subscribed.trouble}`
        : `only ${subscribed.reached} of ${total} clients received a probe tick within 60 s`;
      return result;
    }
    await sleep(500); // the last probes land
    if (!direct) result.gatewayAtStart = await gatewayCounts(worker.url);
    const start = await remote.resetPeaks();
    result.upstreamAtStart = { subscriptions: start.subscriptions, connections: connectionsOf(start, transport) };
    result.upstreamOpenedBeforeRun = start.subscriptionsOpened - before.subscriptionsOpened;
    // Measured window: from the first send to the last delivery (or 10 s after the last send).
    const allDelivered = new Promise((resolve) => {
      totals.done = resolve;
    });
    const cpu0 = direct ? 0 : cpuMs(worker.pid);
    const remoteCpu0 = cpuMs(remote.child.pid);
    const sent = await remote.emit(0, events, 1000 / EVENTS_PER_SECOND);
    const complete = await within(allDelivered, 10_000, "deliveries").then(
      () => true,
      () => false,
    );
    const cpu1 = direct ? 0 : cpuMs(worker.pid);
    const remoteCpu1 = cpuMs(remote.child.pid);
    const during = await remote.stats();
    result.allDelivered = complete;
    result.expectedDeliveries = totals.expected;
    result.delivered = totals.received;
    result.missing = totals.expected - totals.received;
    result.duplicates = clients.reduce((n, c) => n + c.state.duplicates, 0);
    result.unexpected = clients.reduce((n, c) => n + c.state.unexpected, 0);
    result.outOfOrder = clients.reduce((n, c) => n + c.state.outOfOrder, 0);
    result.clientsMissingSome = clients.filter((c) => c.state.received < events).length;
    const latencies = { all: [], ws: [], sse: [] };
    for (const c of clients) {
      for (const v of c.state.latency) {
        if (Number.isNaN(v)) continue;
        latencies.all.push(v);
        latencies[c.kind].push(v);
      }
    }
    result.latencyMs = spread(latencies.all);
    result.latencyMsWs = spread(latencies.ws);
    result.latencyMsSse = spread(latencies.sse);
    result.emitMs = +(sent.lastAt - sent.firstAt).toFixed(1);
    const perDelivery = (ms) => (totals.received ? +((ms * 1000) / totals.received).toFixed(1) : null);
    result.workerdCpuMs = direct ? null : +(cpu1 - cpu0).toFixed(1);
    result.cpuUsPerDelivery = direct ? null : perDelivery(cpu1 - cpu0);
    result.remoteCpuMs = +(remoteCpu1 - remoteCpu0).toFixed(1);
    result.remoteCpuUsPerDelivery = perDelivery(remoteCpu1 - remoteCpu0);
    result.upstreamPeak = {
      subscriptions: during.peak.subscriptions,
      connections: connectionsOf(during.peak, transport),
    };
    result.upstreamOpenedDuringRun = during.subscriptionsOpened - start.subscriptionsOpened;
    result.sinkErrors = clients.reduce((n, c) => n + c.sinkErrors.length, 0);
    if (result.sinkErrors) result.sinkErrorSample = firstTrouble(clients);
    log(`  ${summary(result)}`);
    // Every client leaves, the SSE ones first: local workerd tells the shard an SSE client went away only
    // at the next write to its stream (a keep-alive every 12 s; on Cloudflare the request's signal does),
    // so the time the shards take to notice is measured apart. Then the graphql-ws clients leave, and the
    // upstream subscription and its connection must close within 5 s of the last one.
    const sseLeaving = performance.now();
    await closeAll(clients.filter((c) => c.kind === "sse"));
    if (!direct) {
      const noticed = await waitForGateway(worker.url, (c) => c.streams === 0, CLOSE_WAIT_MS);
      result.sseDepartureNoticedMs = noticed.ok ? Math.round(performance.now() - sseLeaving) : null;
    }
    const leaving = clock();
    await closeAll(clients.filter((c) => c.kind === "ws"));
    clients = [];
    const closed = await waitForRemote(
      remote,
      (s) => s.subscriptions === 0 && s.sseConnections === 0 && s.wsSockets === 0,
      CLOSE_WAIT_MS,
    );
    result.upstreamClosed = closed.ok;
    result.closeMs = closed.ok ? Math.max(0, Math.round(closed.stats.lastClosedAt - offsetMs - leaving)) : null;
    result.afterClose = {
      subscriptions: closed.stats.subscriptions,
      connections: connectionsOf(closed.stats, transport),
    };
    if (!direct) result.gatewayAfterClose = await gatewayCounts(worker.url);
    log(
      `  SSE clients' departure noticed by the shards after ${result.sseDepartureNoticedMs ?? "–"} ms; after the last client left: upstream ${closed.ok ? `closed in ${result.closeMs} ms` : `still open after ${CLOSE_WAIT_MS / 1000} s (${JSON.stringify(result.afterClose)})`}${direct ? "" : `; the gateway's shards count ${JSON.stringify(result.gatewayAfterClose)} (before the run ${JSON.stringify(result.gatewayAtStart)})`}`,
    );
    if (!closed.ok) {
      // Diagnosis: does one more tick (a write to the closed client streams) make the gateway notice?
      const poked = clock();
      await remote.emit(-1_000_000, 1, 0);
      const after = await waitForRemote(
        remote,
        (s) => s.subscriptions === 0 && s.sseConnections === 0 && s.wsSockets === 0,
        10_000,
      );
      result.afterOneMoreTick = {
        closed: after.ok,
        ms: after.ok ? Math.max(0, Math.round(after.stats.lastClosedAt - offsetMs - poked)) : null,
        gateway: await gatewayCounts(worker.url),
      };
      log(`  after one more tick: ${JSON.stringify(result.afterOneMoreTick)}`);
    }
    return result;
  } finally {
    await closeAll(clients);
    await worker.mf.dispose();
  }
}

function summary(r) {
  return `${r.delivered}/${r.expectedDeliveries} delivered (${r.missing} missing), latency p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} max ${r.latencyMs.max} ms, workerd ${r.cpuUsPerDelivery} µs CPU per delivery, upstream peak ${JSON.stringify(r.upstreamPeak)}, opened during the run ${r.upstreamOpenedDuringRun}`;
}

/**
 * Runs the remote-subscriptions section.
 * @param {object} options
 * @param {boolean} options.quick - 200 clients and 3 s of ticks (a smoke run); else 1,000 clients and 10 s
 * @param {string[]} [options.transports] - which of {@link TRANSPORTS} to run (default both)
 * @param {(line: string) => void} options.log - progress lines (stderr)
 * @returns the `remoteSubscriptions` object of bench/results/latest.json: `{ runs, errors, failures, ... }`
 */
export async function runRemoteSubscriptions({ quick, transports = TRANSPORTS, log }) {
  const clients = quick ? 200 : 1_000;
  const seconds = quick ? 3 : 10;
  const out = {
    subscription: REMOTE_SUBSCRIPTION,
    share: "all",
    clients,
    eventsPerSecond: EVENTS_PER_SECOND,
    seconds,
    runs: [],
    errors: [],
    failures: [],
  };
  const script = join(ROOT, "dist/bench/realtime.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(BENCH, "realtime-worker.ts")], outfile: script });
  const remote = await startRemote();
  try {
    for (const transport of transports) {
      try {
        if (transport !== DIRECT) checkBinding();
        out.runs.push(await runTransport({ script, remote, transport, clients, seconds, log }));
      } catch (error) {
        const unsupported = error instanceof RemoteSubscriptionsUnsupported;
        out.errors.push(unsupported ? error.message : `${transport}: ${error.stack ?? error}`);
        log(out.errors.at(-1));
        if (unsupported) {
          out.unsupported = true;
          break;
        }
      }
    }
    out.failures = failures(out);
    return out;
  } finally {
    remote.child.kill("SIGTERM");
  }
}

/** What in the results falls short of the contract (every tick to every client, one upstream, close in 5 s). */
function failures(out) {
  const found = [];
  for (const r of out.runs) {
    const where = `${r.transport}`;
    if (r.skipped) {
      found.push(`${where}: ${r.skipped}`);
      continue;
    }
    if (r.delivered !== r.expectedDeliveries)
      found.push(
        `${where}: ${r.delivered} of ${r.expectedDeliveries} deliveries (${r.clientsMissingSome} clients missed some)`,
      );
    if (r.duplicates) found.push(`${where}: ${r.duplicates} ticks delivered twice`);
    if (r.outOfOrder) found.push(`${where}: ${r.outOfOrder} ticks delivered after a later one`);
    if (r.unexpected) found.push(`${where}: ${r.unexpected} unexpected results`);
    if (r.sinkErrors) found.push(`${where}: ${r.sinkErrors} client errors (${r.sinkErrorSample})`);
    if (r.transport === DIRECT) {
      if (!r.upstreamClosed)
        found.push(`${where}: the remote still counts ${JSON.stringify(r.afterClose)} after the clients left`);
      continue;
    }
    if (r.upstreamAtStart.subscriptions !== 1 || r.upstreamAtStart.connections !== 1)
      found.push(`${where}: the remote counted ${JSON.stringify(r.upstreamAtStart)} upstream at the start, not 1`);
    if (r.upstreamPeak.subscriptions !== 1 || r.upstreamPeak.connections !== 1)
      found.push(`${where}: the remote counted up to ${JSON.stringify(r.upstreamPeak)} upstream during the run`);
    if (r.upstreamOpenedDuringRun)
      found.push(`${where}: ${r.upstreamOpenedDuringRun} upstream subscriptions opened during the run`);
    if (!r.upstreamClosed)
      found.push(`${where}: the upstream stayed open after the last client left (${JSON.stringify(r.afterClose)})`);
    else if (r.closeMs > CLOSE_WITHIN_MS)
      found.push(`${where}: the upstream closed ${r.closeMs} ms after the last client left (> 5 s)`);
  }
  return found;
}

/** The remote-subscriptions results as a markdown table. */
export function remoteSubsTables(rs) {
  if (!rs) return "";
  const lines = [
    `\n**Remote subscriptions: one remote subscription shared by ${rs.clients} clients (${rs.clients / 2} graphql-ws, ${rs.clients / 2} graphql-sse; share "all"), the remote sending ${rs.eventsPerSecond} ticks/s for ${rs.seconds} s**\n`,
  ];
  lines.push(
    "| upstream transport | delivered / expected | missing | latency ms p50 / p99 / max | graphql-ws clients p50 / p99 | graphql-sse clients p50 / p99 | CPU µs per delivery: workerd / remote | upstream subscriptions / connections (start, peak) | opened during run | upstream closed after the last client left (SSE departures noticed after) |",
  );
  lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rs.runs) {
    const label = r.transport === DIRECT ? "direct (no gateway)" : r.transport;
    if (r.skipped) {
      lines.push(`| ${label} | – | – | – | – | – | – | – | – | ${r.skipped} |`);
      continue;
    }
    const l = r.latencyMs;
    lines.push(
      `| ${label} | ${r.delivered} / ${r.expectedDeliveries} | ${r.missing} | ${l.p50} / ${l.p99} / ${l.max} | ${r.latencyMsWs.p50} / ${r.latencyMsWs.p99} | ${r.latencyMsSse.p50} / ${r.latencyMsSse.p99} | ${r.cpuUsPerDelivery ?? "–"} / ${r.remoteCpuUsPerDelivery} | ${r.upstreamAtStart.subscriptions} / ${r.upstreamAtStart.connections}, ${r.upstreamPeak.subscriptions} / ${r.upstreamPeak.connections} | ${r.upstreamOpenedDuringRun} | ${r.upstreamClosed ? `${r.closeMs} ms` : "no"}${r.transport === DIRECT ? "" : ` (${r.sseDepartureNoticedMs === null ? "never" : `${r.sseDepartureNoticedMs} ms`})`} |`,
    );
  }
  const opened = rs.runs
    .filter((r) => !r.skipped)
    .map(
      (r) =>
        `${r.transport}: clients open in ${r.openMs} ms, all subscribed after ${r.subscribedMs} ms, clock offset to the remote ${r.clock.offsetMs} ms (round trip ${r.clock.rttMs} ms), remote CPU ${r.remoteCpuMs} ms over the run`,
    );
  if (opened.length) lines.push(`\n${opened.join("; ")}.`);
  for (const failure of rs.failures ?? []) lines.push(`- remote subscriptions failure: ${failure}`);
  for (const error of rs.errors ?? []) lines.push(`- remote subscriptions error: ${error.split("\n")[0]}`);
  return lines.join("\n");
}
