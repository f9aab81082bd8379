import type { SubschemaConfig } from "@graphql-tools/delegate";
import type { Executor } from "@graphql-tools/utils";
import { type GraphQLSchema, printSchema } from "graphql";
import type { RemoteConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import type { Logger } from "../observability";
import {
  createContextualExecutor,
  createPassthroughExecutor,
  createRemoteSubschema,
  type FetchFn,
  introspectRemote,
  schemaFromIntrospection,
} from "../sources/remote-graphql";
import type { FieldExtension } from "../sources/rest";
import { type ComposeInput, composeSubschemas } from "./compose";
import { sha256Hex } from "./hash";
import type { JoinStatus } from "./joins";
import type { RemotePointer, SchemaCache } from "./schema-cache";

/** Where a remote's current schema came from. */
export type SchemaSource = "kv" | "introspection";

/** A remote's last failure, as shown by `GET /admin/remotes`. */
export interface RemoteFailure {
  /** Error code (UPSTREAM_*, INTROSPECTION_FAILED, SCHEMA_CONFLICT, ...). */
  code: string;
  /** Public message. */
  message: string;
  /** When it happened (ISO 8601). */
  at: string;
}

/** One remote's state, as shown by `GET /admin/remotes` and `/healthz`. */
export interface RemoteStatus {
  /** The remote's configured name. */
  name: string;
  /** "ok" when its fields are in the served schema, else "error". */
  status: "ok" | "error";
  /** SHA-256 of its introspection JSON (the KV content address), or null if never loaded. */
  schemaHash: string | null;
  /** When its introspection was taken (ISO 8601), or null. */
  loadedAt: string | null;
  /** Where the isolate got it from, or null. */
  source: SchemaSource | null;
  /** The last failure, or null. A conflict keeps the remote out of the schema. */
  lastError: RemoteFailure | null;
}

/** The gateway's overall state. */
export interface GatewayStatus {
  /** "ok": every remote serves; "degraded": some do; "unavailable": none. */
  status: "ok" | "degraded" | "unavailable";
  /** SHA-256 over the included remotes' hashes, or null when no schema. */
  schemaHash: string | null;
  /** Each remote, in config order. */
  remotes: RemoteStatus[];
  /**
   * Each join (`Type.field` of a @join or foreign @rest field) and merge entry (`merge:<remote>.<Type>`);
   * one in error is left out of the schema and makes the status "degraded".
   */
  joins: JoinStatus[];
}

/** Result of a successful reload. */
export interface ReloadReport {
  /** Each reloaded remote with its new hash and whether its schema changed. */
  reloaded: Array<{ name: string; schemaHash: string; changed: boolean }>;
  /** Hash of the composed schema now served. */
  schemaHash: string | null;
}

/** Options of {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** The remotes, in config order (earlier wins a conflict). */
  remotes: readonly RemoteConfig[];
  /** The KV introspection cache. */
  cache: SchemaCache;
  /** Logger for loads, reloads and failures. */
  log: Logger;
  /** Fetch for introspection and execution. @default globalThis.fetch */
  fetch?: FetchFn;
  /** How often (ms) an isolate checks KV for pointers written by a reload elsewhere. @default 60000 */
  pollIntervalMs?: number;
  /** How often (ms) an isolate retries remotes that have no schema yet. @default 10000 */
  retryIntervalMs?: number;
  /**
   * Subschemas that need no loading (the REST-backed SDL of schemas/*.graphql). They come first in
   * composition, so a remote that conflicts with them is the one left out. @default []
   */
  localSubschemas?: readonly ComposeInput[];
  /** Fields of schemas/*.graphql stitched onto other sources' types (@join, foreign @rest). @default [] */
  extensions?: readonly FieldExtension[];
  /** `Type.field` of the local subschema's join points (@rest on object types). @default [] */
  joinFields?: readonly string[];
}

/** Registers background work that may outlive the response (ExecutionContext.waitUntil). */
export type WaitUntil = (promise: Promise<unknown>) => void;

/**
 * The per-isolate schema registry: builds the stitched schema lazily (memory, else KV, else
 * introspection), polls KV for reloads made by other isolates, and reloads on request while keeping
 * the last good schema on any failure.
 */
