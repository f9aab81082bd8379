/**
 * Cold start: a fresh workerd, a config with one remote of 200 or 1,500 types, the first request
 * `{ t0 { id } }` timed from sending it to the whole answer, without and then with the schema in KV.
 * bench/run.mjs uses {@link coldStart}; run alone it repeats the measure and prints medians:
 *
 *   npm run bench:cold                          # 200 and 1,500 types, 3 runs each
 *   npm run bench:cold -- --types 1500 --runs 5
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnServer, startWorker } from "./lib.mjs";

const BENCH = fileURLToPath(new URL(".", import.meta.url));

/** The gateway config of the cold start: one remote of `types` types (bench/upstreams.mjs). */
export const coldConfig = (base, types) => ({
  remotes: [{ name: "big", url: `${base}/types${types}/graphql`, gatewayToken: false }],
  graphiql: false,
});

/** The first request of the cold start and the text its answer must contain. */
export const COLD_QUERY = { query: "{ t0 { id } }" };

/**
 * Fresh workerd, first response, with and without the schema in KV, for a remote of `types` types.
 * @param gatewayScript - the bundled bench gateway (bench/gateway-worker.ts)
 * @param base - origin of bench/upstreams.mjs
 * @param types - 200 or 1500
 * @returns `{ types, withoutKvMs, withKvMs }`, wall-clock ms from sending the request to the whole answer
 */
export async function coldStart(gatewayScript, base, types) {
  const persist = mkdtempSync(join(tmpdir(), "junction-cold-"));
  const bindings = { BENCH_CONFIG: JSON.stringify(coldConfig(base, types)), BENCH_SCHEMA_FILES: "[]" };
  const first = async () => {
    const w = await startWorker(gatewayScript, bindings, { kvPersist: persist });
    try {
      const started = performance.now();
      const res = await fetch(`${w.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(COLD_QUERY),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      const ms = performance.now() - started;
      if (!text.includes('"t0"')) throw new Error(`cold start ${types}: ${text.slice(0, 200)}`);
      return +ms.toFixed(1);
    } finally {
      await w.mf.dispose();
    }
  };
  try {
    const withoutKv = await first();
    const withKv = await first();
    return { types, withoutKvMs: withoutKv, withKvMs: withKv };
  } finally {
    rmSync(persist, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const typesList = option("--types", "200,1500").split(",").map(Number);
  const runs = Math.min(20, Number(option("--runs", "3")));
  const { buildBundles } = await import("./systems.mjs");
  const { gateway } = await buildBundles({ only: ["gateway"] });
  const upstreams = await spawnServer(join(BENCH, "upstreams.mjs"), "bench upstreams");
  try {
    console.log("| cold start (fresh workerd, first response) | without KV | with the schema in KV | runs |");
    console.log("| --- | --- | --- | --- |");
    for (const types of typesList) {
      const all = [];
      for (let i = 0; i < runs; i++) all.push(await coldStart(gateway, upstreams.base, types));
      const without = median(all.map((r) => r.withoutKvMs));
      const withKv = median(all.map((r) => r.withKvMs));
      console.log(
        `| remote of ${types} types | ${without} ms | ${withKv} ms | ${runs} (with KV: ${all.map((r) => r.withKvMs).join(", ")}) |`,
      );
    }
  } finally {
    upstreams.child.kill();
  }
}
