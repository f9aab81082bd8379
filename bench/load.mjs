/**
 * The load run of `npm run bench` (bench/run.mjs calls {@link loadRun}; `npm run bench:load` runs it
 * alone): Junction only, 60 s (`--quick`: 10 s), a unique `x-bench-request` header on every request,
 * against two remotes of which one fails 5% of its calls (bench/upstreams.mjs `/products/flaky/graphql`:
 * every 20th call a 503 or a connection reset).
 *
 * Every response is checked: either the full body (byte for byte what the `mono` upstream answers), or
 * the partial body (the failing remote's `topProducts` null, `user` intact, and one error at
 * `["topProducts"]` with an `UPSTREAM_*` code and `serviceName: "products"`); anything else is wrong.
 * No request may be lost (autocannon's errors and timeouts are 0), and workerd's resident memory (VmRSS,
 * sampled every second) must stay flat. workerd under Miniflare grows its RSS under load even for a Worker
 * that only forwards bytes, in proportion to the HTTP exchanges it handles (client requests and upstream
 * calls), so "flat" is judged against that control, run the same way right before: the gateway may not
 * grow more per HTTP exchange than the forwarder does (see {@link memoryFlat}).
 */
import { rssMiB } from "./lib.mjs";
import { UNIQUE_HEADER } from "./scenarios.mjs";

/** The client query: one field from each remote. */
export const LOAD_QUERY = '{ user(id: "u1") { id username name } topProducts { upc name price } }';

/** The remote whose upstream fails 5% of calls. */
const FLAKY_REMOTE = "products";

/**
 * The gateway config of the load run: accounts as usual, products through the flaky endpoint.
 * @param {string} base - the upstreams' base URL
 */
export function loadConfig(base) {
  const remote = (name, path) => ({
    name,
    url: `${base}${path}`,
    gatewayToken: false,
    forwardClientHeaders: [UNIQUE_HEADER],
  });
  return {
    remotes: [remote("accounts", "/accounts/graphql"), remote(FLAKY_REMOTE, `/${FLAKY_REMOTE}/flaky/graphql`)],
    graphiql: false,
  };
}

/**
 * Sorts one response: "full", "partial" or "wrong".
 * @param {number} status - HTTP status
 * @param {string} body - the body as text
 * @param {string} full - the expected full body
 * @param {unknown} user - the expected `data.user`
 */
export function classify(status, body, full, user) {
  if (status !== 200) return "wrong";
  if (body === full) return "full";
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "wrong";
  }
  const errors = parsed.errors ?? [];
  const error = errors[0];
  const partial =
    parsed.data?.topProducts === null &&
    JSON.stringify(parsed.data?.user) === JSON.stringify(user) &&
    errors.length === 1 &&
    JSON.stringify(error.path) === '["topProducts"]' &&
    typeof error.extensions?.code === "string" &&
    error.extensions.code.startsWith("UPSTREAM_") &&
    error.extensions.serviceName === FLAKY_REMOTE;
  return partial ? "partial" : "wrong";
}

const mean = (values) => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
const round1 = (value) => (value === null ? null : +value.toFixed(1));

/**
 * Runs the load against a started gateway.
 * @param {object} options
 * @param {Function} options.autocannon - the autocannon function
 * @param {string} options.url - the gateway's /graphql URL
 * @param {number} options.pid - workerd's process id (memory samples)
 * @param {string} options.base - the upstreams' base URL (expected body, failure count)
 * @param {number} options.warmupSeconds - how long to load before measuring (answers checked too)
 * @param {number} options.seconds - how long to measure
 * @param {number} options.connections - concurrent connections
 * @param {number} options.maxRequests - upper bound of requests
 * @returns the figures: requests, rps, p50/p99, full/partial/wrong, lost, memory
 */
