import type { Logger } from "../observability";

/** Cloudflare's API base URL unless `CF_API_BASE` says otherwise (tests point it at a loopback stub). */
export const DEFAULT_CF_API_BASE = "https://api.cloudflare.com/client/v4";

/** Most tags per purge call (Cloudflare's limit per request). */
export const CF_TAGS_PER_CALL = 30;

/** Where and how to call Cloudflare's purge by tag: from the env (`CF_API_TOKEN`, `CF_ZONE_ID`, `CF_API_BASE`). */
export interface CloudflarePurgeTarget {
  /** API token with the Cache Purge permission. */
  token: string;
  /** The zone's id. */
  zoneId: string;
  /** API base URL, without a trailing slash. */
  base: string;
}

/**
 * The purge target of the env: `CF_API_TOKEN` and a zone (`CF_ZONE_ID`, else `responseCache.zoneId`) both
 * set, else none (no API purge).
 * @param env - the Worker's bindings (these variables are optional secrets, not in the generated Env)
 * @param configZoneId - `responseCache.zoneId`
 * @returns the target, or undefined
 */
export function cloudflarePurgeTarget(env: Env, configZoneId: string | undefined): CloudflarePurgeTarget | undefined {
  const vars = env as unknown as Record<string, unknown>;
  const token = typeof vars.CF_API_TOKEN === "string" ? vars.CF_API_TOKEN : "";
  const zoneId = typeof vars.CF_ZONE_ID === "string" && vars.CF_ZONE_ID !== "" ? vars.CF_ZONE_ID : (configZoneId ?? "");
  if (token === "" || zoneId === "") return undefined;
  const base = typeof vars.CF_API_BASE === "string" && vars.CF_API_BASE !== "" ? vars.CF_API_BASE : DEFAULT_CF_API_BASE;
  return { token, zoneId, base: base.replace(/\/+$/, "") };
}

/**
 * Purges tags in every Cloudflare data centre through the API (`POST /zones/{zone_id}/purge_cache` with
 * `{ "tags": [...] }`, at most {@link CF_TAGS_PER_CALL} tags per call). Failures are logged, never thrown:
 * the data centre's own purge has already happened.
 * @param target - token, zone and base URL
 * @param tags - the tags
 * @param log - the request's logger
 * @param fetchFn - fetch @default globalThis.fetch
 * @see https://developers.cloudflare.com/api/resources/cache/methods/purge/
 */
export async function purgeTagsEverywhere(
  target: CloudflarePurgeTarget,
  tags: readonly string[],
  log: Logger,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  for (let start = 0; start < tags.length; start += CF_TAGS_PER_CALL) {
    const chunk = tags.slice(start, start + CF_TAGS_PER_CALL);
    try {
      const res = await fetchFn(`${target.base}/zones/${encodeURIComponent(target.zoneId)}/purge_cache`, {
        method: "POST",
        headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
        body: JSON.stringify({ tags: chunk }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (!res.ok) log.warn({ status: res.status, tags: chunk.length }, "cloudflare purge by tag failed");
    } catch (error) {
      log.warn({ error: String(error), tags: chunk.length }, "cloudflare purge by tag failed");
    }
  }
}
