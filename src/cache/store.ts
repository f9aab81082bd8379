import { sha256Hex } from "../shared";

/**
 * Storage of cached answers in the Workers Cache API of the data centre (`caches.default`), and the
 * per-data-centre tag index purges read (the Cache API cannot delete by tag, and `cache.delete` reaches
 * only the data centre it runs in).
 *
 * Where the index lives, and why: in the Cache API itself, next to the answers, one entry per tag at a
 * synthetic URL listing the keys of the answers carrying the tag. The answers are per data centre, so an
 * index per data centre is exactly what a purge there needs; KV is global and eventually consistent (a
 * purge could miss a key written a moment ago elsewhere, and every store would cost KV writes, limited to
 * one per second per key), and a Durable Object is one location (every store and purge would cross the
 * world to it). The index is read-modify-written without a lock: two answers stored at the same instant
 * for one tag may lose one key (that answer then expires by its max age instead of being purged).
 */

/** The origin of every synthetic URL (answers, tag index, generation). Never fetched. */
export const CACHE_ORIGIN = "https://junction-response-cache.internal";

/** Internal headers of a stored answer (a hit is served with new headers: none of these goes out). */
export const STORED_AT = "x-junction-stored-at";
const STORED_MAX_AGE = "x-junction-max-age";
const STORED_GENERATION = "x-junction-generation";
const STORED_SCOPE = "x-junction-scope";
const STORED_ETAG = "x-junction-etag";

/**
 * Most keys one tag's index entry keeps (expired ones are dropped first); storing one more deletes the
 * oldest answers of the tag, so the index stays small (every store of an entity reads and rewrites it).
 */
export const MAX_KEYS_PER_TAG = 100;

/**
 * The Cache API of the data centre, or undefined where there is none (a runtime without `caches`).
 * @returns `caches.default`
 */
export function defaultCache(): Cache | undefined {
  return typeof caches === "undefined" ? undefined : (caches as unknown as { default: Cache }).default;
}

/**
 * The synthetic URL of a tag's index entry.
 * @param namespace - the gateway's namespace (its KV prefix)
 * @param tag - the tag
 */
async function tagUrl(namespace: string, tag: string): Promise<string> {
  return `${CACHE_ORIGIN}/tags/${await sha256Hex(`${namespace}\n${tag.toLowerCase()}`)}`;
}

/** The synthetic URL of the namespace's generation (bumped by a purge of everything). */
const generationUrl = (namespace: string): string =>
  `${CACHE_ORIGIN}/generation/${encodeURIComponent(namespace || "-")}`;

/** One index entry's body: the keys of answers carrying the tag, each with when it expires (ms). */
type TagIndex = Array<{ key: string; expires: number }>;

async function readIndex(cache: Cache, url: string): Promise<TagIndex> {
  const found = await cache.match(url);
  if (found === undefined) return [];
  try {
    const parsed = (await found.json()) as unknown;
    return Array.isArray(parsed) ? (parsed as TagIndex) : [];
  } catch {
    return [];
  }
}

async function writeIndex(cache: Cache, url: string, index: TagIndex, now: number): Promise<void> {
  const last = Math.max(...index.map((entry) => entry.expires));
  const seconds = Math.max(1, Math.ceil((last - now) / 1000));
  await cache.put(
    url,
    new Response(JSON.stringify(index), {
      headers: { "content-type": "application/json", "cache-control": `public, max-age=${seconds}` },
    }),
  );
}

/**
 * The current generation of a namespace: answers stored under another one are stale (a purge of everything).
 * @param cache - the Cache API
 * @param namespace - the gateway's namespace
 * @returns the generation ("0" before any purge of everything)
 */
export async function currentGeneration(cache: Cache, namespace: string): Promise<string> {
  const found = await cache.match(generationUrl(namespace));
  return found === undefined ? "0" : await found.text();
}

/** One answer to store. */
export interface StoredAnswer {
  /** The answer's synthetic key (key.ts). */
  key: string;
  /** The body, as sent to the client. */
  body: string;
  /** Its content type. */
  contentType: string;
  /** Seconds it may be served. */
  maxAge: number;
  /** Its scope, kept for the hit's Cache-Control. */
  scope: "PUBLIC" | "PRIVATE";
  /** Its tags (entities and types), see tags.ts: indexed here, and in `Cache-Tag`. */
  tags: readonly string[];
  /** Tags only for `Cache-Tag` (Cloudflare's purge), not indexed: the gateway's tag on every answer. */
  headerTags: readonly string[];
  /** The generation read when it was looked up. */
  generation: string;
  /** Its entity tag (`"<hex>"`, see etag.ts). */
  etag: string;
}

