/**
 * `npm run bench`: the same scenarios (bench/scenarios.mjs) four ways in one run, on this machine:
 * (a) client to the upstream directly, (b) through a Worker that only forwards bytes, (c) through
 * Junction, (d) through Hive Gateway, (b)-(d) in workerd through Miniflare's Node API (never
 * `wrangler dev`). Upstreams: bench/upstreams.mjs (pre-serialized answers). Load: autocannon, bounded in
 * time and count; every response is compared with the expected body (a 200 with errors is a failure),
 * except in HE, whose expected answer is partial: there the data must be the same JSON text and the errors
 * the same (path, message) pairs (scenarios.mjs checkerOf). A system whose first answer is wrong is not
 * measured, unless only its errors are wrong: then it is, and every wrong answer counts as a failure.
 *
 * Measures per scenario and system: requests/s, p50/p99 latency, CPU ms per request of the workerd
 * process (/proc, user+sys over the run / requests), the upstream's CPU, upstream calls per request
 * (under load, and of one request alone), peak memory (VmHWM). Then issue 16's targets, each met or
 * missed (bench/targets.mjs; `targets` in latest.json). Plus: cold start (fresh workerd, first response with and without the schema in
 * KV) for 200- and 1,500-type remotes, and the bundle size (`wrangler deploy --dry-run --minify`, gzip).
 * Then the load run (bench/load.mjs): Junction for 60 s with unique headers while one upstream fails 5% of
 * calls; every answer must be full or a coded partial error, no request lost, memory flat (exit code 1
 * otherwise). Then the realtime section (bench/realtime.mjs): 1,000 subscribers of one topic (500
 * graphql-ws, 500 graphql-sse) and one publish, with 16 shards and with 1: deliveries, exact bytes, ms to
 * the last delivery, workerd CPU per delivery, REST calls per event for a key-only payload; then idle
 * graphql-ws sockets in steps up to 10,000: workerd and Node memory per socket. Then the remote
 * subscriptions section (bench/remote-subs.mjs): 1,000 clients on one subscription of a graphql-yoga remote
 * shared upstream (share "all", over SSE and over graphql-ws), the remote sending 10 ticks/s: latency from the
 * remote's send to each client, deliveries, workerd CPU per delivery, upstream connections (must stay 1),
 * time to close the upstream after the last client left. Then the files section
 * (bench/files.mjs): uploads of 1, 10 and 100 MB through the gateway into Miniflare's local R2 and downloads
 * back, MB/s and workerd's VmHWM, against a bare Worker on the same binding. Writes
 * bench/results/latest.json (the realtime figures under `realtime`, the remote subscriptions' under
 * `remoteSubscriptions`, the files figures under `files`) and
 * prints markdown tables.
 *
 * Usage: npm run bench [-- --quick] [-- --scenarios S,L] [-- --systems ours,ours-cached,hive] [-- --connections N]
 *   [-- --no-load | --load-only] [-- --load-seconds N] [-- --no-realtime | --realtime-only]
 *   [-- --no-files | --files-only] [-- --no-remote-subs | --remote-subs-only]
 *   [-- --remote-subs-transports direct,sse,graphql-ws]
 *   default: 5 s warm-up and 20 s measured per cell, 60 s load run; --quick: 1 s and 2 s, 10 s load run
 *   (a smoke run of about 2 min); --load-only (`npm run bench:load`): the load run alone;
 *   --realtime-only (`npm run bench:realtime`, which also raises the open-file limit to the hard one for the
 *   idle sockets): the realtime section alone, written into latest.json's `realtime` key (the rest of the
 *   file is kept); with --quick it runs 200 subscribers and idle steps of 500 and 1,000;
 *   the remote subscriptions section runs after the realtime one, also with --realtime-only (into
 *   `remoteSubscriptions`; --no-remote-subs skips it); --remote-subs-only (`npm run bench:remote-subs`) runs it alone, written into
 *   latest.json's `remoteSubscriptions` key (the rest kept); with --quick 200 clients and 3 s of ticks;
 *   --files-only (`npm run bench:files`): the files section alone, written into latest.json's `files` key
 *   (the rest kept); with --quick 1 MB and 10 MB only.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { breakdownTable, bundleBreakdown } from "./bundle.mjs";
import { coldStart } from "./cold.mjs";
import { filesTables, runFiles } from "./files.mjs";
import { bundleSize, cpuMs, peakMiB, spawnServer, startWorker } from "./lib.mjs";
import { loadConfig, loadPassed, loadRun, loadTable } from "./load.mjs";
import { realtimeTables, runRealtime } from "./realtime.mjs";
import { remoteSubsTables, runRemoteSubscriptions, TRANSPORTS } from "./remote-subs.mjs";
import { checkerOf, requestOf, SCENARIOS, UNIQUE_HEADER } from "./scenarios.mjs";
import { buildBundles, expectedAnswer, loadScenario, startSystem } from "./systems.mjs";
import { targetRows, targetsTable } from "./targets.mjs";

const BENCH = new URL(".", import.meta.url).pathname;
const ROOT = join(BENCH, "..");
const argv = process.argv.slice(2);
const option = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes("--quick");
const WARMUP_S = quick ? 1 : 5;
const MEASURE_S = quick ? 2 : 20;
const CONNECTIONS = Number(option("--connections") ?? 20);
/** Upper bound of requests per measured cell, so a run stops by itself even on a very fast machine. */
const MAX_REQUESTS = 2_000_000;
const loadOnly = argv.includes("--load-only");
const realtimeOnly = argv.includes("--realtime-only");
const filesOnly = argv.includes("--files-only");
const remoteSubsOnly = argv.includes("--remote-subs-only");
const withRealtime = realtimeOnly || (!loadOnly && !filesOnly && !remoteSubsOnly && !argv.includes("--no-realtime"));
const withRemoteSubs = remoteSubsOnly || (!loadOnly && !filesOnly && !argv.includes("--no-remote-subs"));
const remoteSubsTransports = (option("--remote-subs-transports") ?? TRANSPORTS.join(",")).split(",");
const withFiles = filesOnly || (!loadOnly && !realtimeOnly && !remoteSubsOnly && !argv.includes("--no-files"));
const log = (line) => process.stderr.write(`${line}\n`);
const LOAD_S = Number(option("--load-seconds") ?? (quick ? 10 : 60));
const scenarios =
  loadOnly || realtimeOnly || filesOnly || remoteSubsOnly
    ? []
    : SCENARIOS.filter((s) =>
        (option("--scenarios") ?? SCENARIOS.map((s) => s.id).join(",")).split(",").includes(s.id),
      );
