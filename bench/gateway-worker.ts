/**
 * The gateway as bench/run.mjs runs it: the same `createApp` as src/index.ts, with the benchmark's
 * config and SDL passed as bindings (BENCH_CONFIG, BENCH_SCHEMA_FILES: JSON), read on the first request.
 */
import { createApp } from "../src/app";

let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch(request, env, ctx) {
    const bench = env as unknown as { BENCH_CONFIG: string; BENCH_SCHEMA_FILES: string };
    app ??= createApp({ config: JSON.parse(bench.BENCH_CONFIG), schemaFiles: JSON.parse(bench.BENCH_SCHEMA_FILES) });
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
