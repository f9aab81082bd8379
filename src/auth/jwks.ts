import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";
import { AuthError, ErrorCode } from "../errors";
import type { Logger } from "../observability";
import { cappedStream, type FetchFn } from "../shared";

/** Options of {@link createJwksKeySource}. */
export interface JwksKeySourceOptions {
  /** The JWK Set URL (RFC 7517 section 5). */
  url: string;
  /** An unknown `kid` refetches the set at most once per this many ms. @default 30000 */
  cooldownMs?: number;
  /** Freshness when the response has no usable Cache-Control max-age or Expires, in ms. @default 600000 */
  defaultMaxAgeMs?: number;
  /** Freshness is clamped to [minMaxAgeMs, maxMaxAgeMs]. @default 86400000 (one day) */
  maxMaxAgeMs?: number;
  /** The floor of freshness, so `no-cache` or `max-age=0` cannot make every request refetch. @default 1000 */
  minMaxAgeMs?: number;
  /** Timeout of one JWKS fetch, in ms. @default 5000 */
  timeoutMs?: number;
  /** Fetch for the JWKS endpoint. @default globalThis.fetch */
  fetch?: FetchFn;
  /** Logger for refreshes and outages. */
  log?: Logger;
  /** Clock, in ms since the epoch (tests). @default Date.now */
  now?: () => number;
}

/** The largest JWK Set accepted, in bytes: real sets are a few KB; anything bigger is refused unread. */
export const MAX_JWKS_BYTES = 64 * 1024;

/**
 * Reads a JWK Set response's body, at most {@link MAX_JWKS_BYTES}: a Content-Length above it is refused
 * before reading, and reading stops (the stream is cancelled) as soon as the bytes pass it.
 * @param response - the JWKS endpoint's 2xx response
 * @returns the body as text
 * @throws Error when the body is larger than the limit
 */
async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > MAX_JWKS_BYTES) {
    await response.body?.cancel();
    throw new Error(`JWKS response of ${declared} bytes exceeds ${MAX_JWKS_BYTES}`);
  }
  if (response.body === null) return "";
  const capped = cappedStream(
    response.body,
    MAX_JWKS_BYTES,
    () => new Error(`JWKS response exceeds ${MAX_JWKS_BYTES} bytes`),
  );
  return new Response(capped).text();
}

/** A key resolver for jose's `jwtVerify`, backed by a cached remote JWK Set. */
export type JwksKeySource = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

interface CachedSet {
  resolve: ReturnType<typeof createLocalJWKSet>;
  /** When the set stops being fresh (ms since the epoch). */
  freshUntil: number;
}

/**
 * The freshness lifetime of a response in ms: `s-maxage` or `max-age` of Cache-Control (RFC 9111
 * section 5.2.2), else `Expires` minus now (section 5.3); `no-store`/`no-cache` count as 0.
 * @returns ms, or undefined when the response says nothing
 */
function freshnessMs(headers: Headers, now: number): number | undefined {
  const cacheControl = headers.get("cache-control");
  if (cacheControl !== null) {
    const directives = cacheControl.toLowerCase();
    if (/(?:^|,)\s*(?:no-store|no-cache)\b/.test(directives)) return 0;
    const maxAge =
      /(?:^|,)\s*s-maxage\s*=\s*"?(\d+)/.exec(directives) ?? /(?:^|,)\s*max-age\s*=\s*"?(\d+)/.exec(directives);
    if (maxAge !== null) return Number(maxAge[1]) * 1000;
  }
  const expires = headers.get("expires");
  if (expires !== null) {
    const at = Date.parse(expires);
    return Number.isNaN(at) ? 0 : Math.max(0, at - now);
  }
  return undefined;
}

/**
 * A per-isolate JWK Set cache that jose's `jwtVerify` calls as its key function. Differs from jose's
 * `createRemoteJWKSet` in two ways a gateway needs: freshness follows the endpoint's Cache-Control
 * (clamped to [1 s, one day]), and when a refresh fails the last good set keeps serving (an IdP
 * outage must not log everyone out). An unknown `kid` triggers one refetch at most per cooldown, shared
 * by concurrent requests. Keys are imported once per key and algorithm (jose's local set caches them).
 * A response over {@link MAX_JWKS_BYTES} counts as a failed fetch (never buffered past the limit).
 *
 * @param options - URL, cooldown and freshness bounds
 * @returns the key function; it rejects with jose's `JWKSNoMatchingKey` for an unknown kid and with
 *   GatewayError `JWKS_UNAVAILABLE` (503) when no set has ever been fetched
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5 (JWK Set), RFC 9111 (HTTP caching)
 */
export function createJwksKeySource(options: JwksKeySourceOptions): JwksKeySource {
  const cooldownMs = options.cooldownMs ?? 30_000;
  const defaultMaxAgeMs = options.defaultMaxAgeMs ?? 600_000;
  const maxMaxAgeMs = options.maxMaxAgeMs ?? 86_400_000;
  const minMaxAgeMs = options.minMaxAgeMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? Date.now;
  let current: CachedSet | undefined;
  let inFlight: Promise<CachedSet> | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;

  async function download(): Promise<CachedSet> {
    const doFetch = options.fetch ?? globalThis.fetch;
    const response = await doFetch(options.url, {
      headers: { accept: "application/jwk-set+json, application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`JWKS endpoint answered ${response.status}`);
    }
    const jwks = JSON.parse(await readLimited(response)) as JSONWebKeySet;
    const resolve = createLocalJWKSet(jwks);
    const fetchedAt = now();
    const lifetime = freshnessMs(response.headers, fetchedAt) ?? defaultMaxAgeMs;
    return { resolve, freshUntil: fetchedAt + Math.min(maxMaxAgeMs, Math.max(minMaxAgeMs, lifetime)) };
  }

  /** One refresh at a time; a failure keeps the last good set (and is retried after the cooldown). */
  function refresh(): Promise<CachedSet> {
    inFlight ??= (async () => {
      lastAttempt = now();
      try {
        current = await download();
        options.log?.info({ url: options.url }, "JWKS fetched");
        return current;
      } catch (error) {
        options.log?.warn({ url: options.url, error: String(error) }, "JWKS fetch failed");
        if (current !== undefined) {
          // Serve the stale set; try again after a cooldown, not on every request.
          current.freshUntil = now() + cooldownMs;
          return current;
        }
        throw new AuthError(ErrorCode.JWKS_UNAVAILABLE, "The signing keys cannot be fetched; try again later.", {
          cause: error,
        });
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  return async function jwksKey(header, token) {
    let set = current;
    if (set === undefined || now() >= set.freshUntil) set = await refresh();
    try {
      return await set.resolve(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      // A kid we do not know: the issuer may have rotated its keys. Join a refetch under way, or start
      // one if the last attempt is a cooldown old; otherwise the kid is unknown.
      if (inFlight !== undefined) set = await inFlight;
      else if (now() - lastAttempt >= cooldownMs) set = await refresh();
      else throw error;
      return set.resolve(header, token);
    }
  };
}