export async function loadRun({ autocannon, url, pid, base, warmupSeconds, seconds, connections, maxRequests }) {
  const body = JSON.stringify({ query: LOAD_QUERY });
  const headers = { "content-type": "application/json", accept: "application/json" };
  const full = await (
    await fetch(`${base}/mono/graphql`, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) })
  ).text();
  const user = JSON.parse(full).data.user;
  // The first request loads the schema (cold start); the run measures a warm gateway.
  const first = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
  const firstText = await first.text();
  if (classify(first.status, firstText, full, user) === "wrong") {
    throw new Error(`load run: the gateway's first answer is wrong: ${first.status} ${firstText.slice(0, 300)}`);
  }
  const wrongExamples = [];
  let counter = 0;
  /** Load for `duration` s, every answer sorted into `counts`. */
  const hammer = (duration, counts) =>
    autocannon({
      url,
      method: "POST",
      headers,
      body,
      connections,
      duration,
      maxOverallRequests: maxRequests,
      timeout: 10,
      requests: [
        {
          method: "POST",
          body,
          setupRequest: (request) => ({ ...request, headers: { ...headers, [UNIQUE_HEADER]: `load-${++counter}` } }),
          onResponse: (status, responseBody) => {
            const kind = classify(status, String(responseBody), full, user);
            counts[kind]++;
            if (kind === "wrong" && wrongExamples.length < 3) {
              wrongExamples.push(`${status} ${String(responseBody).slice(0, 300)}`);
            }
          },
        },
      ],
    });
  // Warm-up (answers checked too): the isolate's heap grows to its working size in the first seconds.
  const warmup = { full: 0, partial: 0, wrong: 0 };
  const warm = await hammer(warmupSeconds, warmup);
  warmup.lost = warm.errors + warm.timeouts;

  const before = await (await fetch(`${base}/__stats`)).json();
  const samples = [];
  const sampler = setInterval(() => {
    const rss = rssMiB(pid);
    if (rss !== null) samples.push(rss);
  }, 1000);
  const counts = { full: 0, partial: 0, wrong: 0 };
  let result;
  try {
    const initial = rssMiB(pid);
    if (initial !== null) samples.push(initial);
    result = await hammer(seconds, counts);
  } finally {
    clearInterval(sampler);
  }
  const after = await (await fetch(`${base}/__stats`)).json();
  const upstreamCalls = after.total - before.total;
  const answered = counts.full + counts.partial + counts.wrong;
  const window = Math.max(1, Math.min(10, Math.floor(samples.length / 3)));
  const figures = {
    warmupSeconds,
    warmup,
    seconds,
    connections,
    sent: result.requests.sent,
    answered,
    // Requests still in flight when the clock stopped: autocannon closes their connections unanswered.
    inFlightAtStop: result.requests.sent - answered,
    lost: result.errors + result.timeouts,
    errors: result.errors,
    timeouts: result.timeouts,
    rps: +(answered / result.duration).toFixed(0),
    p50: result.latency.p50,
    p99: result.latency.p99,
    full: counts.full,
    partial: counts.partial,
    wrong: counts.wrong,
    wrongExamples,
    upstreamFailuresInjected: after.failed - before.failed,
    upstreamCallsPerRequest: answered === 0 ? null : +(upstreamCalls / answered).toFixed(2),
    memoryMiB: {
      window,
      start: round1(mean(samples.slice(0, window))),
      end: round1(mean(samples.slice(-window))),
      max: round1(Math.max(...samples)),
      perSecond: samples.map(round1),
    },
  };
  const { start, end } = figures.memoryMiB;
  // HTTP exchanges of workerd: the client's requests and the Worker's upstream calls.
  const exchanges = answered + upstreamCalls;
  const growth = (per) =>
    start === null || end === null || per === 0 ? null : +(((end - start) * 1024) / per).toFixed(2);
  figures.memoryMiB.growthKiBPerRequest = growth(answered);
  figures.memoryMiB.growthKiBPerExchange = growth(exchanges);
  return figures;
}

/**
 * Whether the gateway's memory stayed flat: its RSS grew by no more per HTTP exchange (client request or
 * upstream call) than the forwarder's (the runtime's own growth under the same load), with 25% (at least
 * 0.5 KiB) of slack. A gateway keeping anything per request would grow faster than the runtime does.
 * @param load - the gateway's figures
 * @param control - the forwarder's figures
 */
export function memoryFlat(load, control) {
  const ours = load.memoryMiB.growthKiBPerExchange;
  const base = control?.memoryMiB.growthKiBPerExchange;
  if (ours === null || base === null || base === undefined) return false;
  return ours <= Math.max(0.5, base * 1.25);
}

/** Shorter runs (`--quick`) report memory but do not judge it: the heap is still growing to its working size. */
const MEMORY_JUDGED_FROM_S = 30;

/**
 * Whether the load run met its bar: nothing lost or wrong, coded partial answers seen, memory flat (runs
 * of at least 30 s).
 */
export function loadPassed(load, control) {
  const clean = (run) =>
    run.lost === 0 &&
    run.wrong === 0 &&
    run.inFlightAtStop <= run.connections &&
    run.warmup.lost === 0 &&
    run.warmup.wrong === 0;
  const memoryOk = load.seconds < MEMORY_JUDGED_FROM_S || memoryFlat(load, control);
  // Failures must have been injected; whether they surface as coded partial answers or are absorbed by
  // the upstream `retry` plugin (queries are retried on 503 and resets), every answer must be right.
  return clean(load) && clean(control) && load.upstreamFailuresInjected > 0 && memoryOk;
}

/**
 * The load run as a markdown table: the gateway's row and the forwarder's control row.
 * @param load - the gateway's figures
 * @param control - the forwarder's figures
 */
export function loadTable(load, control) {
  const row = (name, run) => {
    const m = run.memoryMiB;
    return `| ${name} | ${run.sent} | ${run.answered} | ${run.inFlightAtStop} | ${run.lost} | ${run.rps} | ${run.p50} | ${run.p99} | ${run.full} | ${run.partial} | ${run.wrong} | ${run.upstreamFailuresInjected} | ${run.upstreamCallsPerRequest} | ${m.start} / ${m.end} / ${m.max} | ${m.growthKiBPerRequest} / ${m.growthKiBPerExchange} |`;
  };
  const flat = memoryFlat(load, control);
  const memory =
    load.seconds < MEMORY_JUDGED_FROM_S
      ? `memory not judged (runs under ${MEMORY_JUDGED_FROM_S} s)`
      : `memory ${flat ? "flat" : "NOT flat"} (growth per HTTP exchange ${flat ? "within" : "above"} the forwarder's)`;
  const examples = [...load.wrongExamples, ...control.wrongExamples];
  return [
    `\n**Load: ${load.seconds} s after ${load.warmupSeconds} s of warm-up, ${load.connections} connections, unique headers; the products upstream fails 5% of calls (503 or reset)**\n`,
    `| system | sent | answered | in flight at stop | lost | req/s | p50 ms | p99 ms | full | partial (coded) | wrong | upstream failures injected | upstream calls/req | RSS MiB first ${load.memoryMiB.window} s / last ${load.memoryMiB.window} s / max | RSS growth KiB per request / per HTTP exchange |`,
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    row("ours", load),
    row("forwarder (control, no failures)", control),
    `\n${loadPassed(load, control) ? "Load run passed" : "LOAD RUN FAILED"}: lost ${load.lost}, wrong ${load.wrong}; ${memory}.${examples.length ? ` Wrong answers, e.g.: ${examples.join(" | ")}` : ""}`,
  ].join("\n");
}
