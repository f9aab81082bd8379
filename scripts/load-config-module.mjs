/**
 * Loads src/config and the SDL checker (REST fields and role permissions; TypeScript) in Node by bundling it in memory with esbuild, so build-time scripts
 * use the exact zod schema the Worker uses. Internal helper of check-config.mjs and gen-config-schema.mjs.
 */

import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

/** What the config module exports: src/config, the SDL checker, ConfigError and the modules' merge (src/modules). */
const CONFIG_EXPORTS =
  'export * from "./src/config/index.ts"; export { buildSchemaFiles } from "./src/gateway/index.ts"; export { ConfigError } from "./src/errors/index.ts"; export { applyModules, ModuleManifestSchema } from "./src/modules/index.ts";';

/**
 * What the lifecycle module exports besides the config module's: the gateway (to compose the schema
 * exactly as the Worker does), the remote sources and upstream pipeline (to introspect), and the schema
 * check (src/lifecycle).
 */
const LIFECYCLE_EXPORTS = `${CONFIG_EXPORTS} export { createGateway } from "./src/gateway/index.ts"; export { createRemoteSource } from "./src/sources/index.ts"; export { createUpstreamPipeline } from "./src/upstream/index.ts"; export * from "./src/lifecycle/index.ts"; export { createLogger } from "./src/observability/index.ts";`;

/** @returns the config module plus `buildSchemaFiles` (to check schemas/**\/*.graphql against the config) */
export function loadConfigModule() {
  return bundle(CONFIG_EXPORTS, "config-module");
}

/**
 * @returns the config module plus createGateway, createRemoteSource, createUpstreamPipeline, createLogger and
 *   src/lifecycle (for scripts/schema-snapshot.mjs and scripts/schema-check.mjs)
 */
export function loadLifecycleModule() {
  return bundle(LIFECYCLE_EXPORTS, "lifecycle-module");
}

/** Bundles `contents` (TypeScript re-exports from src/) into node_modules/.cache/junction/<name>.mjs and imports it. */
async function bundle(contents, name) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const outfile = join(root, `node_modules/.cache/junction/${name}.mjs`);
  const result = await build({
    stdin: {
      contents,
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    outfile,
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
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}
