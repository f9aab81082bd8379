import config from "../schemas/gateway.json";
import { createApp } from "./app";
import { schemaFiles } from "./generated";

/** The app of this isolate, created on the first request (never at module top level). */
let app: ReturnType<typeof createApp> | undefined;

/** The Worker: every request goes to the Hono app built from `schemas/gateway.json` and `schemas/*.graphql`. */
export default {
  fetch(request, env, ctx) {
    app ??= createApp({ config, schemaFiles });
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
