/**
 * What `npm run schema:snapshot` and `npm run schema:check` share: the project's files, the variables
 * `{{env.X}}` reads, and the gateway schema composed from the snapshots with the Worker's own code
 * (src/gateway's createGateway, bundled by load-config-module.mjs): the remotes are "introspected" from
 * schemas/snapshots/<remote>.graphql through a fetch that answers the introspection query locally.
 * Node built-ins and graphql only; no git history is read.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSchema, graphql, lexicographicSortSchema, printSchema } from "graphql";
import { bindingReferences } from "./check-service-bindings.mjs";
import { readAllowedChanges, readModules, readSchemaFiles } from "./gen-schema-files.mjs";
import { loadLifecycleModule } from "./load-config-module.mjs";

/** The project root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where the remotes' snapshots live, relative to the root. */
export const SNAPSHOTS_DIR = "schemas/snapshots";
/** The committed composed schema, relative to the root. */
export const COMPOSED_FILE = "schemas/composed.graphql";
/** Where the trusted documents' manifests live (written by `npm run documents:push`), relative to the root. */
export const DOCUMENTS_DIR = "schemas/documents";

/**
 * Reads KEY=VALUE lines of a dotenv file (`#` comments, optional quotes).
 * @param {string} path
 * @returns {Record<string, string>} the variables; {} when the file does not exist
 */
export function readDotenv(path) {
  if (!existsSync(path)) return {};
  const out = {};
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    out[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

/**
 * The variables `{{env.X}}` reads: .dev.vars, then the environment (which wins).
 * @param {string} root
 * @returns {Record<string, string>}
 */
export function projectVars(root = ROOT) {
  return { ...readDotenv(join(root, ".dev.vars")), ...process.env };
}

/**
 * Reads schemas/gateway.json.
 * @param {string} root
 * @returns {Record<string, unknown>} the raw config
 * @throws Error naming the file when it is missing or not JSON
 */
export function readRawConfig(root = ROOT) {
  const path = join(root, "schemas/gateway.json");
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`schemas/gateway.json: ${error.message}`);
  }
}

/** A Workers KV namespace in memory: what the schema cache uses of one (get text/json, put). */
export function memoryKv() {
  const map = new Map();
  return {
    async get(key, type) {
      const value = map.get(key);
      if (value === undefined) return null;
      const kind = typeof type === "string" ? type : type?.type;
      return kind === "json" ? JSON.parse(value) : value;
    },
    async put(key, value) {
      map.set(key, String(value));
    },
    async delete(key) {
      map.delete(key);
    },
    async list() {
      return { keys: [...map.keys()].map((name) => ({ name })), list_complete: true };
    },
  };
}

/**
 * The snapshots on disk, by remote name.
 * @param {string} root
 * @returns {Map<string, string>} SDL by remote name
 */
export function readSnapshots(root = ROOT) {
  const dir = join(root, SNAPSHOTS_DIR);
  const out = new Map();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith(".graphql")) out.set(file.slice(0, -".graphql".length), readFileSync(join(dir, file), "utf8"));
  }
  return out;
}

/**
 * The trusted documents of schemas/documents/*.json (manifests `{ "<id>": "query ..." }`).
 * @param {string} root
 * @returns {{ id: string, source: string, text: string }[]}
 * @throws Error naming the file when a manifest is not such an object
 */
export function readDocuments(root = ROOT) {
  const dir = join(root, DOCUMENTS_DIR);
  if (!existsSync(dir)) return [];
  const out = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(".json")) continue;
    const source = `${DOCUMENTS_DIR}/${file}`;
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(dir, file), "utf8"));
    } catch (error) {
      throw new Error(`${source}: ${error.message}`);
    }
    if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
      throw new Error(`${source}: must be an object { "<document id>": "<document text>" }`);
    }
    for (const [id, text] of Object.entries(manifest)) {
      if (typeof text !== "string") throw new Error(`${source}: the document "${id}" is not a string`);
      out.push({ id, source, text });
    }
  }
  return out;
}