const systems =
  loadOnly || realtimeOnly || filesOnly || remoteSubsOnly
    ? []
    : (option("--systems") ?? "direct,forwarder,ours,ours-cached,hive").split(",");
/** The scenarios "ours-cached" (the response cache on, every answer a hit after the first) runs. */
const CACHED_SCENARIOS = ["S", "H"];
const withLoad = loadOnly || (!realtimeOnly && !filesOnly && !remoteSubsOnly && !argv.includes("--no-load"));

/** The bench's own dependencies (autocannon, Hive Gateway) live in bench/package.json. */
function benchRequire() {
  if (!existsSync(join(BENCH, "node_modules", "autocannon"))) {
    console.error("installing bench/ dependencies (npm ci --prefix bench)");
    execFileSync("npm", ["ci", "--prefix", BENCH, "--no-audit", "--no-fund"], { stdio: "inherit" });
  }
}

async function startUpstreams() {
  const { child, base } = await spawnServer(join(BENCH, "upstreams.mjs"), "bench upstreams");
  return {
    child,
    base,
    async stats() {
      return (await fetch(`${base}/__stats`)).json();
    },
    /** Upstream calls caused by these client requests (their `x-bench-request` values). */
    async callsOf(ids) {
      return (await fetch(`${base}/__calls`, { method: "POST", body: JSON.stringify(ids) })).json();
    },
    /**
     * Resolves once no upstream call has arrived for 200 ms (at most 10 s): requests a load run left in
     * flight have finished their upstream calls.
     */
    async idle() {
      let last = -1;
      for (let waited = 0; waited < 10_000; waited += 200) {
        const { total } = await this.stats();
        if (total === last) return;
        last = total;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}

/** The expected answer of every selected scenario (the `mono` upstream's) and its checker. */
async function expectedBodies(base) {
  const out = {};
  for (const scenario of scenarios) {
    const body = await expectedAnswer(base, scenario);
    out[scenario.id] = { body, check: checkerOf(scenario, body) };
  }
  return out;
}

async function measureSystem(system, target, upstreams, autocannon, expected) {
  const cells = [];
  for (const scenario of scenarios) {
    // The response cache is measured where the issue asks (a small query, Hive's query): hits only.
    if (system === "ours-cached" && !CACHED_SCENARIOS.includes(scenario.id)) continue;
    if (system === "hive" && !scenario.hive) {
      cells.push({
        scenario: scenario.id,
        system,
        skipped: "Hive Gateway serves REST only through a GraphQL Mesh source",
      });
      continue;
    }
    const { body, headers } = requestOf(scenario);
    const { body: expectedBody, check } = expected[scenario.id];
    const answer = await fetch(target.url, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
    const first = await answer.text();
    // A wrong answer is not measured, unless only its errors are wrong (the data right): then the cell
    // runs, every answer counts as a failure, and the reason is kept (`wrongAnswer`).
    const wrong = check(answer.status, first) ? "" : check.explain(answer.status, first);
    if (wrong && !wrong.startsWith("errors:")) {
      cells.push({ scenario: scenario.id, system, skipped: `wrong answer: ${wrong}` });
      continue;
    }
    // Upstream calls of one request alone (the first one may have loaded the schemas).
    const alone0 = await upstreams.stats();
    await (
      await fetch(target.url, {
        method: "POST",
        headers: { ...headers, [UNIQUE_HEADER]: "alone" },
        body,
        signal: AbortSignal.timeout(30_000),
      })
    ).text();
    const callsAlone = (await upstreams.stats()).total - alone0.total;
    const load = (unique, seconds) =>
      loadScenario(autocannon, {
        url: target.url,
        scenario,
        expected: expectedBody,
        check,
        unique,
        seconds,
        connections: CONNECTIONS,
        maxRequests: MAX_REQUESTS,
      });
    for (const unique of [false, true]) {
      await load(unique, WARMUP_S);
      await upstreams.idle();
      await fetch(`${upstreams.base}/__reset`, { method: "POST" });
      const before = await upstreams.stats();
      const cpu0 = target.pid ? cpuMs(target.pid) : null;
      const up0 = cpuMs(upstreams.child.pid);
      const result = await load(unique, MEASURE_S);
      const cpu1 = target.pid ? cpuMs(target.pid) : null;
      const up1 = cpuMs(upstreams.child.pid);
      await upstreams.idle();
      const after = await upstreams.stats();
      // Calls per request: with unique headers, exactly those of the answered requests; else every call
      // of the run over every request sent (requests left in flight at the stop made calls too).
      const calls = unique
        ? (await upstreams.callsOf(result.answeredIds)).calls / Math.max(1, result.answeredIds.length)
        : (after.total - before.total) / Math.max(1, result.requests.sent);
      const requests = result.requests.total;
      const failures = result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0);
      cells.push({
        scenario: scenario.id,
        system,
        headers: unique ? "unique" : "identical",
        requests,
        rps: +(requests / result.duration).toFixed(0),
        p50: result.latency.p50,
        p99: result.latency.p99,
        cpuMsPerRequest: cpu0 === null ? null : +((cpu1 - cpu0) / requests).toFixed(3),
        upstreamCpuMsPerRequest: +((up1 - up0) / requests).toFixed(3),
        upstreamCallsPerRequest: +calls.toFixed(2),
        upstreamCallsAlone: callsAlone,
        failures,
        ...(wrong ? { wrongAnswer: wrong } : {}),
      });
      process.stderr.write(
        `${scenario.id} ${unique ? "unique   " : "identical"} ${system.padEnd(9)} ${String(cells.at(-1).rps).padStart(6)} rps  cpu ${cells.at(-1).cpuMsPerRequest} ms  failures ${failures}\n`,
      );
    }
  }
  return cells;
}

function versionOf(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function table(results) {
  const lines = [];
  const ratio = (a, b) =>
    a === null || b === null || b === 0 || a === undefined || b === undefined ? "–" : (a / b).toFixed(2);
  for (const scenario of scenarios) {
    for (const headers of ["identical", "unique"]) {
      const rows = results.cells.filter((c) => c.scenario === scenario.id && (c.headers === headers || c.skipped));
      if (rows.length === 0) continue;
      lines.push(`\n**${scenario.id}: ${scenario.title}, ${headers} headers**\n`);
      lines.push(
        "| system | req/s | p50 ms | p99 ms | CPU ms/req | upstream CPU ms/req | upstream calls/req | failures |",
      );
      lines.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
      for (const c of rows) {
        if (c.skipped) {
          if (headers === "identical") lines.push(`| ${c.system} | – | – | – | – | – | – | ${c.skipped} |`);
          continue;
        }
        lines.push(
          `| ${c.system} | ${c.rps} | ${c.p50} | ${c.p99} | ${c.cpuMsPerRequest ?? "–"} | ${c.upstreamCpuMsPerRequest} | ${c.upstreamCallsPerRequest} | ${c.failures}${c.wrongAnswer ? ` (${c.wrongAnswer.slice(0, 200)})` : ""} |`,
        );
      }
      const find = (system) => rows.find((c) => c.system === system && !c.skipped);
      const ours = find("ours");
      lines.push(
        `\nours/forwarder: req/s ${ratio(ours?.rps, find("forwarder")?.rps)}, CPU ${ratio(ours?.cpuMsPerRequest, find("forwarder")?.cpuMsPerRequest)}; ours/Hive: req/s ${ratio(ours?.rps, find("hive")?.rps)}, CPU ${ratio(ours?.cpuMsPerRequest, find("hive")?.cpuMsPerRequest)}`,
      );
    }
  }
  if (results.load) lines.push(loadTable(results.load, results.loadControl));
  if (results.coldStart.length === 0) return lines.join("\n");
  lines.push("\n| cold start (fresh workerd, first response) | without KV | with the schema in KV |");
  lines.push("| --- | --- | --- |");
  for (const c of results.coldStart)
    lines.push(`| remote of ${c.types} types | ${c.withoutKvMs} ms | ${c.withKvMs} ms |`);
  lines.push(
    `\nBundle (wrangler deploy --dry-run --minify): ${results.bundle.gzipKiB} KiB gzip (${results.bundle.bytes} bytes raw).`,
  );
  if (results.bundleBreakdown)
    lines.push(`\nWhat is bundled (npm run bench:bundle):\n\n${breakdownTable(results.bundleBreakdown, 15)}`);
  lines.push(
    `Machine: ${results.machine.cores} cores, ${results.machine.cpu}, Node ${results.machine.node}; ${results.settings.connections} connections, ${results.settings.warmupS} s warm-up + ${results.settings.measureS} s per cell.`,
  );
  return lines.join("\n");
}

const machine = () => ({ cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version });

/** The remote subscriptions section, stamped like the others. */
const remoteSubscriptions = async () => ({
  date: new Date().toISOString(),
  machine: machine(),
  quick,
  ...(await runRemoteSubscriptions({ quick, transports: remoteSubsTransports, log })),
});
const remoteSubsFailed = (rs) => rs.errors.length > 0 || rs.failures.length > 0;

if (realtimeOnly || remoteSubsOnly) {
  // The realtime and/or remote subscriptions sections alone: no autocannon, no upstreams; the other
  // results in latest.json are kept.
  const results = {};
  if (realtimeOnly)
    results.realtime = {
      date: new Date().toISOString(),
      machine: machine(),
      quick,
      ...(await runRealtime({ quick, log })),
    };
  if (withRemoteSubs) results.remoteSubscriptions = await remoteSubscriptions();
  const path = join(BENCH, "results", "latest.json");
  const previous = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  mkdirSync(join(BENCH, "results"), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...previous, ...results }, null, 2)}\n`);
  if (results.realtime) console.log(realtimeTables(results.realtime));
  if (results.remoteSubscriptions) console.log(remoteSubsTables(results.remoteSubscriptions));
  const realtimeFailed = results.realtime && (results.realtime.errors.length || results.realtime.failures.length);
  process.exit(
    realtimeFailed || (results.remoteSubscriptions && remoteSubsFailed(results.remoteSubscriptions)) ? 1 : 0,
  );
}

if (filesOnly) {
  // The files section alone: no autocannon, no upstreams; the other results in latest.json are kept.
  const files = { date: new Date().toISOString(), machine: machine(), quick, ...(await runFiles({ quick, log })) };
  const path = join(BENCH, "results", "latest.json");
  const previous = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  mkdirSync(join(BENCH, "results"), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ ...previous, files }, null, 2)}\n`);
  console.log(filesTables(files));
  process.exit(files.errors.length ? 1 : 0);
}

benchRequire();
const autocannon = (await import("autocannon")).default;
const upstreams = await startUpstreams();
const running = [];
try {
  const expected = await expectedBodies(upstreams.base);
  const scripts = await buildBundles();
  const results = {
    date: new Date().toISOString(),
    machine: machine(),
    versions: {
      junction: JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version,
      "graphql-yoga": versionOf(ROOT, "graphql-yoga"),
      "@graphql-tools/stitch": versionOf(ROOT, "@graphql-tools/stitch"),
      miniflare: versionOf(ROOT, "miniflare"),
      "@graphql-hive/gateway-runtime": versionOf(BENCH, "@graphql-hive/gateway-runtime"),
      autocannon: versionOf(BENCH, "autocannon"),
    },
    settings: { quick, connections: CONNECTIONS, warmupS: WARMUP_S, measureS: MEASURE_S, loadS: withLoad ? LOAD_S : 0 },
    bundle: loadOnly ? null : bundleSize(),
    // What is bundled, from esbuild's metafile (the 40 largest files; every package).
    bundleBreakdown: loadOnly ? null : await bundleBreakdown().then((b) => ({ ...b, files: b.files.slice(0, 40) })),
    coldStart: [],
    cells: [],
    notes: [],
  };
  for (const system of systems) {
    if (system === "hive" && scripts.hive === null) {
      results.notes.push(`Hive Gateway could not be bundled for workerd: ${scripts.hiveError}`);
      continue;
    }
    let target;
    try {
      target = await startSystem(system, scripts, upstreams.base);
    } catch (error) {
      if (system !== "hive") throw error;
      results.notes.push(`Hive Gateway did not start in workerd: ${error.message}`);
      continue;
    }
    if (target.mf) running.push(target.mf);
    results.cells.push(...(await measureSystem(system, target, upstreams, autocannon, expected)));
    if (target.pid) results.notes.push(`${system}: peak memory of workerd ${peakMiB(target.pid)} MiB`);
    if (target.mf) await target.mf.dispose();
  }
  if (withLoad) {
    // The forwarder first (the runtime's own memory growth under this load), then the gateway.
    const runs = {
      loadControl: () => startWorker(scripts.forwarder, { TARGET: `${upstreams.base}/mono/graphql` }),
      load: () =>
        startWorker(scripts.gateway, {
          BENCH_CONFIG: JSON.stringify(loadConfig(upstreams.base)),
          BENCH_SCHEMA_FILES: "[]",
        }),
    };
    for (const [key, start] of Object.entries(runs)) {
      const target = await start();
      running.push(target.mf);
      process.stderr.write(`load run (${key}): ${LOAD_S} s, ${CONNECTIONS} connections\n`);
      results[key] = await loadRun({
        autocannon,
        url: `${target.url}/graphql`,
        pid: target.pid,
        base: upstreams.base,
        warmupSeconds: quick ? 3 : 10,
        seconds: LOAD_S,
        connections: CONNECTIONS,
        maxRequests: MAX_REQUESTS,
      });
      await target.mf.dispose();
    }
    if (!loadPassed(results.load, results.loadControl)) process.exitCode = 1;
  }
  if (!loadOnly) {
    for (const types of [200, 1500]) results.coldStart.push(await coldStart(scripts.gateway, upstreams.base, types));
  }
  if (withRealtime) {
    results.realtime = await runRealtime({ quick, log });
    if (results.realtime.errors.length || results.realtime.failures.length) process.exitCode = 1;
  }
  if (withRemoteSubs) {
    results.remoteSubscriptions = await remoteSubscriptions();
    if (remoteSubsFailed(results.remoteSubscriptions)) process.exitCode = 1;
  }
  if (withFiles) {
    results.files = await runFiles({ quick, log });
    if (results.files.errors.length) process.exitCode = 1;
  }
  if (scenarios.length > 0)
    results.targets = targetRows(
      results.cells,
      scenarios.map((s) => s.id),
    );
  mkdirSync(join(BENCH, "results"), { recursive: true });
  writeFileSync(join(BENCH, "results", "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(table(results));
  if (results.targets) console.log(targetsTable(results.targets));
  if (results.realtime) console.log(realtimeTables(results.realtime));
  if (results.remoteSubscriptions) console.log(remoteSubsTables(results.remoteSubscriptions));
  if (results.files) console.log(filesTables(results.files));
  for (const note of results.notes) console.log(`- ${note}`);
} finally {
  for (const mf of running) await mf.dispose().catch(() => undefined);
  upstreams.child.kill("SIGTERM");
}
