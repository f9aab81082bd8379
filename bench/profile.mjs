/**
 * `npm run bench:profile -- --scenario H [--system ours|hive|forwarder] [--seconds 10]`: a CPU profile of
 * one benchmark scenario in workerd, to see where a system's time goes.
 *
 * Starts the same upstreams (bench/upstreams.mjs) and the same Worker as `npm run bench` (bench/systems.mjs,
 * rebuilt from the current sources on every run, with identifiers kept and a source map, see
 * buildBundles's `profile`), in workerd through Miniflare with the inspector on (Miniflare's
 * `inspectorPort`). Sends `--warmup` seconds of load, then records a CPU profile of the Worker's isolate
 * through the Chrome DevTools protocol on the inspector WebSocket (Profiler.enable, setSamplingInterval,
 * start, stop) while autocannon sends `--seconds` more (bounded in time and count; every answer is checked
 * as in the benchmark). Writes bench/results/<scenario>-<system>.cpuprofile (open it in Chrome DevTools'
 * Performance panel or speedscope) and prints, also into bench/results/<scenario>-<system>.profile.txt:
 * requests, failures, workerd's CPU per request (/proc, the whole process) and the profiled JavaScript time
 * per request; the top functions by self time (name, source file:line through the source map, % of the
 * non-idle samples, ms, µs per request, and the total (inclusive) %); self time by package
 * (node_modules/<pkg>), by src/ folder and by runtime category, once as V8 reports it and once with
 * built-ins (JSON.parse, RegExp, ...) charged to the nearest caller with a source file.
 *
 * Options: --scenario ID (required: S, L, J, R, H, HV, HE), --system ours|hive|forwarder (default ours),
 * --seconds N (profiled load, default 10), --warmup N (default 3), --connections N (default 20),
 * --interval-us N (sampling interval, default 500), --top N (default 30), --identical (the same request
 * every time; default: a unique x-bench-request header per request, as the benchmark's "unique" rows),
 * --set path=JSON (repeatable: changes Junction's config before it starts, e.g.
 * `--set execution.queryPlans=false`; the value is parsed as JSON, else kept as a string).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import WebSocket from "ws";
import { cpuMs, spawnServer } from "./lib.mjs";
import { checkerOf, requestOf, SCENARIOS } from "./scenarios.mjs";
import { buildBundles, expectedAnswer, loadScenario, startSystem } from "./systems.mjs";

const BENCH = new URL(".", import.meta.url).pathname;
const ROOT = resolve(BENCH, "..");
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const scenarioId = option("--scenario");
const system = option("--system", "ours");
const SECONDS = Number(option("--seconds", 10));
const WARMUP_S = Number(option("--warmup", 3));
const CONNECTIONS = Number(option("--connections", 20));
const INTERVAL_US = Number(option("--interval-us", 500));
const TOP = Number(option("--top", 30));
const unique = !argv.includes("--identical");
const MAX_REQUESTS = 1_000_000;
/** `--set a.b=value` pairs: config edits for Junction (the value JSON, else a string). */
const SETS = argv.flatMap((arg, i) => (arg === "--set" ? [argv[i + 1] ?? ""] : []));

/** Applies the `--set` edits to a copy of Junction's config. */
function editConfig(config) {
  const out = structuredClone(config);
  for (const set of SETS) {
    const eq = set.indexOf("=");
    if (eq <= 0) throw new Error(`--set wants path=value, not ${set}`);
    const path = set.slice(0, eq).split(".");
    let value = set.slice(eq + 1);
    try {
      value = JSON.parse(value);
    } catch {
      // a plain string
    }
    let node = out;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
      node = node[key];
    }
    node[path.at(-1)] = value;
  }
  return out;
}

