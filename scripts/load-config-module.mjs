/**
 * Loads src/config (TypeScript) in Node by bundling it in memory with esbuild, so build-time scripts
 * use the exact zod schema the Worker uses. Internal helper of check-config.mjs and gen-config-schema.mjs.
 */

import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** @returns {Promise<typeof import("../src/config/index.ts")>} the config module */
export async function loadConfigModule() {
  const entry = fileURLToPath(new URL("../src/config/index.ts", import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  return import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
}
