import { type DocumentNode, getLocation, Kind, parse, visit } from "graphql";
import { toJsonPath } from "../config";
import { ConfigError, type ConfigProblem } from "../errors";
import { defaultModuleName, type ModuleBundle, type ModuleManifest, readManifest } from "./manifest";

/** An SDL file of the gateway (path relative to the project root). */
export interface ModuleSchemaFile {
  /** Path relative to the project root, e.g. `modules/stripe/payments.graphql`. */
  path: string;
  /** The file's text. */
  sdl: string;
}

/** The config and SDL of a project with its modules merged in (see {@link applyModules}). */
export interface AppliedModules {
  /** The raw config with the modules' remotes, services, triggers and permissions appended, not validated. */
  config: unknown;
  /** The project's SDL files followed by the modules' (upstream names rewritten to the namespaced ones). */
  schemaFiles: ModuleSchemaFile[];
  /**
   * Points a problem of the merged config back at the module it came from: `$.services[3].url` becomes
   * `modules/stripe/module.json $.services[0].url` when that entry is the module's.
   * @param problem - a problem of the merged config (from loadConfig)
   * @returns the problem, its path rewritten when it falls in a module's entry
   */
  locate(problem: ConfigProblem): ConfigProblem;
}

/** Where SDL files never define types of the gateway: role permissions. */
const PERMISSION_FILES = "schemas/permissions/";

type Entry = Record<string, unknown>;
type Section = "remotes" | "services" | "triggers";

const LABEL: Record<Section, string> = { remotes: "remote", services: "service", triggers: "trigger" };

/** The `file:line:column` of a position in an SDL text. */
function at(path: string, document: DocumentNode, start: number): string {
  const source = document.loc?.source;
  if (source === undefined) return path;
  const { line, column } = getLocation(source, start);
  return `${path}:${line}:${column}`;
}

/** Parses SDL with locations, or undefined for a syntax error (reported later, located, by the SDL loader). */
function parsed(sdl: string): DocumentNode | undefined {
  try {
    return parse(sdl, { noLocation: false });
  } catch {
    return undefined;
  }
}

/**
 * A module SDL file with its `@rest(service:)` and `@join(remote:)` names of the module's own upstreams
 * replaced by their namespaced names, in place: every other character (and so every line and column
 * of an error) stays where it was written.
 */