const scenario = SCENARIOS.find((s) => s.id === scenarioId);
if (!scenario) {
  console.error(
    `usage: npm run bench:profile -- --scenario ${SCENARIOS.map((s) => s.id).join("|")} [--system ours|hive|forwarder] [--seconds 10]`,
  );
  process.exit(2);
}
if (!["ours", "hive", "forwarder"].includes(system)) {
  console.error(`--system must be ours, hive or forwarder, not ${system}`);
  process.exit(2);
}
for (const [name, value] of Object.entries({ SECONDS, WARMUP_S, CONNECTIONS, INTERVAL_US, TOP })) {
  if (!Number.isFinite(value) || value <= 0 || value > 3600 * 1000) {
    console.error(`bad ${name}: ${value}`);
    process.exit(2);
  }
}
if (system === "hive" && !scenario.hive) {
  console.error(`Hive Gateway does not serve scenario ${scenario.id} here`);
  process.exit(2);
}

/** A minimal Chrome DevTools protocol client over one inspector WebSocket. */
async function devtools(wsUrl) {
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise((ok, fail) => {
    ws.once("open", ok);
    ws.once("error", fail);
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.fail(new Error(`${waiter.method}: ${JSON.stringify(message.error)}`));
    else waiter.ok(message.result);
  });
  return {
    send(method, params = {}, timeoutMs = 60_000) {
      const messageId = ++id;
      return new Promise((ok, fail) => {
        const timer = setTimeout(() => {
          pending.delete(messageId);
          fail(new Error(`${method}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(messageId, {
          method,
          ok: (result) => {
            clearTimeout(timer);
            ok(result);
          },
          fail: (error) => {
            clearTimeout(timer);
            fail(error);
          },
        });
        ws.send(JSON.stringify({ id: messageId, method, params }));
      });
    },
    close: () => ws.close(),
  };
}

/** The inspector target of the user Worker (Miniflare's own workers are listed beside it). */
async function userTarget(mf) {
  const inspector = new URL(String(await mf.getInspectorURL()));
  const targets = await (await fetch(`http://${inspector.host}/json`)).json();
  const user = targets.find((t) => t.id.startsWith("core:user:"));
  if (!user) throw new Error(`no user Worker among the inspector targets: ${targets.map((t) => t.id).join(", ")}`);
  return user.webSocketDebuggerUrl;
}

const SPECIAL = new Set(["(root)", "(program)", "(idle)", "(garbage collector)"]);

/**
 * Where a profile node's code comes from, through the bundle's source map.
 * @returns {{ name: string, file: string | null, line: number | null, group: string }}
 */
function locator(bundlePath) {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundlePath}.map`, "utf8")));
  const mapDir = dirname(bundlePath);
  const bundleName = bundlePath.split("/").pop();
  const cache = new Map();
  return (frame) => {
    const key = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}:${frame.functionName}`;
    let found = cache.get(key);
    if (found) return found;
    // No name and no script: native runtime work with no JavaScript frame (stream and I/O callbacks).
    const name = frame.functionName || (frame.url ? "(anonymous)" : "(native, no JS frame)");
    if (SPECIAL.has(frame.functionName)) found = { name, file: null, line: null, group: frame.functionName };
    else if (!frame.url) found = { name, file: null, line: null, group: "(V8 built-ins, native)" };
    else if (frame.url.endsWith(bundleName)) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (entry?.originalSource) {
        const source = entry.originalSource.startsWith("file://")
          ? new URL(entry.originalSource).pathname
          : resolve(mapDir, entry.originalSource);
        const file = relative(ROOT, source);
        found = { name, file, line: entry.originalLine + 1, group: groupOf(file) };
      } else {
        found = { name, file: bundleName, line: frame.lineNumber + 1, group: "(bundle, unmapped)" };
      }
    } else {
      found = { name, file: frame.url, line: frame.lineNumber + 1, group: `(runtime) ${frame.url.split(/[/:]/)[0]}` };
    }
    cache.set(key, found);
    return found;
  };
}

/** node_modules/<pkg> (scoped too), src/<folder>, bench, or the file itself. */
function groupOf(file) {
  const modules = file.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const parts = file.slice(modules + "node_modules/".length).split("/");
    return `node_modules/${parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const parts = file.split("/");
  if (parts[0] === "src") return parts.length > 2 ? `src/${parts[1]}` : `src/${parts[1]} (file)`;
  if (parts[0] === "bench") return "bench";
  return file;
}

/**
 * Self and total time per function and self time per group from a V8 CPU profile.
 * @param {object} profile - Profiler.stop's `profile`
 * @param {Function} locate - from {@link locator}
 */
function analyse(profile, locate) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // A sample lasts until the next one; the last one as long as the mean.
  const { samples, timeDeltas } = profile;
  const durations = samples.map((_, i) => (i + 1 < samples.length ? timeDeltas[i + 1] : 0));
  const mean = durations.reduce((a, b) => a + b, 0) / Math.max(1, samples.length - 1);
  if (samples.length > 0) durations[samples.length - 1] = mean;
  const fnKey = (loc) => `${loc.name}\t${loc.file ?? ""}\t${loc.line ?? ""}`;
  const functions = new Map();
  const groups = new Map();
  const charged = new Map();
  let busyUs = 0;
  let idleUs = 0;
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  for (let i = 0; i < samples.length; i++) {
    const us = durations[i];
    const node = nodes.get(samples[i]);
    const loc = locate(node.callFrame);
    if (loc.group === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const key = fnKey(loc);
    if (!functions.has(key)) functions.set(key, { ...loc, selfUs: 0, totalUs: 0 });
    functions.get(key).selfUs += us;
    add(groups, loc.group, us);
    // Built-ins charged to the nearest caller that has a source file.
    let owner = loc;
    for (let id = node.id; owner.file === null && !SPECIAL.has(owner.name) && parent.has(id); ) {
      id = parent.get(id);
      owner = locate(nodes.get(id).callFrame);
    }
    add(charged, owner.file === null ? loc.group : owner.group, us);
    // Total time: once per function on the stack.
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const stackLoc = locate(nodes.get(id).callFrame);
      const stackKey = fnKey(stackLoc);
      if (seen.has(stackKey)) continue;
      seen.add(stackKey);
      if (!functions.has(stackKey)) functions.set(stackKey, { ...stackLoc, selfUs: 0, totalUs: 0 });
      functions.get(stackKey).totalUs += us;
    }
  }
  return { functions: [...functions.values()], groups, charged, busyUs, idleUs };
}

function summary({ analysis, requests, failures, seconds, workerdCpuMs, bundle }) {
  const { functions, groups, charged, busyUs, idleUs } = analysis;
  const pct = (us) => `${((100 * us) / Math.max(1, busyUs)).toFixed(1)}%`;
  const ms = (us) => (us / 1000).toFixed(1);
  const perReq = (us) => (requests ? (us / requests).toFixed(1) : "–");
  const lines = [];
  lines.push(`# CPU profile: scenario ${scenario.id} (${scenario.title}), system ${system}`);
  lines.push(
    `workerd (Miniflare, inspector on)${SETS.length ? `, config ${SETS.join(" ")}` : ""}, ${CONNECTIONS} connections, ${unique ? "unique" : "identical"} headers, ${SECONDS} s profiled after ${WARMUP_S} s warm-up, sampling every ${INTERVAL_US} µs; bundle ${relative(ROOT, bundle)} (identifiers kept, source-mapped)`,
  );
  lines.push(
    `requests ${requests} (${(requests / seconds).toFixed(1)} req/s), failures ${failures}; workerd process CPU ${requests ? (workerdCpuMs / requests).toFixed(2) : "–"} ms/req (all threads, /proc); profiled JS ${requests ? (busyUs / 1000 / requests).toFixed(2) : "–"} ms/req (the Worker's isolate, non-idle samples: ${ms(busyUs)} ms busy, ${ms(idleUs)} ms idle)`,
  );
  lines.push("Profiling slows the isolate down: compare shares, not absolute figures, with `npm run bench`.");
  lines.push(`\n## Top ${TOP} functions by self time\n`);
  lines.push("| # | function | file:line | self % | self ms | self µs/req | total % |");
  lines.push("| --- | --- | --- | --- | --- | --- | --- |");
  const top = functions
    .filter((f) => f.selfUs > 0)
    .sort((a, b) => b.selfUs - a.selfUs)
    .slice(0, TOP);
  top.forEach((f, i) => {
    const where = f.file === null ? f.group : `${f.file}:${f.line}`;
    lines.push(
      `| ${i + 1} | ${f.name} | ${where} | ${pct(f.selfUs)} | ${ms(f.selfUs)} | ${perReq(f.selfUs)} | ${pct(f.totalUs)} |`,
    );
  });
  const groupTable = (title, map) => {
    lines.push(`\n## ${title}\n`);
    lines.push("| package / folder | self % | self ms | µs/req |");
    lines.push("| --- | --- | --- | --- |");
    for (const [group, us] of [...map].sort((a, b) => b[1] - a[1]))
      if (us / busyUs >= 0.001) lines.push(`| ${group} | ${pct(us)} | ${ms(us)} | ${perReq(us)} |`);
  };
  groupTable("Self time by package and src/ folder (as V8 reports it)", groups);
  groupTable(
    "Self time by package and src/ folder, built-ins charged to their nearest caller with a source file",
    charged,
  );
  return lines.join("\n");
}

const { child: upstreams, base } = await spawnServer(join(BENCH, "upstreams.mjs"), "bench upstreams");
let target;
const stop = async () => {
  await target?.mf?.dispose().catch(() => undefined);
  upstreams.kill("SIGTERM");
};
process.once("SIGINT", () => stop().then(() => process.exit(130)));
try {
  const autocannon = (await import("autocannon")).default;
  const which = { ours: "gateway", hive: "hive", forwarder: "forwarder" }[system];
  const scripts = await buildBundles({ profile: true, only: [which] });
  if (system === "hive" && scripts.hive === null) throw new Error(`Hive Gateway does not bundle: ${scripts.hiveError}`);
  target = await startSystem(system, scripts, base, { inspectorPort: 0 }, editConfig);
  const expected = await expectedAnswer(base, scenario);
  const check = checkerOf(scenario, expected);
  const cell = (seconds) =>
    loadScenario(autocannon, {
      url: target.url,
      scenario,
      expected,
      check,
      unique,
      seconds,
      connections: CONNECTIONS,
      maxRequests: MAX_REQUESTS,
    });
  process.stderr.write(`warm-up ${WARMUP_S} s\n`);
  await cell(WARMUP_S);
  const inspector = await devtools(await userTarget(target.mf));
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  const cpu0 = cpuMs(target.pid);
  await inspector.send("Profiler.start");
  process.stderr.write(`profiling ${SECONDS} s\n`);
  const result = await cell(SECONDS);
  const { profile } = await inspector.send("Profiler.stop", {}, 120_000);
  const cpu1 = cpuMs(target.pid);
  inspector.close();
  const requests = result.requests.total;
  const failures = result.errors + result.timeouts + result.non2xx + (result.mismatches ?? 0);
  mkdirSync(join(BENCH, "results"), { recursive: true });
  const stem = join(BENCH, "results", `${scenario.id}-${system}`);
  writeFileSync(`${stem}.cpuprofile`, JSON.stringify(profile));
  const bundle = scripts[which];
  const text = summary({
    analysis: analyse(profile, locator(bundle)),
    requests,
    failures,
    seconds: result.duration,
    workerdCpuMs: cpu1 - cpu0,
    bundle,
  });
  writeFileSync(`${stem}.profile.txt`, `${text}\n`);
  console.log(text);
  console.log(`\nwrote ${relative(ROOT, stem)}.cpuprofile and .profile.txt`);
  if (failures > 0) {
    const { body, headers } = requestOf(scenario);
    const answer = await fetch(target.url, { method: "POST", headers, body });
    const why = check.explain(answer.status, await answer.text());
    console.log(`\nWRONG ANSWERS: ${failures}; one request now: ${why || "right this time"}`);
    process.exitCode = 1;
  }
} finally {
  await stop();
}
