/**
 * For the tests of check-config.mjs's checks (rate limits, service bindings, event triggers): runs the
 * script on a fake gateway.json and wrangler.toml written to a directory. Not a test file itself.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = fileURLToPath(new URL("./check-config.mjs", import.meta.url));
let runs = 0;

/**
 * Runs scripts/check-config.mjs on `config` and `wrangler`, written to `dir` under fresh names.
 * @param {string} dir a temporary directory
 * @param {object} config the gateway config
 * @param {string} wrangler the text of wrangler.toml
 * @returns {{ status: number | null, output: string }} the exit code and what the script printed
 */
export function runCheckConfig(dir, config, wrangler) {
  runs++;
  const configPath = path.join(dir, `gateway-${runs}.json`);
  const wranglerPath = path.join(dir, `wrangler-${runs}.toml`);
  writeFileSync(configPath, JSON.stringify(config));
  writeFileSync(wranglerPath, wrangler);
  const result = spawnSync(process.execPath, [SCRIPT, configPath, "--wrangler", wranglerPath], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
