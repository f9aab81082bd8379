/**
 * Loads src/config and the SDL checker (REST fields and role permissions; TypeScript) in Node by bundling it in memory with esbuild, so build-time scripts
 * use the exact zod schema the Worker uses. Internal helper of check-config.mjs and gen-config-schema.mjs.
 */

import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

/** @returns the config module plus `buildSchemaFiles` (to check schemas/**\/*.graphql against the config) */
export async function loadConfigModule() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const result = await build({
    stdin: {
      contents:
        'export * from "./src/config/index.ts"; export { buildSchemaFiles } from "./src/gateway/index.ts"; export { ConfigError } from "./src/errors/index.ts";',
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    outfile: join(root, "node_modules/.cache/junction/config-module.mjs"),
    logLevel: "silent",
    // src/events (which the SDL checker reaches through @publish) defines the RealtimeHub Durable Object,
    // whose base class comes from workerd's `cloudflare:workers`; Node cannot import it, and the checker
    // never builds an object: a stand-in class is enough.
    plugins: [
      {
        name: "cloudflare-workers-stand-in",
        setup(builder) {
          builder.onResolve({ filter: /^cloudflare:workers$/ }, () => ({
            path: "cloudflare:workers",
            namespace: "stand-in",
          }));
          builder.onLoad({ filter: /.*/, namespace: "stand-in" }, () => ({
            contents: "export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }",
            loader: "js",
          }));
        },
      },
    ],
  });
  if (result.errors.length > 0) throw new Error("could not bundle src/config");
  return import(`${pathToFileURL(join(root, "node_modules/.cache/junction/config-module.mjs")).href}?t=${Date.now()}`);
}
