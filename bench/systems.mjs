/**
 * The Workers the benchmark compares, built and started one way for every script that runs them
 * (bench/run.mjs, bench/profile.mjs): the forwarder, Junction (bench/gateway-worker.ts over src/) and
 * Hive Gateway (bench/hive-worker.mjs), each bundled with esbuild as wrangler bundles a Worker and run in
 * workerd through Miniflare (bench/lib.mjs startWorker).
 */
import { mkdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";
import { parse } from "graphql";
import { startWorker, WORKER_BUILD } from "./lib.mjs";
import { gatewaySetup, requestOf, SUBGRAPHS, UNIQUE_HEADER } from "./scenarios.mjs";

const BENCH = new URL(".", import.meta.url).pathname;
const ROOT = join(BENCH, "..");

/** What Hive Gateway's CommonJS dependencies require() from Node, provided by nodejs_compat. */
const HIVE_BANNER = [
  'import * as __crypto from "node:crypto";',
  'import * as __buffer from "node:buffer";',
  'import * as __events from "node:events";',
  'import * as __util from "node:util";',
  "const __builtins = { crypto: __crypto, buffer: __buffer, events: __events, util: __util };",
  "const require = (name) => { const m = __builtins[name.replace(/^node:/, '')]; if (!m) throw new Error('no ' + name); return m; };",
].join("\n");

/**
 * Bundles the three Workers (from the current sources, every call).
 * @param {object} [options]
 * @param {boolean} [options.profile] - for a CPU profile: the same bundle (same esbuild options, same
 *   whitespace and syntax minification) but identifiers kept, so V8 reports real function names, and an
 *   external source map (`<bundle>.map`) to map each function back to its source file; written under
 *   dist/bench/profile/ so the benchmark's own bundles are left alone
 * @param {Array<"gateway" | "forwarder" | "hive">} [options.only] - build only these (default: all three)
 * @returns {Promise<{ gateway: string, forwarder: string, hive: string | null, hiveError?: string }>} absolute
 *   paths of the bundles (`hive` null when Hive Gateway does not bundle, with the reason in `hiveError`)
 */
export async function buildBundles({ profile = false, only = ["gateway", "forwarder", "hive"] } = {}) {
  const dir = join(ROOT, "dist", "bench", ...(profile ? ["profile"] : []));
  mkdirSync(dir, { recursive: true });
  // esbuild's `minify` implies all three minifications; the profile build keeps identifiers only.
  const common = profile
    ? { ...WORKER_BUILD, minify: false, minifyWhitespace: true, minifySyntax: true, sourcemap: "external" }
    : WORKER_BUILD;
  const out = {
    gateway: join(dir, "gateway.js"),
    forwarder: join(dir, "forwarder.js"),
    hive: join(dir, "hive.js"),
  };
  if (only.includes("gateway"))
    await build({ ...common, entryPoints: [join(BENCH, "gateway-worker.ts")], outfile: out.gateway });
  if (only.includes("forwarder"))
    await build({ ...common, entryPoints: [join(BENCH, "forwarder-worker.mjs")], outfile: out.forwarder });
  if (!only.includes("hive")) return out;
  try {
    await build({
      ...common,
      entryPoints: [join(BENCH, "hive-worker.mjs")],
      outfile: out.hive,
      external: [...WORKER_BUILD.external, "node:*", ...builtinModules],
      nodePaths: [join(BENCH, "node_modules")],
      // CommonJS dependencies of Hive Gateway require() Node built-ins; nodejs_compat provides them.
      banner: { js: HIVE_BANNER },
    });
  } catch (error) {
    return { ...out, hive: null, hiveError: error.message };
  }
  return out;
}

/**
 * Composes the federation subgraphs of bench/upstreams.mjs into Hive Gateway's supergraph.
 * @param {string} base - the upstreams' base URL
 * @returns {Promise<string>} the supergraph SDL
 * @throws when composition fails
 */
export async function supergraph(base) {
  const { composeServices } = await import("@theguild/federation-composition");
  const { FEDERATION } = await import("./upstreams.mjs");
  const result = composeServices(
    SUBGRAPHS.map((name) => ({ name, typeDefs: parse(FEDERATION[name]), url: `${base}/${name}/federation` })),
  );
  if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join("; "));
  return result.supergraphSdl;
}

/**
 * Starts one system of the comparison against the upstreams at `base`.
 * @param {"direct" | "forwarder" | "ours" | "ours-cached" | "hive"} system - which one ("ours-cached": Junction
 *   with the edge response cache on for every field, `responseCache.defaultMaxAge` 60 s: after the first
 *   request of a cell every answer is a cache hit)
 * @param {{ gateway: string, forwarder: string, hive: string | null }} scripts - from {@link buildBundles}
 * @param {string} base - the upstreams' base URL
 * @param {object} [extra] - more Miniflare options (e.g. `{ inspectorPort: 0 }`)
 * @param {(config: object) => object} [editConfig] - changes Junction's config (scenarios.mjs gatewaySetup)
 *   before it starts, e.g. to turn `execution.queryPlans` off
 * @returns {Promise<{ url: string, pid?: number, mf?: import("miniflare").Miniflare }>} the /graphql URL to
 *   load, workerd's process id and the Miniflare instance (none for "direct")
 * @throws when the system is unknown, Hive was not bundled, or workerd does not start
 */
