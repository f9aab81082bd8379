/**
 * `npm run module:add <folder | npm package>`: copies a module (a folder with a module.json and its
 * *.graphql files) into modules/<folder>/ and adds "modules/<folder>" to the `modules` of
 * schemas/gateway.json, then lists the `{{env.X}}` variables the module needs and which of them
 * .dev.vars.example and .dev.vars lack (a missing one is the gateway's usual startup error).
 *
 * A package is taken from node_modules/<package> when installed, else fetched with `npm pack` (the
 * registry npm is configured with) and unpacked. A folder already under modules/ is only added to
 * the config.
 *
 * Usage: npm run module:add -- <folder | package> [--root <project>]
 * Exit codes: 0 added (or already listed), 1 the module cannot be added (no module.json, the target
 * folder exists with other content, an invalid module.json), 2 usage error.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** `{{env.X}}` as the gateway's config loader reads it. */
const ENV_REFERENCE = /\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * The variable names a module's files reference.
 * @param {string} dir the module's folder
 * @returns {string[]} sorted, unique
 */
export function envNamesOf(dir) {
  const names = new Set();
  const walk = (folder) => {
    for (const item of readdirSync(folder, { withFileTypes: true })) {
      const full = join(folder, item.name);
      if (item.isDirectory() && item.name !== "node_modules") walk(full);
      else if (item.isFile() && /\.(json|graphql)$/.test(item.name)) {
        for (const match of readFileSync(full, "utf8").matchAll(ENV_REFERENCE)) names.add(match[1]);
      }
    }
  };
  walk(dir);
  return [...names].sort();
}

/** The variable names a dotenv-style file defines (`NAME=value` lines), or an empty set without the file. */
function definedIn(file) {
  if (!existsSync(file)) return new Set();
  return new Set(
    readFileSync(file, "utf8")
      .split("\n")
      .map((line) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
      .filter(Boolean),
  );
}

/**
 * Adds an entry to the `modules` list of a gateway.json text, keeping the rest of the text as written.
 * @param {string} text the file's text
 * @param {string} entry e.g. "modules/stripe"
 * @returns {string} the new text (unchanged when the entry is listed already)
 */
export function withModuleEntry(text, entry) {
  const config = JSON.parse(text);
  const listed = Array.isArray(config.modules) ? config.modules : undefined;
  if (listed?.includes(entry)) return text;
  if (listed !== undefined) {
    const match = /"modules"\s*:\s*\[([^\]]*)\]/.exec(text);
    if (match !== null) {
      const inside = match[1].trim();
      const list = inside === "" ? JSON.stringify(entry) : `${inside}, ${JSON.stringify(entry)}`;
      return `${text.slice(0, match.index)}"modules": [${list}]${text.slice(match.index + match[0].length)}`;
    }
  }
  const schemaLine = /^(\s*)"\$schema"\s*:\s*"[^"]*",\n/m.exec(text);
  if (schemaLine !== null) {
    const end = schemaLine.index + schemaLine[0].length;
    return `${text.slice(0, end)}${schemaLine[1]}"modules": [${JSON.stringify(entry)}],\n${text.slice(end)}`;
  }
  const brace = text.indexOf("{");
  return `${text.slice(0, brace + 1)}\n  "modules": [${JSON.stringify(entry)}],${text.slice(brace + 1)}`;
}

/**
 * Finds a module's source folder: a folder holding module.json, an installed package, or a package
 * fetched with `npm pack`.
 * @returns {{ dir: string, folder: string, cleanup?: () => void }} the folder and the name of modules/<folder>
 */
function sourceOf(spec, root) {
  const asFolder = resolve(root, spec);
  if (existsSync(asFolder) && statSync(asFolder).isDirectory()) {
    if (!existsSync(join(asFolder, "module.json"))) throw new Error(`${spec}: no module.json in that folder`);
    return { dir: asFolder, folder: basename(asFolder) };
  }
  const packageName = spec.replace(/@[^@/]+$/, "") || spec;
  const folder = packageName.split("/").pop();
  const installed = join(root, "node_modules", packageName);
  if (existsSync(join(installed, "module.json"))) return { dir: installed, folder };
  const work = mkdtempSync(join(tmpdir(), "junction-module-"));
  try {
    const packed = JSON.parse(
      execFileSync("npm", ["pack", spec, "--json", "--pack-destination", work], { cwd: root, encoding: "utf8" }),
    );
    execFileSync("tar", ["-xzf", join(work, packed[0].filename), "-C", work]);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`${spec}: not a folder, not installed, and npm pack failed: ${error.message.split("\n")[0]}`);
  }
  const dir = join(work, "package");
  if (!existsSync(join(dir, "module.json"))) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`${spec}: the package has no module.json at its root`);
  }
  return { dir, folder, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * Adds a module to a project.
 * @param {string} spec a folder (relative to the project root or absolute) or an npm package
 * @param {string} [root] the project root
 * @returns {{ entry: string, copied: boolean, env: { name: string, example: boolean, local: boolean }[] }}
 * @throws Error with a message for the user when the module cannot be added
 */
export function addModule(spec, root = ROOT) {
  const source = sourceOf(spec, root);
  try {
    const manifestText = readFileSync(join(source.dir, "module.json"), "utf8");
    let manifest;
    try {
      manifest = JSON.parse(manifestText);
    } catch (error) {
      throw new Error(`${spec}/module.json: ${error.message}`);
    }
    if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
      throw new Error(`${spec}/module.json: must be a JSON object`);
    }
    const target = join(root, "modules", source.folder);
    const alreadyThere = resolve(source.dir) === resolve(target);
    let copied = false;
    if (!alreadyThere) {
      if (existsSync(target)) {
        throw new Error(`modules/${source.folder} exists already: remove it first, or add that folder itself`);
      }
      cpSync(source.dir, target, {
        recursive: true,
        // The module's own dependencies stay out (the module may itself live under node_modules/).
        filter: (path) => !relative(source.dir, path).split(sep).includes("node_modules"),
      });
      copied = true;
    }
    const entry = `modules/${source.folder}`;
    const configFile = join(root, "schemas/gateway.json");
    const text = readFileSync(configFile, "utf8");
    writeFileSync(configFile, withModuleEntry(text, entry));
    const example = definedIn(join(root, ".dev.vars.example"));
    const local = definedIn(join(root, ".dev.vars"));
    const env = envNamesOf(target).map((name) => ({ name, example: example.has(name), local: local.has(name) }));
    return { entry, copied, env };
  } finally {
    source.cleanup?.();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { root: { type: "string" } } });
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  const [spec] = parsed.positionals;
  if (spec === undefined || parsed.positionals.length > 1) {
    console.error("usage: npm run module:add -- <folder | npm package> [--root <project>]");
    process.exit(2);
  }
  try {
    const result = addModule(spec, parsed.values.root ?? ROOT);
    console.log(
      `✔ ${result.copied ? `copied into ${result.entry}/ and ` : ""}listed "${result.entry}" in schemas/gateway.json modules`,
    );
    if (result.env.length === 0) console.log("  the module needs no {{env.X}} variables");
    for (const variable of result.env) {
      const missing = [!variable.example && ".dev.vars.example", !variable.local && ".dev.vars"].filter(Boolean);
      console.log(
        `  needs {{env.${variable.name}}}${missing.length > 0 ? `: add it to ${missing.join(" and ")} (and \`wrangler secret put\` or [vars] for deploys)` : ""}`,
      );
    }
  } catch (error) {
    console.error(`✘ ${error.message}`);
    process.exit(1);
  }
}
