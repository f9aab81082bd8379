import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

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
      },
    }),
  ],
  test: {
    // scripts/*.test.mjs are node:test files run in Node by `npm run test:scripts`, not in workerd.
    include: ["test/**/*.test.ts"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