export interface SchemaRegistry {
  /**
   * The schema to execute against; builds it on first use (once per isolate, shared by concurrent
   * requests) and schedules a KV check when one is due.
   * @param waitUntil - where background refreshes are registered
   * @throws GatewayError SCHEMA_UNAVAILABLE (503) when no remote could be loaded
   */
  getSchema(waitUntil?: WaitUntil): Promise<GraphQLSchema>;
  /** Loads the schema if not yet loaded, then returns the status of every remote. */
  status(waitUntil?: WaitUntil): Promise<GatewayStatus>;
  /** The composed schema as SDL (after loading), or null when no remote is loaded. */
  sdl(): Promise<string | null>;
  /**
   * Introspects the named remotes (all when omitted) and swaps in the new schema, all or nothing.
   * @param names - remote names; must exist
   * @returns the new hashes
   * @throws GatewayError RELOAD_FAILED: 502 when a remote fails, 409 on a new conflict, 500 when KV
   *   cannot be written. The previous schema keeps serving.
   */
  reload(names?: readonly string[]): Promise<ReloadReport>;
  /** Whether a remote of that name is configured. */
  has(name: string): boolean;
}

interface LoadedRemote {
  hash: string;
  loadedAt: string;
  source: SchemaSource;
  subschema: SubschemaConfig;
  /** The introspection JSON, kept until written to KV. */
  json?: string;
}

interface RemoteEntry {
  config: RemoteConfig;
  fingerprint: string;
  loaded?: LoadedRemote;
  lastError?: RemoteFailure;
}

interface RegistryState {
  entries: ReadonlyMap<string, RemoteEntry>;
  schema: GraphQLSchema | undefined;
  schemaHash: string | null;
  included: ReadonlySet<string>;
  conflicts: ReadonlyMap<string, GatewayError>;
  joins: readonly JoinStatus[];
}

const failureOf = (error: unknown): RemoteFailure => ({
  code: error instanceof GatewayError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR,
  message: error instanceof GatewayError ? error.message : "unexpected error",
  at: new Date().toISOString(),
});

/**
 * Creates the schema registry of one isolate. Nothing happens until the first call: no schema work
 * at module top level.
 * @param options - remotes, cache, logger, fetch and polling intervals
 * @returns the registry
 */