export async function startSystem(system, scripts, base, extra = {}, editConfig = (config) => config) {
  let target;
  if (system === "direct") return { url: `${base}/mono/graphql`, pid: undefined };
  if (system === "forwarder") {
    target = await startWorker(scripts.forwarder, { TARGET: `${base}/mono/graphql` }, extra);
  } else if (system === "ours" || system === "ours-cached") {
    const { config, schemaFiles } = gatewaySetup(base);
    const cached = system === "ours-cached" ? { ...config, responseCache: { defaultMaxAge: 60 } } : config;
    target = await startWorker(
      scripts.gateway,
      { BENCH_CONFIG: JSON.stringify(editConfig(cached)), BENCH_SCHEMA_FILES: JSON.stringify(schemaFiles) },
      extra,
    );
  } else if (system === "hive") {
    if (scripts.hive === null) throw new Error("Hive Gateway could not be bundled for workerd");
    target = await startWorker(
      scripts.hive,
      { SUPERGRAPH: await supergraph(base) },
      { compatibilityFlags: ["nodejs_compat"], ...extra },
    );
  } else {
    throw new Error(`unknown system ${system} (direct, forwarder, ours, ours-cached, hive)`);
  }
  return { ...target, url: `${target.url}/graphql` };
}

/**
 * The expected answer of a scenario: what the `mono` upstream (one schema, the same data) answers to the
 * same request (body and headers).
 * @param {string} base - the upstreams' base URL
 * @param {import("./scenarios.mjs").Scenario} scenario
 * @returns {Promise<string>} the body
 */
export async function expectedAnswer(base, scenario) {
  const { body, headers } = requestOf(scenario);
  const res = await fetch(`${base}/mono/graphql`, { method: "POST", headers, body });
  return res.text();
}

/**
 * One load run of a scenario: autocannon against `url` with 20 (or `connections`) connections for
 * `seconds`, at most `maxRequests` requests, every answer judged by `check`. With `unique`, every request
 * carries its own `x-bench-request` header (the gateways forward it, so no in-flight dedupe can serve two
 * requests with one upstream call).
 * @param {Function} autocannon - the autocannon function
 * @param {object} options
 * @param {string} options.url - the /graphql URL
 * @param {import("./scenarios.mjs").Scenario} options.scenario
 * @param {string} options.expected - the expected body ({@link expectedAnswer})
 * @param {(status: number, body: string) => boolean} options.check - from scenarios.mjs checkerOf
 * @param {boolean} options.unique - a unique header per request
 * @param {number} options.seconds - duration, s
 * @param {number} options.connections - concurrent connections
 * @param {number} options.maxRequests - upper bound of requests
 * @returns {Promise<object>} autocannon's result with `mismatches`: 200 answers that `check` rejected
 *   (non-200 answers are in autocannon's `non2xx`), and with `unique`, `answeredIds`: the
 *   `x-bench-request` values of the requests that got an answer
 */
export async function loadScenario(
  autocannon,
  { url, scenario, expected, check, unique, seconds, connections, maxRequests },
) {
  const { body, headers } = requestOf(scenario);
  const common = {
    url,
    method: "POST",
    headers,
    body,
    connections,
    duration: seconds,
    maxOverallRequests: maxRequests,
    timeout: 10,
  };
  // Byte-for-byte answers with identical requests: autocannon compares them itself.
  if (!unique && !scenario.partial) return autocannon({ ...common, expectBody: expected });
  let counter = 0;
  let mismatches = 0;
  const answeredIds = [];
  // Ids unique across runs too, so the upstreams' per-request counts never mix two runs.
  const run = Math.random().toString(36).slice(2, 10);
  // One request at a time per connection: the connection's context holds the id of its request.
  const setupRequest = (request, context) => {
    context.requestId = `${run}-${++counter}`;
    return { ...request, headers: { ...headers, [UNIQUE_HEADER]: context.requestId } };
  };
  const result = await autocannon({
    ...common,
    requests: [
      {
        method: "POST",
        body,
        ...(unique ? { setupRequest } : {}),
        onResponse: (status, responseBody, context) => {
          if (unique) answeredIds.push(context.requestId);
          if (status === 200 && !check(status, responseBody)) mismatches++;
        },
      },
    ],
  });
  return unique ? { ...result, mismatches, answeredIds } : { ...result, mismatches };
}
