/**
 * Pieces shared by the bench scripts: the example upstreams and percentiles.
 */
import { spawn } from "node:child_process";

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
 * The p-th percentile of ascending samples (nearest rank).
 * @param {number[]} sorted - ascending
 * @param {number} p - 0..100
 */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** esbuild options that bundle a Worker as wrangler does for workerd (ESM, worker conditions, minified). */
export const WORKER_BUILD = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["browser", "module", "main"],
  conditions: ["workerd", "worker", "browser"],
  minify: true,
  logLevel: "error",
};
