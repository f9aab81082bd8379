/**
 * Pieces shared by the bench scripts: the example upstreams and percentiles.
 */
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare, Response as MiniflareResponse } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

const ROOT = join(new URL(".", import.meta.url).pathname, "..");

/**
 * Starts the example upstreams with the dev launcher and resolves once it reports them ready (its own
 * readiness probes), so the bench has no second copy of them.
 */
export function startUpstreams() {
  const child = spawn("node", ["scripts/dev.mjs", "--upstreams-only"], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("example upstreams did not start within 20 s")), 20_000);
    child.stdout.on("data", (chunk) => {
      if (String(chunk).includes("upstreams ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", () => reject(new Error("example upstreams exited")));
  });
  return { child, ready };
}

/**
 * Starts a bench server script in a child process that prints `{"port":N}` on its first stdout line once
 * it listens, and resolves with the child and its origin (bounded: 10 s).
 * @param {string} script - absolute path of the script
 * @param {string} label - what it is, for the errors ("bench upstreams")
 * @returns {Promise<{ child: import("node:child_process").ChildProcess, base: string }>}
 */
export async function spawnServer(script, label) {
  const child = spawn("node", [script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start within 10 s`)), 10_000);
    child.stdout.once("data", (chunk) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(chunk)).port);
    });
    child.once("exit", () => reject(new Error(`${label} exited`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/**
 * The p-th percentile of ascending samples (nearest rank).
 * @param {number[]} sorted - ascending
 * @param {number} p - 0..100
 */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** user+sys CPU of a process so far, in ms (/proc/<pid>/stat). */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** Peak resident memory (VmHWM) of a process, in MiB. */
export function peakMiB(pid) {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? +(Number(match[1]) / 1024).toFixed(1) : null;
}

/** Resident memory (VmRSS) of a process now, in MiB (null once it is gone). */
export function rssMiB(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** esbuild options that bundle a Worker as wrangler does (scripts/worker-build.mjs). */
export { WORKER_BUILD } from "../scripts/worker-build.mjs";

/** The workerd process Miniflare started for us (a child of this process). */
function workerdPid(known = new Set()) {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || known.has(Number(entry))) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (comm === "workerd" && ppid === process.pid) return Number(entry);
    } catch {
      // the process is gone
    }
  }
  return undefined;
}

/**
 * The deployed Worker's size, as `wrangler deploy --dry-run --minify` builds it (into dist/bench/deploy).
 * @returns `{ bytes, gzipBytes, gzipKiB, path }` of the bundle
 */
export function bundleSize() {
  const out = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", "dist/bench/deploy"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (out.status !== 0) throw new Error(out.stderr || out.stdout);
  const code = readFileSync(join(ROOT, "dist/bench/deploy/index.js"));
  return {
    path: join(ROOT, "dist/bench/deploy/index.js"),
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    gzipKiB: +(gzipSync(code).length / 1024).toFixed(1),
  };
}

/**
 * A Miniflare running one bundled Worker script in a fresh workerd, with the project's wrangler.toml
 * settings and an HTTP port on loopback.
 * @param scriptPath - the bundle (one ES module)
 * @param bindings - extra bindings (variables)
 * @param extra - more Miniflare options (kvPersist, compatibilityFlags)
 * @returns `{ mf, url, pid }`: the instance, its origin and its workerd process id
 */
export async function startWorker(scriptPath, bindings, extra = {}) {
  const known = new Set(
    readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .map(Number),
  );
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  // wrangler.toml's [[services]] call Workers this Miniflare does not run (examples/reviews-worker): each
  // binding answers 503, so the example config's bound remote is reported unreachable, as when down.
  const serviceBindings = Object.fromEntries(
    Object.keys(workerOptions.serviceBindings ?? {}).map((name) => [
      name,
      () => new MiniflareResponse(`service binding ${name} is not run by the benchmarks`, { status: 503 }),
    ]),
  );
  const mf = new Miniflare({
    ...workerOptions,
    serviceBindings,
    // One bundled module, listed rather than scanned: Hive's bundle has dynamic import() specifiers.
    modules: [{ type: "ESModule", path: scriptPath }],
    bindings: { ...bindings },
    port: 0,
    host: "127.0.0.1",
    ...extra,
  });
  const url = await mf.ready;
  return { mf, url: new URL(url).origin, pid: workerdPid(known) };
}
