/**
 * The Worker of the realtime end-to-end tests: the gateway with its realtime Durable Objects, whose config
 * and SDL come from the bindings TEST_CONFIG and TEST_SCHEMA_FILES (JSON text), so one bundle serves every
 * test's config. Bundled by test/realtime/global-setup.ts, run in Miniflare by test/realtime/harness.ts.
 */
import { createApp } from "../../src/app";
import { RealtimeHub } from "../../src/events";
import { createRealtimeObjects } from "../../src/realtime";

/** The bindings this entry reads besides the gateway's own. */
interface TestBindings {
  /** The gateway config (schemas/gateway.json's shape) as JSON text. */
  TEST_CONFIG: string;
  /** The SDL files (`[{ path, sdl }]`) as JSON text. */
  TEST_SCHEMA_FILES: string;
}

/** The gateway's options read from the env. */
const options = (env: Env) => ({
  config: JSON.parse((env as unknown as TestBindings).TEST_CONFIG),
  schemaFiles: JSON.parse((env as unknown as TestBindings).TEST_SCHEMA_FILES),
});

let app: ReturnType<typeof createApp> | undefined;

/** Every request goes to the app built from the bindings' config (on the first request). */
export default {
  fetch(req, env, ctx) {
    app ??= createApp(options(env));
    return app.fetch(req, env, ctx);
  },
} satisfies ExportedHandler<Env>;

export const { RealtimeShard, RemoteStream } = createRealtimeObjects(options);
/** The usage counts of deprecated elements (test/usage binds it as DEPRECATION_USAGE; the realtime tests do not). */
export { DeprecationUsage } from "../../src/usage";
export { RealtimeHub };
