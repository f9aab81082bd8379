/** The per-remote pointer stored in KV: which introspection result is current for a remote. */
export interface RemotePointer {
  /** SHA-256 (hex) of the introspection JSON: the content address of the blob. */
  hash: string;
  /** When that introspection was taken (ISO 8601). */
  loadedAt: string;
  /** SHA-256 of the remote's URL: a pointer written for another URL is ignored. */
  fingerprint: string;
}

/** Options of {@link createSchemaCache}. */
export interface SchemaCacheOptions {
  /** The KV namespace (binding `SCHEMA_CACHE`). */
  kv: KVNamespace;
  /** Prefix of every key, so several gateways can share one namespace. @default "junction:" */
  prefix?: string;
}

/**
 * Introspection results in Workers KV: immutable blobs under content-addressed keys
 * (`<prefix>introspection:<sha256>`) and one small pointer per remote (`<prefix>remote:<name>`).
 * A new result is written blob first, then pointer, so a reader never sees a pointer to a missing blob.
 */
export interface SchemaCache {
  /** The remote's pointer, or null. Reads are not cached at the edge, so a reload shows within KV's propagation time. */
  readPointer(remote: string): Promise<RemotePointer | null>;
  /** The introspection JSON stored under `hash`, or null. Blobs never change, so edge caching is long. */
  readIntrospection(hash: string): Promise<string | null>;
  /** Stores `json` under `pointer.hash`, then the remote's pointer. */
  write(remote: string, json: string, pointer: RemotePointer): Promise<void>;
}

/** One day, in seconds: how long a KV blob may be cached at the edge (it never changes). */
const BLOB_CACHE_TTL_SEC = 86_400;

/**
 * Creates the KV-backed introspection cache.
 * @param options - the namespace and key prefix
 * @returns the cache
 * @see https://developers.cloudflare.com/kv/api/read-key-value-pairs/
 */
export function createSchemaCache(options: SchemaCacheOptions): SchemaCache {
  const { kv } = options;
  const prefix = options.prefix ?? "junction:";
  return {
    async readPointer(remote) {
      const pointer = await kv.get<RemotePointer>(`${prefix}remote:${remote}`, "json");
      if (pointer === null || typeof pointer.hash !== "string") return null;
      return pointer;
    },
    readIntrospection(hash) {
      return kv.get(`${prefix}introspection:${hash}`, { type: "text", cacheTtl: BLOB_CACHE_TTL_SEC });
    },
    async write(remote, json, pointer) {
      await kv.put(`${prefix}introspection:${pointer.hash}`, json);
      await kv.put(`${prefix}remote:${remote}`, JSON.stringify(pointer));
    },
  };
}