export function createSchemaRegistry(options: SchemaRegistryOptions): SchemaRegistry {
  const { cache, log } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 60_000;
  const retryIntervalMs = options.retryIntervalMs ?? 10_000;
  const order = options.remotes.map((remote) => remote.name);
  const localSubschemas = options.localSubschemas ?? [];
  const configs = new Map(options.remotes.map((remote) => [remote.name, remote]));
  const executors = new Map<string, Executor>(
    options.remotes.map((remote) => [remote.name, createContextualExecutor(remote, options.fetch)]),
  );
  const passthroughExecutors = new Map<string, Executor>(
    options.remotes.map((remote) => [remote.name, createPassthroughExecutor(remote, options.fetch)]),
  );

  let state: RegistryState | undefined;
  let initial: Promise<RegistryState> | undefined;
  let lastCheck = 0;
  let lock: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every earlier reload/refresh has finished. */
  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = lock.then(task, task);
    lock = run.catch(() => undefined);
    return run;
  }

  function subschemaOf(config: RemoteConfig, schema: GraphQLSchema): SubschemaConfig {
    return createRemoteSubschema(config, schema, executors.get(config.name) as Executor);
  }

  async function introspect(entry: RemoteEntry): Promise<LoadedRemote> {
    const started = Date.now();
    const result = await introspectRemote(entry.config, options.fetch);
    const hash = await sha256Hex(result.json);
    log.info({ remote: entry.config.name, hash, ms: Date.now() - started }, "remote schema introspected");
    return {
      hash,
      loadedAt: new Date().toISOString(),
      source: "introspection",
      subschema: subschemaOf(entry.config, result.schema),
      json: result.json,
    };
  }

  async function fromCache(entry: RemoteEntry, known?: RemotePointer | null): Promise<LoadedRemote | undefined> {
    const pointer = known === undefined ? await cache.readPointer(entry.config.name) : known;
    if (pointer === null || pointer.fingerprint !== entry.fingerprint) return undefined;
    const json = await cache.readIntrospection(pointer.hash);
    if (json === null) return undefined;
    const schema = schemaFromIntrospection(JSON.parse(json), entry.config.name);
    return {
      hash: pointer.hash,
      loadedAt: pointer.loadedAt,
      source: "kv",
      subschema: subschemaOf(entry.config, schema),
    };
  }

  async function persist(entry: RemoteEntry, loaded: LoadedRemote): Promise<void> {
    if (loaded.json === undefined) return;
    await cache.write(entry.config.name, loaded.json, {
      hash: loaded.hash,
      loadedAt: loaded.loadedAt,
      fingerprint: entry.fingerprint,
    });
    loaded.json = undefined;
  }

  /**
   * Composes the loaded entries. Conflicts are decided by order: the remotes in `serving` first (so a
   * remote that comes back cannot push out one that is serving), then config order.
   */
  async function compose(
    entries: ReadonlyMap<string, RemoteEntry>,
    serving: ReadonlySet<string> = new Set(),
  ): Promise<RegistryState> {
    const started = Date.now();
    const ranked = [...order.filter((name) => serving.has(name)), ...order.filter((name) => !serving.has(name))];
    const inputs = [
      ...localSubschemas,
      ...ranked.flatMap((name) => {
        const loaded = entries.get(name)?.loaded;
        return loaded === undefined
          ? []
          : [
              {
                name,
                subschema: loaded.subschema,
                remote: configs.get(name),
                passthrough: passthroughExecutors.get(name),
              },
            ];
      }),
    ];
    const result = composeSubschemas(inputs, { extensions: options.extensions, joinFields: options.joinFields });
    for (const [name, conflict] of result.conflicts)
      log.error({ remote: name, error: conflict.message }, "schema conflict");
    for (const join of result.joins) {
      if (join.lastError !== null) log.error({ join: join.name, error: join.lastError.message }, "join left out");
    }
    const schemaHash =
      result.included.length === 0
        ? null
        : await sha256Hex(
            result.included.map((name) => `${name}:${entries.get(name)?.loaded?.hash ?? "local"}`).join("\n"),
          );
    log.info({ remotes: result.included, schemaHash, ms: Date.now() - started }, "schema composed");
    return {
      entries,
      schema: result.schema,
      schemaHash,
      included: new Set(result.included),
      conflicts: result.conflicts,
      joins: result.joins,
    };
  }

  async function loadInitial(): Promise<RegistryState> {
    const entries = await Promise.all(
      options.remotes.map(async (config): Promise<RemoteEntry> => {
        const entry: RemoteEntry = { config, fingerprint: await sha256Hex(config.url) };
        try {
          const cached = await fromCache(entry);
          if (cached !== undefined) return { ...entry, loaded: cached };
        } catch (error) {
          log.warn({ remote: config.name, error: String(error) }, "cached introspection unusable");
        }
        try {
          const loaded = await introspect(entry);
          await persist(entry, loaded).catch((error: unknown) =>
            log.error({ remote: config.name, error: String(error) }, "could not write introspection to KV"),
          );
          return { ...entry, loaded };
        } catch (error) {
          log.error({ remote: config.name, error: String(error) }, "remote schema unavailable at cold start");
          return { ...entry, lastError: failureOf(error) };
        }
      }),
    );
    lastCheck = Date.now();
    state = await compose(new Map(entries.map((entry) => [entry.config.name, entry])));
    return state;
  }

  async function ready(): Promise<RegistryState> {
    if (state !== undefined) return state;
    initial ??= loadInitial().finally(() => {
      initial = undefined;
    });
    return initial;
  }

  /** Picks up pointers written by other isolates, and retries remotes that have no schema. */
  async function refresh(): Promise<void> {
    const current = await ready();
    const next = new Map(current.entries);
    let changed = false;
    await Promise.all(
      [...current.entries.values()].map(async (entry) => {
        const name = entry.config.name;
        try {
          const pointer = await cache.readPointer(name);
          if (pointer !== null && pointer.hash !== entry.loaded?.hash) {
            const loaded = await fromCache(entry, pointer);
            if (loaded !== undefined) {
              next.set(name, { ...entry, loaded, lastError: undefined });
              changed = true;
              return;
            }
          }
          if (entry.loaded === undefined) {
            const loaded = await introspect(entry);
            await persist(entry, loaded);
            next.set(name, { ...entry, loaded, lastError: undefined });
            changed = true;
          }
        } catch (error) {
          next.set(name, { ...entry, lastError: failureOf(error) });
        }
      }),
    );
    state = changed ? await compose(next, current.included) : { ...current, entries: next };
  }

  function maybeRefresh(waitUntil?: WaitUntil): void {
    const current = state;
    if (current === undefined) return;
    const missing = order.some((name) => current.entries.get(name)?.loaded === undefined);
    const interval = missing ? Math.min(retryIntervalMs, pollIntervalMs) : pollIntervalMs;
    const now = Date.now();
    if (now - lastCheck < interval) return;
    lastCheck = now;
    const run = exclusive(refresh).catch((error: unknown) =>
      log.error({ error: String(error) }, "schema refresh failed"),
    );
    waitUntil?.(run);
  }

  function statusOf(current: RegistryState): GatewayStatus {
    const remotes = order.map((name): RemoteStatus => {
      const entry = current.entries.get(name) as RemoteEntry;
      const conflict = current.conflicts.get(name);
      return {
        name,
        status: current.included.has(name) ? "ok" : "error",
        schemaHash: entry.loaded?.hash ?? null,
        loadedAt: entry.loaded?.loadedAt ?? null,
        source: entry.loaded?.source ?? null,
        lastError:
          conflict !== undefined
            ? { code: conflict.code, message: conflict.message, at: entry.loaded?.loadedAt ?? new Date().toISOString() }
            : (entry.lastError ?? null),
      };
    });
    const ok = remotes.filter((remote) => remote.status === "ok").length;
    const joinsOk = current.joins.every((join) => join.status === "ok");
    return {
      status: ok === remotes.length && joinsOk ? "ok" : current.schema !== undefined ? "degraded" : "unavailable",
      schemaHash: current.schemaHash,
      remotes,
      joins: [...current.joins],
    };
  }

  async function reloadNow(names: readonly string[]): Promise<ReloadReport> {
    const current = await ready();
    const outcomes = await Promise.allSettled(
      names.map((name) => introspect(current.entries.get(name) as RemoteEntry)),
    );
    const failures: Array<{ remote: string } & RemoteFailure> = [];
    const next = new Map(current.entries);
    outcomes.forEach((outcome, index) => {
      const name = names[index] as string;
      const entry = current.entries.get(name) as RemoteEntry;
      if (outcome.status === "fulfilled") next.set(name, { ...entry, loaded: outcome.value, lastError: undefined });
      else failures.push({ remote: name, ...failureOf(outcome.reason) });
    });
    if (failures.length > 0) {
      const errors = new Map(current.entries);
      for (const failure of failures) {
        const entry = errors.get(failure.remote) as RemoteEntry;
        errors.set(failure.remote, {
          ...entry,
          lastError: { code: failure.code, message: failure.message, at: failure.at },
        });
      }
      state = { ...current, entries: errors };
      throw new GatewayError(
        ErrorCode.RELOAD_FAILED,
        `Reload failed, the previous schema is still served: ${failures.map((f) => `remote "${f.remote}": ${f.message}`).join("; ")}`,
        { status: 502, extensions: { failures } },
      );
    }
    const composed = await compose(next);
    const broken = [...composed.conflicts.entries()].filter(
      ([name]) => names.includes(name) || current.included.has(name),
    );
    const servingJoins = new Set(current.joins.filter((join) => join.status === "ok").map((join) => join.name));
    for (const join of composed.joins) {
      if (join.lastError !== null && servingJoins.has(join.name)) {
        broken.push([join.name, new GatewayError(ErrorCode.INVALID_JOIN, join.lastError.message, { status: 409 })]);
      }
    }
    if (broken.length > 0) {
      const recorded = new Map(current.entries);
      for (const name of names) {
        const conflict = composed.conflicts.get(name) ?? broken[0]?.[1];
        const entry = recorded.get(name) as RemoteEntry;
        if (conflict !== undefined) {
          recorded.set(name, {
            ...entry,
            lastError: { code: conflict.code, message: conflict.message, at: new Date().toISOString() },
          });
        }
      }
      state = { ...current, entries: recorded };
      throw new GatewayError(
        ErrorCode.RELOAD_FAILED,
        `Reload failed, the previous schema is still served: ${broken.map(([, conflict]) => conflict.message).join(" ")}`,
        {
          status: 409,
          extensions: {
            conflicts: broken.map(([name, conflict]) => ({
              remote: name,
              code: conflict.code,
              message: conflict.message,
              ...conflict.extensions,
            })),
          },
        },
      );
    }
    try {
      await Promise.all(
        names.map((name) =>
          persist(next.get(name) as RemoteEntry, (next.get(name) as RemoteEntry).loaded as LoadedRemote),
        ),
      );
    } catch (cause) {
      log.error({ error: String(cause) }, "could not write introspection to KV");
      throw new GatewayError(ErrorCode.RELOAD_FAILED, "Reload failed: the schema cache (KV) could not be written", {
        status: 500,
        cause,
      });
    }
    state = composed;
    lastCheck = Date.now();
    const reloaded = names.map((name) => {
      const hash = (next.get(name) as RemoteEntry).loaded?.hash as string;
      return { name, schemaHash: hash, changed: hash !== current.entries.get(name)?.loaded?.hash };
    });
    log.info({ reloaded, schemaHash: composed.schemaHash }, "reloaded");
    return { reloaded, schemaHash: composed.schemaHash };
  }

  return {
    async getSchema(waitUntil) {
      const current = state ?? (await ready());
      maybeRefresh(waitUntil);
      if (current.schema === undefined) {
        throw new GatewayError(ErrorCode.SCHEMA_UNAVAILABLE, "No remote schema is available; see GET /healthz", {
          status: 503,
        });
      }
      return current.schema;
    },
    async status(waitUntil) {
      const current = await ready();
      maybeRefresh(waitUntil);
      return statusOf(state ?? current);
    },
    async sdl() {
      const current = await ready();
      return current.schema === undefined ? null : printSchema(current.schema);
    },
    reload(names) {
      return exclusive(() => reloadNow(names ?? order));
    },
    has(name) {
      return configs.has(name);
    },
  };
}
