import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type BuildOptions, build } from "esbuild";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  interface ProvidedContext {
    /** Absolute path of the bundled test Worker (test/realtime/worker.ts) that every realtime test runs. */
    realtimeWorker: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");

/**
 * esbuild options that bundle a Worker as wrangler does for workerd (the settings of bench/lib.mjs
 * WORKER_BUILD, plus what wrangler.toml adds: graphql-armor's `graphql/language/parser` pointed at
 * graphql's ES module, and the `cloudflare:*` modules left to the runtime).
 */
const WORKER_BUILD: BuildOptions = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["browser", "module", "main"],
  conditions: ["workerd", "worker", "browser"],
  minify: true,
  logLevel: "error",
  external: ["cloudflare:*"],
  alias: { "graphql/language/parser": join(ROOT, "node_modules/graphql/language/parser.mjs") },
};

/** Bundles test/realtime/worker.ts once, into dist/test-realtime/worker.js, for every test file. */
export default async function setup(project: TestProject) {
  const outdir = join(ROOT, "dist/test-realtime");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "worker.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(ROOT, "test/realtime/worker.ts")], outfile });
  project.provide("realtimeWorker", outfile);
}
