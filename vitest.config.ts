import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { buildSync } from "esbuild";
import { defineConfig } from "vitest/config";
import { WORKER_BUILD } from "./scripts/worker-build.mjs";

/**
 * test/fixtures/bound-worker.ts bundled (in memory) as a second Worker: the upstream the service binding
 * tests (test/upstream/bindings.test.ts) reach as BOUND_FIXTURE, never over the network.
 */
const boundWorker = bundle("test/fixtures/bound-worker.ts");

/** A Worker entry bundled in memory as wrangler bundles it, for Miniflare's `script`. */
function bundle(entry: string): string | undefined {
  return buildSync({ ...WORKER_BUILD, entryPoints: [entry], write: false }).outputFiles[0]?.text;
}

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ADMIN_SECRET: "test-admin-secret",
          USERS_URL: "http://127.0.0.1:9/graphql",
          CATALOG_URL: "http://127.0.0.1:9/graphql",
          ORDERS_URL: "http://127.0.0.1:9",
        },
        // Test-only rate limiters (Miniflare's own implementation of the binding, as `wrangler dev` runs it)
        // with small limits, so test/rate-limits can reach them; wrangler.toml keeps the real RATE_LIMITER.
        ratelimits: {
          RATE_LIMITER_TEST: { simple: { limit: 3, period: 60 } },
          RATE_LIMITER_TEST_10S: { simple: { limit: 2, period: 10 } },
        },
        // A second Worker reached through a service binding (src/upstream/bindings.ts).
        // wrangler.toml's REVIEWS binding calls the Worker named junction-reviews: the example's, as `npm run dev` runs it.
        workers: [
          { name: "bound-fixture", modules: true, script: boundWorker, compatibilityDate: "2026-04-20" },
          {
            name: "junction-reviews",
            modules: true,
            script: bundle("examples/reviews-worker/index.mjs"),
            compatibilityDate: "2026-04-20",
          },
        ],
        serviceBindings: { BOUND_FIXTURE: "bound-fixture" },
      },
    }),
  ],
  test: {
    // scripts/*.test.mjs are node:test files run in Node by `npm run test:scripts`, not in workerd.
    include: ["test/**/*.test.ts"],
    // test/realtime runs in Node against a Miniflare-hosted Worker: its own project, vitest.realtime.config.ts.
    // test/usage/*.node.test.ts run in Node too (two Workers in Miniflare), in the same project.
    exclude: ["test/realtime/**", "test/usage/**/*.node.test.ts", "**/node_modules/**"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
