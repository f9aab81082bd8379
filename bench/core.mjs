/**
 * Core figures of the gateway (issue 2's closing note; the full `npm run bench` grows from here):
 * bundle size, first request of a cold isolate with and without the schema in KV, and warm latency of a
 * small query across both example remotes. The Worker runs in workerd through Miniflare's Node API
 * (never `wrangler dev`, whose proxy adds latency); the example upstreams run on loopback.
 *
 * Usage: node bench/core.mjs [--requests N]   (default 500 warm requests, sequential)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { percentile, startUpstreams } from "./lib.mjs";

const requests = Number(process.argv[process.argv.indexOf("--requests") + 1]) || 500;
const QUERY = process.env.BENCH_QUERY ?? "{ allUsers(perPage: 2) { id name } products(limit: 2) { name price } }";

function build() {
  const out = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", "dist/bench"], {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (out.status !== 0) throw new Error(out.stderr || out.stdout);
  const code = readFileSync("dist/bench/index.js");
  return { bytes: code.length, gzip: gzipSync(code).length };
}

async function gateway(persist) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml");
  const mf = new Miniflare({
    ...workerOptions,
    modules: true,
    scriptPath: "dist/bench/index.js",
    bindings: {
      USERS_URL: "http://127.0.0.1:4001/graphql",
      CATALOG_URL: "http://127.0.0.1:4002/graphql",
      ORDERS_URL: "http://127.0.0.1:4003",
      ADMIN_SECRET: "bench",
    },
    kvPersist: persist,
  });
  await mf.ready;
  return mf;
}

async function timed(mf) {
  const started = performance.now();
  const res = await mf.dispatchFetch("http://gateway/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = await res.json();
  const ms = performance.now() - started;
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return ms;
}

const bundle = build();
const upstreams = startUpstreams();
const persist = mkdtempSync(join(tmpdir(), "junction-bench-"));
try {
  await upstreams.ready;
  let mf = await gateway(persist);
  const coldNoKv = await timed(mf);
  await mf.dispose();
  mf = await gateway(persist);
  const coldKv = await timed(mf);
  for (let i = 0; i < 50; i++) await timed(mf);
  const samples = [];
  for (let i = 0; i < requests; i++) samples.push(await timed(mf));
  samples.sort((a, b) => a - b);
  await mf.dispose();
  const result = {
    bundle: { bytes: bundle.bytes, gzipBytes: bundle.gzip, gzipKiB: +(bundle.gzip / 1024).toFixed(1) },
    coldFirstRequestMs: { withoutKv: +coldNoKv.toFixed(1), withKv: +coldKv.toFixed(1) },
    warmSmallQueryMs: {
      requests,
      p50: +percentile(samples, 50).toFixed(2),
      p99: +percentile(samples, 99).toFixed(2),
    },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  process.kill(-upstreams.child.pid, "SIGTERM");
  rmSync(persist, { recursive: true, force: true });
}
