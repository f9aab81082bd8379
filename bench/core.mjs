import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleSize, percentile, startUpstreams, startWorker } from "./lib.mjs";

const requests = Number(process.argv[process.argv.indexOf("--requests") + 1]) || 500;
const QUERY = process.env.BENCH_QUERY ?? "{ allUsers(perPage: 2) { id name } products(limit: 2) { name price } }";

/** The example gateway in a fresh workerd, its KV persisted in `persist`. */
async function gateway(persist, script) {
  const { mf } = await startWorker(
    script,
    {
      USERS_URL: "http://127.0.0.1:4001/graphql",
      CATALOG_URL: "http://127.0.0.1:4002/graphql",
      ORDERS_URL: "http://127.0.0.1:4003",
      ADMIN_SECRET: "bench",
    },
    { kvPersist: persist },
  );
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

const bundle = bundleSize();
const upstreams = startUpstreams();
const persist = mkdtempSync(join(tmpdir(), "junction-bench-"));
try {
  await upstreams.ready;
  let mf = await gateway(persist, bundle.path);
  const coldNoKv = await timed(mf);
  await mf.dispose();
  mf = await gateway(persist, bundle.path);
  const coldKv = await timed(mf);
  for (let i = 0; i < 50; i++) await timed(mf);
  const samples = [];
  for (let i = 0; i < requests; i++) samples.push(await timed(mf));
  samples.sort((a, b) => a - b);
  await mf.dispose();
  const result = {
    bundle: { bytes: bundle.bytes, gzipBytes: bundle.gzipBytes, gzipKiB: bundle.gzipKiB },
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
