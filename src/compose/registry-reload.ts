import { ErrorCode, GatewayError } from "../errors";
import { checkSchema, utcDay } from "../lifecycle";
import type { RegistryCore } from "./registry-load";
import {
  failureOf,
  type LoadedRemote,
  type RegistryState,
  type ReloadOptions,
  type ReloadReport,
  type RemoteEntry,
  type RemoteFailure,
} from "./registry-types";

/**
 * The reload guard: the schema check (src/lifecycle, the same as `npm run schema:check`) from the schema
 * served now to the new one, with the deprecation rules applied to new or changed reasons only.
 * @returns the guard's part of the report
 * @throws GatewayError RELOAD_BREAKING_CHANGE (409) with `changes` (the failing ones) and `deprecations`
 *   when the check fails, `reload.onBreakingChange` is "reject" and the reload is not forced
 */
async function guardReload(
  core: RegistryCore,
  current: RegistryState,
  next: RegistryState,
  options: ReloadOptions,
): Promise<Pick<ReloadReport, "guard" | "changes" | "deprecations">> {
  const guard = core.options.guard;
  if (guard === undefined || current.schema === undefined || next.schema === undefined) {
    return { guard: "off", changes: [], deprecations: [] };
  }
  const report = await checkSchema(current.schema, next.schema, {
    deprecation: guard.deprecation,
    today: utcDay(),
    allowedChanges: guard.allowedChanges,
    scope: "changed",
  });
  const judged = { changes: report.changes, deprecations: report.deprecations };
  if (report.ok) return { guard: "passed", ...judged };
  if (guard.onBreakingChange === "allow") return { guard: "off", ...judged };
  const failing = report.changes.filter((change) => !change.ok);
  if (options.force === true || guard.onBreakingChange === "warn") {
    core.options.log.warn(
      { changes: failing.map((change) => change.path), deprecations: report.deprecations.length },
      options.force === true ? "reload forced past the schema check" : "reload serves a schema that fails the check",
    );
    return { guard: options.force === true ? "forced" : "warned", ...judged };
  }
  throw new GatewayError(
    ErrorCode.RELOAD_BREAKING_CHANGE,
    `Reload refused, the previous schema is still served: ${report.summary}. Fix the remote, or retry with ?force=true`,
    { extensions: { changes: failing, deprecations: report.deprecations } },
  );
}

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
 *   409 for a conflict or a serving join it would break (`conflicts`), 500 when KV cannot be written;
 *   RELOAD_BREAKING_CHANGE (409) when the reload guard refuses the new schema (see guardReload)
 */
export async function reloadRemotes(
  core: RegistryCore,
  names: readonly string[],
  options: ReloadOptions = {},
): Promise<ReloadReport> {
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
  const guarded = await guardReload(core, current, composed, options);
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
  return { reloaded, schemaHash: composed.schemaHash, ...guarded };
}
