import { defineConfig } from "vitest/config";

/**
 * The realtime end-to-end project (test/realtime): tests run in Node and drive the real `graphql-ws` and
 * `graphql-sse` clients against the gateway Worker running in workerd through Miniflare (one bundle,
 * built by test/realtime/global-setup.ts). The workerd project (vitest.config.ts) excludes these files.
 */
export default defineConfig({
  test: {
    environment: "node",
    // test/usage/*.node.test.ts: usage counts across two Workers (isolates) sharing one Durable Object.
    include: ["test/realtime/**/*.test.ts", "test/usage/**/*.node.test.ts"],
    globalSetup: ["./test/realtime/global-setup.ts"],
    // One Miniflare (workerd process) at a time: the machine is shared, and each file starts its own.
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
