import type { WaitUntil } from "../shared";
import type { RegistryCore } from "./registry-load";
import { failureOf, type RemoteEntry } from "./registry-types";

/** Picks up pointers written by other isolates' reloads, and retries remotes that have no schema. */
async function refresh(core: RegistryCore): Promise<void> {
  const current = await core.ready();
  const next = new Map(current.entries);
  let changed = false;
  await Promise.all(
    [...current.entries.values()].map(async (entry: RemoteEntry) => {
      const name = entry.source.config.name;
      try {
        const pointer = await core.options.cache.readPointer(name);
        if (pointer !== null && pointer.hash !== entry.loaded?.hash) {
          const loaded = await core.fromCache(entry, pointer);
          if (loaded !== undefined) {
            next.set(name, { ...entry, loaded, lastError: undefined });
            changed = true;
            return;
          }
        }
        if (entry.loaded === undefined) {
          const loaded = await core.introspect(entry);
          await core.persist(entry, loaded);
          next.set(name, { ...entry, loaded, lastError: undefined });
          changed = true;
        }
      } catch (error) {
        next.set(name, { ...entry, lastError: failureOf(error) });
      }
    }),
  );
  core.state = changed ? await core.compose(next, current.included) : { ...current, entries: next };
}

/**
 * Polling: when a check is due (every `pollIntervalMs`, or `retryIntervalMs` while a remote has no
 * schema), reads the KV pointers in the background (after any reload in progress) and swaps in what
 * changed. Never blocks the request that triggers it.
 * @param core - the registry's core
 * @param waitUntil - where the background work is registered
 */
export function maybeRefresh(core: RegistryCore, waitUntil?: WaitUntil): void {
  const current = core.state;
  if (current === undefined) return;
  const pollIntervalMs = core.options.pollIntervalMs ?? 60_000;
  const retryIntervalMs = core.options.retryIntervalMs ?? 10_000;
  const missing = core.order.some((name) => current.entries.get(name)?.loaded === undefined);
  const interval = missing ? Math.min(retryIntervalMs, pollIntervalMs) : pollIntervalMs;
  const now = Date.now();
  if (now - core.lastCheck < interval) return;
  core.lastCheck = now;
  const run = core
    .exclusive(() => refresh(core))
    .catch((error: unknown) => core.options.log.error({ error: String(error) }, "schema refresh failed"));
  waitUntil?.(run);
}
