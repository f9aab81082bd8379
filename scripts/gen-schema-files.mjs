/**
 * Bundles every `*.graphql` file under schemas/ into src/generated/index.ts, so the Worker
 * (which has no filesystem) gets the gateway's SDL: adding, renaming or removing a file needs no code
 * change. Runs in wrangler's build step (dev and deploy), in `npm run check` and before the tests.
 * The output is generated, git-ignored, never edited by hand.
 *
 * Left out: schemas/snapshots/ (the remotes' introspection, written by `npm run schema:snapshot`) and
 * schemas/composed.graphql (the composed schema `npm run schema:check` diffs against): they describe the
 * schema the gateway serves, they are not part of its own SDL. schemas/allowed-changes.json (breaking
 * changes accepted on purpose) is bundled too, for the reload guard, and so are the modules the config
 * lists (`modules`: each one's module.json and *.graphql files, see docs/modules.md).
 *
 * Usage: node scripts/gen-schema-files.mjs
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Paths under schemas/ that are not SDL of the gateway's own (see the header). */
export const NOT_GATEWAY_SDL = ["schemas/snapshots", "schemas/composed.graphql"];

/**
 * Reads schemas/allowed-changes.json: `[{ "path": "Query.products.category", "reason": "..." }]`.
 * @returns {{ path: string, reason: string }[]} the entries; [] when the file does not exist
 * @throws Error naming the file and the entry when it is not such a list
 */
export function readAllowedChanges(root = ROOT) {
  const file = join(root, "schemas/allowed-changes.json");
  if (!existsSync(file)) return [];
  let entries;
  try {
    entries = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`schemas/allowed-changes.json: ${error.message}`);
  }
  if (!Array.isArray(entries)) throw new Error('schemas/allowed-changes.json: must be a list of { "path", "reason" }');
  entries.forEach((entry, index) => {
    const ok =
      entry !== null &&
      typeof entry === "object" &&
      typeof entry.path === "string" &&
      entry.path.length > 0 &&
      typeof entry.reason === "string" &&
      entry.reason.trim().length > 0 &&
      Object.keys(entry).every((key) => key === "path" || key === "reason");
    if (!ok) {
      throw new Error(
        `schemas/allowed-changes.json[${index}]: must be { "path": "<graphql-inspector change path>", "reason": "<why>" }`,
      );
    }
  });
  return entries.map(({ path, reason }) => ({ path, reason }));
}

/** @returns {{ path: string, sdl: string }[]} every schemas/**\/*.graphql file, sorted by path */
export function readSchemaFiles(root = ROOT) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (NOT_GATEWAY_SDL.includes(relative(root, full).split(sep).join("/"))) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".graphql")) {
        out.push({ path: relative(root, full).split(sep).join("/"), sdl: readFileSync(full, "utf8") });
      }
    }
  };
  walk(join(root, "schemas"));
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Where a `modules` entry of schemas/gateway.json lives: a folder relative to the project root
 * (`modules/stripe`, `./modules/stripe`), else an npm package's folder under node_modules/
 * (`@acme/junction-module-auth`).
 * @param {string} entry the entry as written
 * @returns {string | undefined} the folder relative to the root, or undefined when neither holds a module.json
 */
export function resolveModuleDir(entry, root = ROOT) {
  const local = entry.replace(/^\.\//, "").replace(/\/+$/, "");
  for (const candidate of [local, `node_modules/${local}`]) {
    if (existsSync(join(root, candidate, "module.json"))) return candidate;
  }
  return undefined;
}

/**
 * Reads the modules schemas/gateway.json lists (`modules`): each one's module.json and its *.graphql
 * files (node_modules/ inside it skipped).
 * @returns {{ entry: string, dir: string, manifest: unknown, files: { path: string, sdl: string }[] }[]}
 * @throws Error naming the entry when no module.json is found, or module.json is not JSON
 */
export function readModules(root = ROOT) {
  const configFile = join(root, "schemas/gateway.json");
  if (!existsSync(configFile)) return [];
  let entries;
  try {
    entries = JSON.parse(readFileSync(configFile, "utf8")).modules ?? [];
  } catch {
    return []; // an invalid gateway.json is reported by the gateway itself, with its path
  }
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((entry) => typeof entry === "string")
    .map((entry) => {
      const dir = resolveModuleDir(entry, root);
      if (dir === undefined) {
        throw new Error(
          `schemas/gateway.json modules: no module.json for "${entry}" (a folder relative to the project root, or an installed npm package)`,
        );
      }
      let manifest;
      try {
        manifest = JSON.parse(readFileSync(join(root, dir, "module.json"), "utf8"));
      } catch (error) {
        throw new Error(`${dir}/module.json: ${error.message}`);
      }
      const files = [];
      const walk = (folder) => {
        for (const item of readdirSync(folder, { withFileTypes: true })) {
          const full = join(folder, item.name);
          if (item.isDirectory() && item.name !== "node_modules") walk(full);
          else if (item.isFile() && item.name.endsWith(".graphql")) {
            files.push({ path: relative(root, full).split(sep).join("/"), sdl: readFileSync(full, "utf8") });
          }
        }
      };
      walk(join(root, dir));
      files.sort((a, b) => a.path.localeCompare(b.path));
      return { entry, dir, manifest, files };
    });
}

/** Writes src/generated/index.ts; returns the number of files. */
export function generateSchemaFiles(root = ROOT) {
  const files = readSchemaFiles(root);
  const allowed = readAllowedChanges(root);
  const modules = readModules(root);
  const text = `// Generated by scripts/gen-schema-files.mjs from schemas/**/*.graphql. Do not edit.
import type { AllowedChange } from "../lifecycle";
import type { ModuleBundle } from "../modules";
import type { SchemaFile } from "../sources/rest";

/** The SDL files under schemas/, bundled. */
export const schemaFiles: readonly SchemaFile[] = ${JSON.stringify(files, null, 2)};

/** schemas/allowed-changes.json, bundled for the reload guard. */
export const allowedChanges: readonly AllowedChange[] = ${JSON.stringify(allowed, null, 2)};

/** The modules schemas/gateway.json lists, bundled (module.json and *.graphql of each). */
export const modules: readonly ModuleBundle[] = ${JSON.stringify(modules, null, 2)};
`;
  mkdirSync(join(root, "src/generated"), { recursive: true });
  writeFileSync(join(root, "src/generated/index.ts"), text);
  return files.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = generateSchemaFiles();
  console.log(`✔ bundled ${count} SDL file(s) from schemas/ into src/generated/index.ts`);
}
