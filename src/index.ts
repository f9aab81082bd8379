import config from "../schemas/gateway.json";
import { createApp } from "./app";
import { RealtimeHub } from "./events";
import { allowedChanges, modules, schemaFiles } from "./generated";
import { createRealtimeObjects } from "./realtime";
import { DeprecationUsage } from "./usage";

/** The gateway's options: the config, SDL and allowed changes of schemas/, and the modules, bundled. */
const options = { config, schemaFiles, allowedChanges, modules };

/** The app of this isolate, created on the first request (never at module top level). */
let app: ReturnType<typeof createApp> | undefined;

/** The Worker: every request goes to the Hono app built from `schemas/gateway.json` and `schemas/*.graphql`. */
export default {
  fetch(request, env, ctx) {
    app ??= createApp(options);
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;

/** The realtime Durable Objects (wrangler.toml `REALTIME`, `REALTIME_HUB`, `REMOTE_STREAMS`). */
export const { RealtimeShard, RemoteStream } = createRealtimeObjects(options);
/** The usage counts of deprecated elements (wrangler.toml `DEPRECATION_USAGE`). */
export { DeprecationUsage, RealtimeHub };
