/**
 * The Worker of the realtime benchmark (bench/realtime.mjs): the same `createApp` and realtime Durable
 * Objects as src/index.ts, with the benchmark's config and SDL passed as bindings (BENCH_CONFIG,
 * BENCH_SCHEMA_FILES: JSON), so one bundle serves every variant (`realtime.shards` 16 and 1). Bind
 * `REALTIME` to `RealtimeShard`, `REALTIME_HUB` to `RealtimeHub` and `REMOTE_STREAMS` to `RemoteStream`
 * (SQLite-backed, as wrangler.toml).
 */
import { createApp } from "../src/app";
import { RealtimeHub } from "../src/events";
import { createRealtimeObjects } from "../src/realtime";

/** The gateway's options from the bindings, read when first needed (never at module top level). */
const options = (env: Env) => {
  const bench = env as unknown as { BENCH_CONFIG: string; BENCH_SCHEMA_FILES: string };
  return { config: JSON.parse(bench.BENCH_CONFIG), schemaFiles: JSON.parse(bench.BENCH_SCHEMA_FILES) };
};

let app: ReturnType<typeof createApp> | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp(options(env));
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;

export const { RealtimeShard, RemoteStream } = createRealtimeObjects(options);
export { RealtimeHub };