/**
 * Composes the gateway schema from the snapshots and schemas/*.graphql with the Worker's code.
 * @param {{ root?: string, config?: Record<string, unknown>, snapshots?: Map<string, string>, schemaFiles?: { path: string, sdl: string }[], modules?: object[] }} [options]
 *   defaults: the project's files
 * @returns {Promise<{ schema: import("graphql").GraphQLSchema, sdl: string, config: object, module: object, problems: string[] }>}
 *   the composed schema, its SDL (types sorted by name), the validated config, the bundled module, and
 *   problems (a remote without a snapshot, a remote left out of the composition) that fail the check
 * @throws Error when the config is invalid (with the module's ConfigError problems)
 */
export async function composeFromSnapshots(options = {}) {
  const root = options.root ?? ROOT;
  const module = await loadLifecycleModule();
  const raw = options.config ?? readRawConfig(root);
  const snapshots = options.snapshots ?? readSnapshots(root);
  const schemaFiles = options.schemaFiles ?? readSchemaFiles(root);
  // The composed schema is the whole one (what the admin sees), before any role narrows it, and composing
  // counts no requests: leave out who the caller is (auth, permissions, public fields, the permission SDL
  // files) and the rate limit rules (their bindings are the Worker's). Their secrets are not needed then.
  // The modules the config lists are merged in first, as the Worker merges them.
  const applied = module.applyModules(raw, options.modules ?? readModules(root), schemaFiles);
  const config = {
    ...applied.config,
    modules: [], // merged already
    rateLimits: [],
    auth: undefined,
    permissions: undefined,
    public: [],
  };
  const ownSdl = applied.schemaFiles.filter((file) => !file.path.startsWith("schemas/permissions/"));
  // Every {{env.X}} must resolve; a variable unknown here names a placeholder URL (the snapshot stands in).
  // A service binding of a remote or service (`binding`) is a stand-in Fetcher answering from the snapshots.
  const known = projectVars(root);
  const bound = new Set(bindingReferences(applied.config).map((reference) => reference.binding));
  const standIn = { fetch: (input, init) => snapshotFetch(input, init) };
  const env = new Proxy(
    { SCHEMA_CACHE: memoryKv() },
    {
      get: (target, name) =>
        name in target
          ? target[name]
          : typeof name === "string"
            ? bound.has(name)
              ? standIn
              : (known[name] ?? `http://snapshot.invalid/${name}`)
            : undefined,
      has: () => true,
    },
  );
  const validated = module.loadConfig(config, env);
  const problems = [];
  const byUrl = new Map();
  for (const remote of validated.remotes) {
    if (byUrl.has(remote.url)) {
      problems.push(
        `remotes "${byUrl.get(remote.url)}" and "${remote.name}" have the same URL: snapshots cannot tell them apart`,
      );
    }
    byUrl.set(remote.url, remote.name);
    if (!snapshots.has(remote.name)) {
      problems.push(
        `remote "${remote.name}" has no snapshot: run npm run schema:snapshot (writes ${SNAPSHOTS_DIR}/${remote.name}.graphql)`,
      );
    }
  }
  const built = new Map();
  const snapshotFetch = async (input, init) => {
    const request = new Request(input, init);
    const name = byUrl.get(request.url);
    const sdl = name === undefined ? undefined : snapshots.get(name);
    if (sdl === undefined) return new Response("no snapshot", { status: 503 });
    if (!built.has(name)) built.set(name, buildSchema(sdl));
    const { query, variables } = await request.json();
    const result = await graphql({ schema: built.get(name), source: query, variableValues: variables });
    return Response.json(result);
  };
  const log = module.createLogger({ level: "error", sink: () => undefined });
  const gateway = module.createGateway({ config, schemaFiles: ownSdl, fetch: snapshotFetch }, env, log);
  let schema;
  try {
    schema = await gateway.registry.getSchema();
  } catch (error) {
    throw new Error([error.message, ...problems].join("; "));
  }
  const status = await gateway.registry.status();
  for (const remote of status.remotes) {
    if (remote.status !== "ok" && snapshots.has(remote.name)) {
      problems.push(
        `remote "${remote.name}" is left out of the composed schema: ${remote.lastError?.message ?? remote.status}`,
      );
    }
  }
  const sdl = `${printSchema(lexicographicSortSchema(schema))}\n`;
  return {
    schema: buildSchema(sdl),
    sdl,
    config: validated,
    module,
    problems,
    allowedChanges: readAllowedChanges(root),
  };
}
