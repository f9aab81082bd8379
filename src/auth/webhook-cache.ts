import type { Logger } from "../observability";
import { sha256Hex, type WaitUntil } from "../shared";
import type { HasuraClaims } from "./claims";

/** At most this many auth webhook answers are remembered per isolate; the oldest is dropped first. */
export const WEBHOOK_CACHE_ENTRIES = 1000;

/** Workers KV's shortest `expirationTtl`, in seconds: shorter-lived answers stay in memory only. */
export const KV_MIN_TTL_SEC = 60;

/** One remembered answer: the claims the hook gave and when they stop being usable. */
interface CachedAnswer {
  claims: HasuraClaims;
  /** ms since the epoch. */
  expiresAt: number;
}

/** Options of {@link createWebhookCache}. */
export interface WebhookCacheOptions {
  /** With it, answers cacheable for {@link KV_MIN_TTL_SEC} or more are also written to KV and read back after a memory miss. */
  kv?: KVNamespace;
  /** Prefix of the KV keys. @default "" */
  kvPrefix?: string;
  /** Logger for KV failures. */
  log?: Logger;
  /** Memory entries. @default {@link WEBHOOK_CACHE_ENTRIES} */
  maxEntries?: number;
  /** Clock, ms since the epoch. @default Date.now */
  now?: () => number;
}

/** The per-isolate cache of auth webhook answers (see {@link createWebhookCache}). */
export interface WebhookCache {
  /**
   * The claims remembered for a key: from memory, else (with KV) from KV; never an expired entry.
   * @param key - from {@link webhookCacheKey}
   * @returns the claims, or undefined on a miss
   */
  get(key: string): Promise<HasuraClaims | undefined>;
  /**
   * Remembers an answer until `expiresAt`: in memory, and in KV when it lives {@link KV_MIN_TTL_SEC} or more.
   * @param key - from {@link webhookCacheKey}
   * @param claims - the hook's claims
   * @param expiresAt - ms since the epoch
   * @param waitUntil - where the KV write runs; without it the write is not awaited
   */
  set(key: string, claims: HasuraClaims, expiresAt: number, waitUntil?: WaitUntil): void;
}

/**
 * Creates the cache of auth webhook answers: a bounded map in memory (insertion order; the oldest entry
 * is dropped at {@link WEBHOOK_CACHE_ENTRIES}) and, with `kv`, Workers KV under
 * `${kvPrefix}authhook:<SHA-256 of the key>` with the entry's remaining lifetime as `expirationTtl`. KV is read only
 * after a memory miss; a KV failure counts as a miss (logged), never as an error of the request.
 * @param options - KV, prefix, logger
 * @returns the cache
 */