/**
 * Stores an answer: first its key in every tag's index (so a purge after this point finds it), then the
 * answer itself, with `Cache-Control: public, max-age=N` (the Cache API's own expiry; the answer is never
 * served to another caller than its key names) and the `Cache-Tag` header (Cloudflare's purge by tag).
 * @param cache - the Cache API
 * @param namespace - the gateway's namespace
 * @param answer - what to store
 * @param now - ms since the epoch
 * @returns true once stored
 */
export async function storeAnswer(
  cache: Cache,
  namespace: string,
  answer: StoredAnswer,
  now: number,
): Promise<boolean> {
  const expires = now + answer.maxAge * 1000;
  await Promise.all(
    answer.tags.map(async (tag) => {
      const url = await tagUrl(namespace, tag);
      const index = (await readIndex(cache, url)).filter((entry) => entry.expires > now && entry.key !== answer.key);
      // A full index makes room by deleting its oldest answers: an answer stays only while every one of its
      // tags' indexes names it, so a purge always finds what it must delete.
      const evicted = index.splice(0, Math.max(0, index.length + 1 - MAX_KEYS_PER_TAG));
      await Promise.all(evicted.map((entry) => cache.delete(entry.key)));
      index.push({ key: answer.key, expires });
      await writeIndex(cache, url, index, now);
    }),
  );
  const headers = new Headers({
    "content-type": answer.contentType,
    "cache-control": `public, max-age=${answer.maxAge}`,
    [STORED_AT]: String(now),
    [STORED_MAX_AGE]: String(answer.maxAge),
    [STORED_GENERATION]: answer.generation,
    [STORED_SCOPE]: answer.scope,
    [STORED_ETAG]: answer.etag,
  });
  const cacheTags = [...answer.tags, ...answer.headerTags];
  if (cacheTags.length > 0) headers.set("cache-tag", cacheTags.join(","));
  await cache.put(answer.key, new Response(answer.body, { status: 200, headers }));
  return true;
}

/** A stored answer found fresh. */
export interface CachedAnswer {
  /** The body. */
  body: ReadableStream | null;
  /** Its content type. */
  contentType: string;
  /** Seconds since it was stored (the `Age` header). */
  age: number;
  /** Its max age, seconds. */
  maxAge: number;
  /** Its entity tag. */
  etag: string;
}

/**
 * Looks an answer up, with the namespace's generation in parallel. An answer past its own max age (should
 * the Cache API keep it longer) or from an older generation is a miss.
 * @param cache - the Cache API
 * @param namespace - the gateway's namespace
 * @param key - the answer's key
 * @param now - ms since the epoch
 * @returns the answer when fresh, and the generation to store a new answer under
 */
export async function lookupAnswer(
  cache: Cache,
  namespace: string,
  key: string,
  now: number,
): Promise<{ hit: CachedAnswer | undefined; generation: string }> {
  const [found, generation] = await Promise.all([cache.match(key), currentGeneration(cache, namespace)]);
  if (found === undefined) return { hit: undefined, generation };
  const storedAt = Number(found.headers.get(STORED_AT));
  const maxAge = Number(found.headers.get(STORED_MAX_AGE));
  const fresh =
    Number.isFinite(storedAt) &&
    Number.isFinite(maxAge) &&
    now - storedAt < maxAge * 1000 &&
    found.headers.get(STORED_GENERATION) === generation;
  if (!fresh) {
    await found.body?.cancel();
    return { hit: undefined, generation };
  }
  const age = Math.max(0, Math.floor((now - storedAt) / 1000));
  return {
    hit: {
      body: found.body,
      contentType: found.headers.get("content-type") ?? "application/json",
      age,
      maxAge,
      etag: found.headers.get(STORED_ETAG) ?? "",
    },
    generation,
  };
}

/**
 * Deletes, in this data centre, every answer carrying one of the tags, and the tags' index entries.
 * @param cache - the Cache API
 * @param namespace - the gateway's namespace
 * @param tags - the tags
 * @returns how many answers were deleted
 */
export async function purgeTags(cache: Cache, namespace: string, tags: readonly string[]): Promise<number> {
  const keys = new Set<string>();
  await Promise.all(
    tags.map(async (tag) => {
      const url = await tagUrl(namespace, tag);
      for (const entry of await readIndex(cache, url)) keys.add(entry.key);
      await cache.delete(url);
    }),
  );
  const deleted = await Promise.all([...keys].map((key) => cache.delete(key)));
  return deleted.filter(Boolean).length;
}

/**
 * Purges everything of a namespace in this data centre: a new generation, so every stored answer is stale.
 * @param cache - the Cache API
 * @param namespace - the gateway's namespace
 * @param now - ms since the epoch (the new generation)
 */
export async function purgeAll(cache: Cache, namespace: string, now: number): Promise<void> {
  await cache.put(
    generationUrl(namespace),
    new Response(`${now}-${crypto.randomUUID()}`, { headers: { "cache-control": "public, max-age=31536000" } }),
  );
}
