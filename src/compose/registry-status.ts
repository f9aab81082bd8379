import type { GatewayStatus, RegistryState, RemoteEntry, RemoteStatus } from "./registry-types";

/**
 * The status of every remote and join, as `GET /admin/remotes` and `GET /healthz` show it.
 * @param order - remote names in config order
 * @param current - the registry's state
 * @returns "ok" when every remote and join serves, "degraded" when some do, "unavailable" without a schema
 */
export function statusOf(order: readonly string[], current: RegistryState): GatewayStatus {
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
