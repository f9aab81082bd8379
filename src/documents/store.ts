/**
 * The trusted documents store: documents an admin wrote (`POST /admin/documents`) in Workers KV under
 * `<prefix>document:<id>`, read through a small per-isolate memory cache; and, kept apart, the texts
 * Apollo clients register with automatic persisted queries (APQ) under `<prefix>apq:<sha256>`, with a
 * TTL. An APQ text is never returned by {@link DocumentStore.get}: it is not trusted.
 */

/** Options of {@link createDocumentStore}. */
export interface DocumentStoreOptions {
  /** The KV namespace (binding `SCHEMA_CACHE`). */
  kv: KVNamespace;
  /** Prefix of every key (the gateway's KV prefix). @default "junction:" */
  prefix?: string;
  /** How long (ms) an isolate keeps a document it read. Bounds how long a deleted document still runs. @default 60000 */
  memoryTtlMs?: number;
  /** The most documents an isolate keeps in memory (trusted and APQ each). @default 1000 */
  memoryEntries?: number;
  /** How long (s) an APQ registration lives in KV (at least 60, KV's minimum). @default 86400 */
  apqTtlSec?: number;
}

/** One page of {@link DocumentStore.list}. */
export interface DocumentPage {
  /** Canonical ids, in KV's (lexicographic) order. */
  ids: string[];
  /** Where the next page starts (KV's list cursor); absent on the last page. */
  cursor?: string;
}

/** Trusted documents by canonical id (see ids.ts), and APQ registrations by SHA-256 hex. */
export interface DocumentStore {
  /**
   * A trusted document's text (memory, then KV).
   * @param id - canonical id
   * @returns the text, or null when no admin stored it
   */
  get(id: string): Promise<string | null>;
  /**
   * A trusted document's text straight from KV (no memory cache): for admin reads and writes.
   * @param id - canonical id
   */
  read(id: string): Promise<string | null>;
  /**
   * Stores documents (KV writes in parallel).
   * @param documents - canonical id and text of each
   */
  put(documents: readonly { id: string; text: string }[]): Promise<void>;
  /**
   * Deletes a document from KV and this isolate's memory (other isolates drop it within `memoryTtlMs`).
   * @param id - canonical id
   * @returns whether it was stored
   */
  delete(id: string): Promise<boolean>;
  /**
   * One page of the stored ids.
   * @param cursor - KV's cursor of the previous page
   * @param limit - ids per page, 1 to 1000
   */
  list(cursor: string | undefined, limit: number): Promise<DocumentPage>;
  /**
   * An APQ-registered text (never a trusted document).
   * @param sha256 - lower-case hex SHA-256 of the text
   */
  apqGet(sha256: string): Promise<string | null>;
  /**
   * Registers an APQ text (the caller verified the hash), with the APQ TTL; skipped when this isolate
   * already knows it.
   * @param sha256 - lower-case hex SHA-256 of `text`
   * @param text - the query
   */
  apqPut(sha256: string, text: string): Promise<void>;
}

/** A bounded map whose entries expire: insertion order, the oldest dropped first. */
class MemoryCache {
  private readonly entries = new Map<string, { text: string; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}
  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.text;
  }
  set(key: string, text: string): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { text, until: Date.now() + this.ttlMs });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** How long (s) KV may cache a read at the edge (its minimum): documents never change under one id. */
const KV_CACHE_TTL_SEC = 60;

/**
 * Creates the store of one gateway.
 * @param options - the namespace, key prefix and cache bounds
 * @returns the store
 * @see https://developers.cloudflare.com/kv/api/
 */
export function createDocumentStore(options: DocumentStoreOptions): DocumentStore {
  const { kv } = options;
  const prefix = options.prefix ?? "junction:";
  const documentPrefix = `${prefix}document:`;
  const apqPrefix = `${prefix}apq:`;
  const ttlMs = options.memoryTtlMs ?? 60_000;
  const max = options.memoryEntries ?? 1000;
  const apqTtlSec = Math.max(60, options.apqTtlSec ?? 86_400);
  const trusted = new MemoryCache(ttlMs, max);
  const apq = new MemoryCache(ttlMs, max);

  return {
    async get(id) {
      const known = trusted.get(id);
      if (known !== undefined) return known;
      const text = await kv.get(documentPrefix + id, { type: "text", cacheTtl: KV_CACHE_TTL_SEC });
      if (text !== null) trusted.set(id, text);
      return text;
    },
    read(id) {
      return kv.get(documentPrefix + id, "text");
    },
    async put(documents) {
      await Promise.all(documents.map((document) => kv.put(documentPrefix + document.id, document.text)));
      for (const document of documents) trusted.set(document.id, document.text);
    },
    async delete(id) {
      trusted.delete(id);
      const stored = (await kv.get(documentPrefix + id, "text")) !== null;
      if (stored) await kv.delete(documentPrefix + id);
      return stored;
    },
    async list(cursor, limit) {
      const page = await kv.list({ prefix: documentPrefix, limit, ...(cursor === undefined ? {} : { cursor }) });
      const ids = page.keys.map((key) => key.name.slice(documentPrefix.length));
      return page.list_complete ? { ids } : { ids, cursor: page.cursor };
    },
    async apqGet(sha256) {
      const known = apq.get(sha256);
      if (known !== undefined) return known;
      const text = await kv.get(apqPrefix + sha256, "text");
      if (text !== null) apq.set(sha256, text);
      return text;
    },
    async apqPut(sha256, text) {
      if (apq.get(sha256) !== undefined) return;
      apq.set(sha256, text);
      await kv.put(apqPrefix + sha256, text, { expirationTtl: apqTtlSec });
    },
  };
}
