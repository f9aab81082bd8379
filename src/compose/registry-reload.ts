import { ErrorCode, GatewayError } from "../errors";
import type { RegistryCore } from "./registry-load";
import {
  failureOf,
  type LoadedRemote,
  type ReloadReport,
  type RemoteEntry,
  type RemoteFailure,
} from "./registry-types";

/** The reason of the first rejected outcome: the cause whose status a failed reload answers with. */
const firstRejection = (outcomes: readonly PromiseSettledResult<unknown>[]): unknown =>
  outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected")?.reason;

/**
 * Reload: introspects the named remotes and swaps in the new schema, all or nothing. A failure keeps
 * the last good schema serving and records each remote's error for the status.
 *
 * @param core - the registry's core (run inside its `exclusive`)
 * @param names - configured remote names
 * @returns the new hashes and whether each changed
 * @throws GatewayError RELOAD_FAILED with the status of its cause: 502 when a remote fails (`failures`),
 *   409 for a conflict or a serving join it would break (`conflicts`), 500 when KV cannot be written
 */
export async function reloadRemotes(core: RegistryCore, names: readonly string[]): Promise<ReloadReport> {
  const { log } = core.options;
  const current = await core.ready();
  const outcomes = await Promise.allSettled(
    names.map((name) => core.introspect(current.entries.get(name) as RemoteEntry)),
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
    core.state = { ...current, entries: errors };
    throw new GatewayError(
      ErrorCode.RELOAD_FAILED,
      `Reload failed, the previous schema is still served: ${failures.map((f) => `remote "${f.remote}": ${f.message}`).join("; ")}`,
      { cause: firstRejection(outcomes), extensions: { failures } },
    );
  }
  const composed = await core.compose(next);
  const broken = [...composed.conflicts.entries()].filter(
    ([name]) => names.includes(name) || current.included.has(name),
  );
  const servingJoins = new Set(current.joins.filter((join) => join.status === "ok").map((join) => join.name));
  for (const join of composed.joins) {
    if (join.lastError !== null && servingJoins.has(join.name)) {
      broken.push([join.name, new GatewayError(ErrorCode.INVALID_JOIN, join.lastError.message)]);
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
    core.state = { ...current, entries: recorded };
    throw new GatewayError(
      ErrorCode.RELOAD_FAILED,
      `Reload failed, the previous schema is still served: ${broken.map(([, conflict]) => conflict.message).join(" ")}`,
      {
        cause: broken[0]?.[1],
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
        core.persist(next.get(name) as RemoteEntry, (next.get(name) as RemoteEntry).loaded as LoadedRemote),
      ),
    );
  } catch (cause) {
    log.error({ error: String(cause) }, "could not write introspection to KV");
    throw new GatewayError(ErrorCode.RELOAD_FAILED, "Reload failed: the schema cache (KV) could not be written", {
      cause,
    });
  }
  core.state = composed;
  core.lastCheck = Date.now();
  const reloaded = names.map((name) => {
    const hash = (next.get(name) as RemoteEntry).loaded?.hash as string;
    return { name, schemaHash: hash, changed: hash !== current.entries.get(name)?.loaded?.hash };
  });
  log.info({ reloaded, schemaHash: composed.schemaHash }, "reloaded");
  return { reloaded, schemaHash: composed.schemaHash };
}