function rewriteNames(
  sdl: string,
  services: ReadonlyMap<string, string>,
  remotes: ReadonlyMap<string, string>,
): string {
  const document = parsed(sdl);
  if (document === undefined) return sdl;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  visit(document, {
    Directive(node) {
      const [argument, names] =
        node.name.value === "rest" ? ["service", services] : node.name.value === "join" ? ["remote", remotes] : [];
      if (argument === undefined || names === undefined) return;
      const value = node.arguments?.find((arg) => arg.name.value === argument)?.value;
      if (value?.kind !== Kind.STRING || value.loc === undefined) return;
      const renamed = names.get(value.value);
      if (renamed !== undefined)
        edits.push({ start: value.loc.start, end: value.loc.end, text: JSON.stringify(renamed) });
    },
  });
  let out = sdl;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

/** The named type definitions of an SDL document (extensions left out): name -> position. */
function typeDefinitions(document: DocumentNode): Map<string, number> {
  const out = new Map<string, number>();
  for (const definition of document.definitions) {
    if (
      definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
      definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
      definition.kind === Kind.UNION_TYPE_DEFINITION ||
      definition.kind === Kind.ENUM_TYPE_DEFINITION ||
      definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION ||
      definition.kind === Kind.SCALAR_TYPE_DEFINITION
    ) {
      out.set(definition.name.value, definition.loc?.start ?? 0);
    }
  }
  return out;
}

/**
 * Merges the modules a config lists (`modules`, bundled by scripts/gen-schema-files.mjs) into it, before
 * it is validated:
 * - each module's remotes, services and `events.triggers` are appended, named `<module>_<name>` unless
 *   the module says `"namespace": false`; its `permissions` are added under those names;
 * - its SDL files join the project's, with `@rest(service:)` and `@join(remote:)` naming the module's own
 *   upstreams by their local names rewritten to the namespaced ones (names of the project's upstreams
 *   stay as written, so a module may join the project's remotes);
 * - a name or type a module shares with the project or another module is an error naming the module,
 *   the other side and the name.
 *
 * `{{env.X}}` in a module is resolved with the config, so a missing variable is the same startup error as
 * elsewhere, located in the module's `module.json` by {@link AppliedModules.locate}.
 *
 * @param raw - the parsed `schemas/gateway.json`
 * @param bundles - the bundled modules
 * @param schemaFiles - the project's own SDL files
 * @returns the merged config and SDL files
 * @throws ConfigError for a listed module that is not bundled, an invalid `module.json`, two modules of
 *   one name, a name clash, a permission entry given twice, or a type defined twice
 */
export function applyModules(
  raw: unknown,
  bundles: readonly ModuleBundle[],
  schemaFiles: readonly ModuleSchemaFile[],
): AppliedModules {
  const config = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Entry) : undefined;
  const listed = Array.isArray(config?.modules) ? (config.modules as unknown[]) : [];
  if (config === undefined || listed.length === 0) {
    return { config: raw, schemaFiles: [...schemaFiles], locate: (problem) => problem };
  }
  const problems: ConfigProblem[] = [];
  const merged: Entry = { ...config };
  const lists: Record<Section, Entry[]> = {
    remotes: Array.isArray(config.remotes) ? [...(config.remotes as Entry[])] : [],
    services: Array.isArray(config.services) ? [...(config.services as Entry[])] : [],
    triggers: [],
  };
  const events = (config.events ?? {}) as Entry;
  lists.triggers = Array.isArray(events.triggers) ? [...(events.triggers as Entry[])] : [];
  /** Upstream and trigger names -> who has them ("schemas/gateway.json" or `module "x"`). */
  const owners: Record<Section, Map<string, string>> = { remotes: new Map(), services: new Map(), triggers: new Map() };
  for (const section of ["remotes", "services", "triggers"] as const) {
    for (const entry of lists[section]) {
      if (typeof entry?.name === "string") owners[section].set(entry.name, "schemas/gateway.json");
    }
  }
  const origins: Array<{ merged: string; module: string }> = [];
  const permissions: Record<string, Record<string, string>> = structuredClone(
    (config.permissions ?? {}) as Record<string, Record<string, string>>,
  );
  const files: ModuleSchemaFile[] = [...schemaFiles];
  const names = new Map<string, string>();

  listed.forEach((entry, index) => {
    const bundle = bundles.find((candidate) => candidate.entry === entry);
    if (bundle === undefined) {
      problems.push({
        path: toJsonPath(["modules", index]),
        message: `module ${JSON.stringify(entry)} is not bundled: it needs a module.json in that folder (or npm package), then npm run gen:sdl`,
      });
      return;
    }
    const read = readManifest(bundle);
    if ("problems" in read) {
      problems.push(...read.problems);
      return;
    }
    const manifest: ModuleManifest = read.manifest;
    const name = manifest.name ?? defaultModuleName(bundle.dir);
    const other = names.get(name);
    if (other !== undefined) {
      problems.push({
        path: toJsonPath(["modules", index]),
        message: `modules ${other} and ${bundle.dir} are both named "${name}"`,
      });
      return;
    }
    names.set(name, bundle.dir);
    const label = `module "${name}"`;
    const prefix = manifest.namespace ? `${name}_` : "";
    const renamed: Record<Section, Map<string, string>> = {
      remotes: new Map(),
      services: new Map(),
      triggers: new Map(),
    };
    const own: Record<Section, Entry[]> = {
      remotes: manifest.remotes,
      services: manifest.services,
      triggers: manifest.events?.triggers ?? [],
    };
    for (const section of ["remotes", "services", "triggers"] as const) {
      own[section].forEach((item, position) => {
        const local = typeof item.name === "string" ? item.name : undefined;
        const full = local === undefined ? undefined : `${prefix}${local}`;
        const modulePath = `${bundle.dir}/module.json ${toJsonPath([section === "triggers" ? "events" : section, ...(section === "triggers" ? ["triggers"] : []), position])}`;
        if (local !== undefined && full !== undefined) {
          // Remotes and services share one namespace (the config's own rule); triggers have their own.
          const owner =
            section === "triggers"
              ? owners.triggers.get(full)
              : (owners.remotes.get(full) ?? owners.services.get(full));
          if (owner !== undefined) {
            problems.push({
              path: `${modulePath}.name`,
              message: `${label}: ${LABEL[section]} "${full}" clashes with a name of ${owner}`,
            });
            return;
          }
          owners[section].set(full, label);
          renamed[section].set(local, full);
        }
        const mergedPath =
          section === "triggers"
            ? toJsonPath(["events", "triggers", lists.triggers.length])
            : toJsonPath([section, lists[section].length]);
        origins.push({ merged: mergedPath, module: modulePath });
        lists[section].push(full === undefined ? item : { ...item, name: full });
      });
    }
    for (const [role, upstreams] of Object.entries(manifest.permissions ?? {})) {
      permissions[role] ??= {};
      const forRole = permissions[role];
      for (const [upstream, sdl] of Object.entries(upstreams)) {
        const target = renamed.remotes.get(upstream) ?? renamed.services.get(upstream) ?? upstream;
        if (Object.hasOwn(forRole, target)) {
          problems.push({
            path: `${bundle.dir}/module.json ${toJsonPath(["permissions", role, upstream])}`,
            message: `${label}: role "${role}" already has permissions for "${target}"`,
          });
          continue;
        }
        forRole[target] = sdl;
        origins.push({
          merged: toJsonPath(["permissions", role, target]),
          module: `${bundle.dir}/module.json ${toJsonPath(["permissions", role, upstream])}`,
        });
      }
    }
    for (const file of bundle.files) {
      files.push({ path: file.path, sdl: rewriteNames(file.sdl, renamed.services, renamed.remotes) });
    }
  });

  // Types: a module's type defined again elsewhere (the project's SDL or another module).
  const definedBy = new Map<string, string>();
  const moduleOf = (path: string): string | undefined => {
    const bundle = bundles.find((candidate) => path.startsWith(`${candidate.dir}/`));
    return bundle === undefined ? undefined : bundle.dir;
  };
  for (const file of files) {
    if (file.path.startsWith(PERMISSION_FILES)) continue;
    const document = parsed(file.sdl);
    if (document === undefined) continue;
    for (const [type, start] of typeDefinitions(document)) {
      const earlier = definedBy.get(type);
      const dir = moduleOf(file.path);
      if (earlier !== undefined && (dir !== undefined || moduleOf(earlier) !== undefined)) {
        const who = dir === undefined ? `module ${moduleOf(earlier)}` : `module ${dir}`;
        problems.push({
          path: at(file.path, document, start),
          message: `${who}: type ${type} is defined both in ${earlier} and in ${file.path}`,
        });
      }
      if (earlier === undefined) definedBy.set(type, file.path);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  merged.remotes = lists.remotes;
  merged.services = lists.services;
  if (lists.triggers.length > 0) merged.events = { ...events, triggers: lists.triggers };
  if (Object.keys(permissions).length > 0) merged.permissions = permissions;
  return {
    config: merged,
    schemaFiles: files,
    locate(problem) {
      for (const origin of origins) {
        const rest = problem.path.slice(origin.merged.length);
        if (problem.path.startsWith(origin.merged) && (rest === "" || rest.startsWith(".") || rest.startsWith("["))) {
          return { ...problem, path: `${origin.module}${rest}` };
        }
      }
      return problem;
    },
  };
}