export function createWebhookCache(options: WebhookCacheOptions): WebhookCache {
  const maxEntries = options.maxEntries ?? WEBHOOK_CACHE_ENTRIES;
  const now = options.now ?? Date.now;
  const memory = new Map<string, CachedAnswer>();
  // KV keys are the SHA-256 of the memory key: bounded in length, and no credential in a key listing.
  const kvKey = async (key: string): Promise<string> => `${options.kvPrefix ?? ""}authhook:${await sha256Hex(key)}`;

  const remember = (key: string, answer: CachedAnswer): void => {
    memory.delete(key);
    if (memory.size >= maxEntries) memory.delete(memory.keys().next().value as string);
    memory.set(key, answer);
  };

  return {
    async get(key) {
      const hit = memory.get(key);
      if (hit !== undefined) {
        if (now() < hit.expiresAt) return hit.claims;
        memory.delete(key);
      }
      if (options.kv === undefined) return undefined;
      let stored: unknown;
      try {
        stored = await options.kv.get(await kvKey(key), "json");
      } catch (error) {
        options.log?.warn({ error: String(error) }, "auth webhook cache: KV read failed");
        return undefined;
      }
      const answer = cachedAnswerOf(stored);
      // KV may serve an entry up to its own TTL granularity late: the stored expiry decides.
      if (answer === undefined || now() >= answer.expiresAt) return undefined;
      remember(key, answer);
      return answer.claims;
    },
    set(key, claims, expiresAt, waitUntil) {
      remember(key, { claims, expiresAt });
      const ttlSec = Math.floor((expiresAt - now()) / 1000);
      if (options.kv === undefined || ttlSec < KV_MIN_TTL_SEC) return;
      const kv = options.kv;
      const write = kvKey(key)
        .then((name) => kv.put(name, JSON.stringify({ claims, expiresAt }), { expirationTtl: ttlSec }))
        .catch((error: unknown) => {
          options.log?.warn({ error: String(error) }, "auth webhook cache: KV write failed");
        });
      if (waitUntil !== undefined) waitUntil(write);
    },
  };
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/** A KV value read back as a {@link CachedAnswer}, or undefined when it is not one (written by another version). */
function cachedAnswerOf(value: unknown): CachedAnswer | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { claims, expiresAt } = value as { claims?: Partial<HasuraClaims>; expiresAt?: unknown };
  if (typeof expiresAt !== "number" || claims === null || typeof claims !== "object") return undefined;
  const { allowedRoles, defaultRole, activeRoles, variables } = claims;
  if (!isStringList(allowedRoles) || typeof defaultRole !== "string") return undefined;
  if (activeRoles !== undefined && !isStringList(activeRoles)) return undefined;
  if (variables === null || typeof variables !== "object") return undefined;
  if (!Object.values(variables).every((item) => typeof item === "string")) return undefined;
  return {
    claims: { allowedRoles, defaultRole, ...(activeRoles === undefined ? {} : { activeRoles }), variables },
    expiresAt,
  };
}

/**
 * The key of one caller's answer in memory: the hook's method and URL and the credential headers' names
 * and values, in a fixed order, as JSON (no hashing on the hot path: a hit costs a map lookup; KV keys
 * are its SHA-256). An absent header counts as absent, not as empty.
 * @param method - the hook's method
 * @param url - the hook's URL
 * @param credentials - [name, value] pairs, names lower-case; the caller decides which headers count
 * @returns the key
 */
export function webhookCacheKey(method: string, url: string, credentials: ReadonlyArray<[string, string]>): string {
  const pairs = [...credentials].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(["authhook-v1", method, url, pairs]);
}

/** One Cache-Control directive's value (`max-age=60` -> "60"), "" for a directive without one, or undefined. */
function directive(cacheControl: string, name: string): string | undefined {
  for (const part of cacheControl.split(",")) {
    const [key, ...rest] = part.split("=");
    if (key?.trim().toLowerCase() !== name) continue;
    return rest
      .join("=")
      .trim()
      .replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

/**
 * How long an auth webhook answer may be reused, from its headers (RFC 9111, as a private cache):
 * `no-store` or `no-cache` -> 0; `max-age` (minus `Age`) wins over `Expires` (section 5.3); `Expires`
 * counts from the answer's `Date` when it has one (else from `now`), and an invalid `Expires` is
 * already past. `s-maxage` (shared caches only) is ignored, and so is `private`: each entry serves only
 * callers sending the same credentials, as a private cache would.
 * @param headers - the hook's response headers
 * @param now - ms since the epoch
 * @returns seconds (0 when the answer must not be reused), or undefined when the headers say nothing
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-4.2.1
 */
export function answerLifetimeSec(headers: Headers, now: number): number | undefined {
  const cacheControl = headers.get("cache-control");
  if (cacheControl !== null) {
    if (directive(cacheControl, "no-store") !== undefined || directive(cacheControl, "no-cache") !== undefined) {
      return 0;
    }
    const maxAge = directive(cacheControl, "max-age");
    if (maxAge !== undefined) {
      if (!/^\d+$/.test(maxAge)) return 0;
      const age = Number(headers.get("age") ?? "0");
      return Math.max(0, Number(maxAge) - (Number.isFinite(age) ? age : 0));
    }
  }
  const expires = headers.get("expires");
  if (expires === null) return undefined;
  const at = Date.parse(expires);
  if (Number.isNaN(at)) return 0;
  const date = Date.parse(headers.get("date") ?? "");
  return Math.max(0, Math.floor((at - (Number.isNaN(date) ? now : date)) / 1000));
}
