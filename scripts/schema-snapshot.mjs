/**
 * `npm run schema:snapshot`: introspects every remote of schemas/gateway.json (URLs and headers from the
 * config, `{{env.X}}` from .dev.vars or the environment) with the Worker's own introspection code, and writes
 * each remote's schema as SDL (types sorted by name) to schemas/snapshots/<remote>.graphql, to be committed.
 * `npm run schema:check` composes the gateway schema from these files. A remote behind a service binding
 * (`binding`) is introspected through it as wrangler's getPlatformProxy reaches it: the bound Worker must be
 * running in a local `wrangler dev` (npm run dev).
 *
 * Usage: node scripts/schema-snapshot.mjs [--remote <name>]... [--json]
 * Exit code: 0 when every asked remote was written, 1 when one failed (the others are still written), 2 on
 * a usage error.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { lexicographicSortSchema, printSchema } from "graphql";
import { projectVars, ROOT, readRawConfig, SNAPSHOTS_DIR } from "./lifecycle.mjs";
import { loadLifecycleModule } from "./load-config-module.mjs";

/**
 * Writes the snapshots.
 * @param {{ root?: string, remotes?: string[], vars?: Record<string, string> }} [options]
 * @returns {Promise<{ ok: boolean, written: { remote: string, path: string, types: number }[], failed: { remote: string, message: string }[] }>}
 * @throws Error when the config is invalid, names an unknown remote or misses a variable
 */
export async function writeSnapshots(options = {}) {
  const root = options.root ?? ROOT;
  const module = await loadLifecycleModule();
  const raw = readRawConfig(root);
  const config = module.loadConfig({ ...raw, rateLimits: [] }, options.vars ?? projectVars(root));
  const names = options.remotes?.length ? options.remotes : config.remotes.map((remote) => remote.name);
  const unknown = names.filter((name) => !config.remotes.some((remote) => remote.name === name));
  if (unknown.length > 0)
    throw new Error(`no remote named ${unknown.map((name) => `"${name}"`).join(", ")} in schemas/gateway.json`);
  // A remote behind a service binding is introspected through that binding, reached from Node the way
  // wrangler's getPlatformProxy reaches it: the bound Worker running in a local `wrangler dev` (npm run dev).
  const bound = names.some((name) => config.remotes.find((remote) => remote.name === name)?.binding !== undefined);
  const proxy = bound ? await openBindings(root) : undefined;
  const pipeline = module.createUpstreamPipeline({ bindings: proxy?.env });
  mkdirSync(join(root, SNAPSHOTS_DIR), { recursive: true });
  const written = [];
  const failed = [];
  await Promise.all(
    names.map(async (name) => {
      const remote = config.remotes.find((candidate) => candidate.name === name);
      try {
        const { schema } = await module.createRemoteSource(remote, pipeline).introspect();
        const path = `${SNAPSHOTS_DIR}/${name}.graphql`;
        const sdl = `# Introspection of remote "${name}", written by npm run schema:snapshot. Do not edit.\n${printSchema(lexicographicSortSchema(schema))}\n`;
        writeFileSync(join(root, path), sdl);
        written.push({
          remote: name,
          path,
          types: Object.keys(schema.getTypeMap()).filter((type) => !type.startsWith("__")).length,
        });
      } catch (error) {
        const hint =
          remote.binding === undefined
            ? ""
            : ` (remote "${name}" is reached through the service binding ${remote.binding}: run npm run dev, which serves the bound Worker, then snapshot again)`;
        failed.push({ remote: name, message: `${error.message}${hint}` });
      }
    }),
  ).finally(() => proxy?.dispose());
  written.sort((a, b) => a.remote.localeCompare(b.remote));
  return { ok: failed.length === 0, written, failed };
}

/**
 * The project's bindings as wrangler's `getPlatformProxy` gives them to Node: its service bindings reach
 * the Workers of local `wrangler dev` sessions (the dev registry).
 * @param {string} root the project directory
 * @returns {Promise<{ env: Record<string, unknown>, dispose(): Promise<void> }>}
 */
async function openBindings(root) {
  const { getPlatformProxy } = await import("wrangler");
  return getPlatformProxy({ configPath: join(root, "wrangler.toml"), persist: false });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  let args;
  try {
    args = parseArgs({ options: { remote: { type: "string", multiple: true }, json: { type: "boolean" } } }).values;
  } catch (error) {
    console.error(`✘ ${error.message}\nUsage: npm run schema:snapshot [-- --remote <name>]... [--json]`);
    process.exit(2);
  }
  try {
    const report = await writeSnapshots({ remotes: args.remote });
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else {
      for (const entry of report.written) console.log(`✔ ${entry.path} (${entry.types} types)`);
      for (const entry of report.failed) console.error(`✘ remote "${entry.remote}": ${entry.message}`);
    }
    process.exit(report.ok ? 0 : 1);
  } catch (error) {
    const problems = error.problems?.map((problem) => `\n  ${problem.path}: ${problem.message}`).join("") ?? "";
    if (args.json) console.log(JSON.stringify({ ok: false, error: `${error.message}${problems}` }, null, 2));
    else console.error(`✘ ${error.message}${problems}`);
    process.exit(1);
  }
}
