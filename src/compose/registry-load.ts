import type { GraphQLSchema } from "graphql";
import { schemaFromIntrospection } from "../sources";
import { composeSubschemas } from "./compose";
import { sha256Hex } from "./hash";
import {
  failureOf,
  type LoadedRemote,
  type RegistryState,
  type RemoteEntry,
  type SchemaRegistryOptions,
} from "./registry-types";
import type { RemotePointer } from "./schema-cache";

/**
 * The loading core of one isolate's schema registry, shared by its lifecycle (registry.ts), polling
 * (registry-refresh.ts) and reload (registry-reload.ts): where each remote's schema comes from
 * (KV, else introspection), composing the loaded ones, and the state they all read and replace.
 */
export interface RegistryCore {
  /** The registry's options. */
  readonly options: SchemaRegistryOptions;
  /** Remote names in config order. */
  readonly order: readonly string[];
  /** What is served now; undefined until the first load finishes. */
  state: RegistryState | undefined;
  /** When KV was last checked for reloads made elsewhere (ms since the epoch). */
  lastCheck: number;
  /** The current state, loading it first (once per isolate, shared by concurrent callers). */
  ready(): Promise<RegistryState>;
  /**
   * The remotes of the first load (KV, else introspection), before any composition; shared by
   * concurrent callers and by {@link RegistryCore.ready}, which composes them.
   */
  loadRemotes(): Promise<ReadonlyMap<string, RemoteEntry>>;
  /**
   * Runs `task` after every earlier reload or refresh has finished.
   * @param task - the work
   */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  /**
   * Introspects a remote now.
   * @throws UpstreamError UPSTREAM_* or INTROSPECTION_FAILED
   */
  introspect(entry: RemoteEntry): Promise<LoadedRemote>;
  /**
   * The remote's schema from KV, when its pointer (read now, or `known`) fits its URL.
   * @returns undefined when KV has none for this URL
   */
  fromCache(entry: RemoteEntry, known?: RemotePointer | null): Promise<LoadedRemote | undefined>;
  /** Writes a freshly introspected schema to KV (blob, then pointer); a no-op for one read from KV. */
  persist(entry: RemoteEntry, loaded: LoadedRemote): Promise<void>;
  /**
   * Composes the loaded entries. Conflicts are decided by order: the remotes in `serving` first (so a
   * remote that comes back cannot push out one that is serving), then config order.
   */
  compose(entries: ReadonlyMap<string, RemoteEntry>, serving?: ReadonlySet<string>): Promise<RegistryState>;
}

/**
 * Creates the loading core. Nothing happens until the first call: no schema work at module top level.
 * @param options - the registry's options
 * @returns the core
 */
export function createRegistryCore(options: SchemaRegistryOptions): RegistryCore {
  const { cache, log } = options;
  const order = options.remotes.map((remote) => remote.config.name);
  const localSubschemas = options.localSubschemas ?? [];
  let initial: Promise<RegistryState> | undefined;
  let remotes: Promise<ReadonlyMap<string, RemoteEntry>> | undefined;
  let lock: Promise<unknown> = Promise.resolve();

  const loaded = (entry: RemoteEntry, schema: GraphQLSchema): Pick<LoadedRemote, "subschema" | "schema"> => ({
    subschema: entry.source.subschema(schema),
    schema,
  });

  const core: RegistryCore = {
    options,
    order,
    state: undefined,
    lastCheck: 0,

    exclusive(task) {
      const run = lock.then(task, task);
      lock = run.catch(() => undefined);
      return run;
    },

    async introspect(entry) {
      const started = Date.now();
      const result = await entry.source.introspect();
      const hash = await sha256Hex(result.json);
      log.info({ remote: entry.source.config.name, hash, ms: Date.now() - started }, "remote schema introspected");
      return {
        hash,
        loadedAt: new Date().toISOString(),
        source: "introspection",
        ...loaded(entry, result.schema),
        json: result.json,
      };
    },

    async fromCache(entry, known) {
      const name = entry.source.config.name;
      const started = Date.now();
      const pointer = known === undefined ? await cache.readPointer(name) : known;
      if (pointer === null || pointer.fingerprint !== entry.fingerprint) return undefined;
      const json = await cache.readIntrospection(pointer.hash);
      if (json === null) return undefined;
      const read = Date.now();
      const schema = schemaFromIntrospection(JSON.parse(json), name);
      // Cold start phases: the KV reads, then JSON.parse and buildClientSchema (composition logs its own).
      log.info(
        { remote: name, hash: pointer.hash, kvMs: read - started, buildMs: Date.now() - read },
        "remote schema read from KV",
      );
      return { hash: pointer.hash, loadedAt: pointer.loadedAt, source: "kv", ...loaded(entry, schema) };
    },

    async persist(entry, remote) {
      if (remote.json === undefined) return;
      await cache.write(entry.source.config.name, remote.json, {
        hash: remote.hash,
        loadedAt: remote.loadedAt,
        fingerprint: entry.fingerprint,
      });
      remote.json = undefined;
    },

    async compose(entries, serving = new Set()) {
      const started = Date.now();
      const ranked = [...order.filter((name) => serving.has(name)), ...order.filter((name) => !serving.has(name))];
      const inputs = [
        ...localSubschemas,
        ...ranked.flatMap((name) => {
          const entry = entries.get(name);
          const remote = entry?.loaded;
          if (entry === undefined || remote === undefined) return [];
          return [
            {
              name,
              subschema: remote.subschema,
              remote: entry.source.config,
              names: entry.source.names(remote.schema),
              passthrough: entry.source.passthrough,
              index: order.indexOf(name),
            },
          ];
        }),
      ];
      const result = composeSubschemas(inputs, {
        extensions: options.extensions,
        joinFields: options.joinFields,
        rootResolvers: options.rootResolvers,
        scalars: options.scalars,
      });
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
    },

    loadRemotes() {
      remotes ??= loadRemotes().catch((error: unknown) => {
        remotes = undefined;
        throw error;
      });
      return remotes;
    },

    async ready() {
      if (core.state !== undefined) return core.state;
      initial ??= loadInitial().finally(() => {
        initial = undefined;
      });
      return initial;
    },
  };

  async function loadRemotes(): Promise<ReadonlyMap<string, RemoteEntry>> {
    const entries = await Promise.all(
      options.remotes.map(async (source): Promise<RemoteEntry> => {
        const name = source.config.name;
        const entry: RemoteEntry = { source, fingerprint: await sha256Hex(source.config.url) };
        try {
          const cached = await core.fromCache(entry);
          if (cached !== undefined) return { ...entry, loaded: cached };
        } catch (error) {
          log.warn({ remote: name, error: String(error) }, "cached introspection unusable");
        }
        try {
          const remote = await core.introspect(entry);
          await core
            .persist(entry, remote)
            .catch((error: unknown) =>
              log.error({ remote: name, error: String(error) }, "could not write introspection to KV"),
            );
          return { ...entry, loaded: remote };
        } catch (error) {
          log.error({ remote: name, error: String(error) }, "remote schema unavailable at cold start");
          return { ...entry, lastError: failureOf(error) };
        }
      }),
    );
    core.lastCheck = Date.now();
    return new Map(entries.map((entry) => [entry.source.config.name, entry]));
  }

  async function loadInitial(): Promise<RegistryState> {
    const entries = await core.loadRemotes();
    // A reload may have replaced the state while the remotes loaded.
    if (core.state !== undefined) return core.state;
    core.state = await core.compose(entries);
    return core.state;
  }

  return core;
}
