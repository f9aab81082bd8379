import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import { WORKER_BUILD } from "../../scripts/worker-build.mjs";

declare module "vitest" {
  interface ProvidedContext {
    /** Absolute path of the bundled test Worker (test/realtime/worker.ts) that every realtime test runs. */
    realtimeWorker: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");

/** Bundles test/realtime/worker.ts once, into dist/test-realtime/worker.js, for every test file. */
export default async function setup(project: TestProject) {
  const outdir = join(ROOT, "dist/test-realtime");
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "worker.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(ROOT, "test/realtime/worker.ts")], outfile });
  project.provide("realtimeWorker", outfile);
}
