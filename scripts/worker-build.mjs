/**
 * The esbuild options that bundle a Worker as wrangler does for workerd (ESM, worker conditions, minified),
 * with what wrangler.toml adds: graphql-armor's `graphql/language/parser` pointed at graphql's ES module
 * (its [alias], so the bundle has one graphql), and the `cloudflare:*` modules left to the runtime. Shared
 * by the benchmarks (bench/lib.mjs) and the Node-side realtime tests (test/realtime/global-setup.ts).
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** @type {import("esbuild").BuildOptions} */
export const WORKER_BUILD = {
  bundle: true,
  external: ["cloudflare:*"],
  alias: { "graphql/language/parser": join(ROOT, "node_modules/graphql/language/parser.mjs") },
  format: "esm",
  // wrangler leaves esbuild's platform at its default, "browser": package.json "browser" maps apply (object-inspect's
  // `util` stand-in, through @graphql-inspector/core).
  platform: "browser",
  mainFields: ["browser", "module", "main"],
  conditions: ["workerd", "worker", "browser"],
  minify: true,
  logLevel: "error",
};
