import type { GraphQLSchema } from "graphql";
import { findConflict, type RecordedType, recordSchema } from "./conflicts";
import { type PassthroughSource, setEarlyPassthroughSource } from "./passthrough";
import type { RegistryCore } from "./registry-load";

/** What an isolate can serve before its first composition: one remote, through its own schema. */
export interface EarlySchema {
  /**
   * The remote's own schema (built from its introspection), which may stand in for the composed schema
   * for an operation that this remote answers alone (see the passthrough plugin); its root fields are
   * recorded as this remote's (passthroughSourcesOf).
   */
  schema: GraphQLSchema;
  /** The remote: its name, schema and passthrough executor. */
  source: PassthroughSource;
}

/** The early schema per loaded remote schema (computed once). */
const early = new WeakMap<GraphQLSchema, EarlySchema>();

/**
 * The remote whose operations may be answered before the first composition (lazy stitching), or
 * undefined once a state is served or when no remote qualifies.
 *
 * Composition (compose.ts) takes the local subschemas first (schemas/*.graphql, files), then the remotes
 * in config order (the registry ranks by config order at the first load), and leaves out whatever
 * conflicts with an earlier one. So the first loaded remote keeps all its root fields, unchanged, unless
 * it conflicts with a local subschema (checked here the same way), whatever the later remotes bring: a
 * later remote that conflicts with it is the one left out, and one that merges its types or the @join /
 * @rest extensions only add fields. An operation valid against that remote's own schema, whose root fields
 * are all its own, is therefore answered by it alone and as written, exactly as the passthrough plugin
 * does on the composed schema. The remote qualifies when composition does not rewrite its fields: no
 * customization, no `merge` and no `publish` entries.
 *
 * @param core - the registry's loading core
 * @returns the early schema, or undefined (then the caller composes: `core.ready()`)
 */
export async function earlySchema(core: RegistryCore): Promise<EarlySchema | undefined> {
  if (core.state !== undefined) return undefined;
  const entries = await core.loadRemotes();
  if (core.state !== undefined) return undefined;
  const first = core.order.map((name) => entries.get(name)).find((entry) => entry?.loaded !== undefined);
  const loaded = first?.loaded;
  if (first === undefined || loaded === undefined) return undefined;
  const remote = first.source.config;
  const plain =
    (loaded.subschema.transforms?.length ?? 0) === 0 &&
    Object.keys(remote.merge ?? {}).length === 0 &&
    Object.keys(remote.publish ?? {}).length === 0;
  if (!plain) return undefined;
  let found = early.get(loaded.schema);
  if (found === undefined) {
    if (conflictsWithLocals(core, remote.name, loaded.schema)) return undefined;
    const source: PassthroughSource = {
      name: remote.name,
      schema: loaded.subschema.schema,
      executor: first.source.passthrough,
    };
    setEarlyPassthroughSource(loaded.schema, source);
    found = { schema: loaded.schema, source };
    early.set(loaded.schema, found);
  }
  return found;
}

/**
 * Whether composition would leave the remote out for a conflict with the local subschemas, which it
 * checks first and in order (compose.ts: findConflict, then recordSchema for each accepted one).
 * @param core - the registry's loading core
 * @param name - the remote's name
 * @param schema - its own schema (no customization)
 */
function conflictsWithLocals(core: RegistryCore, name: string, schema: GraphQLSchema): boolean {
  const locals = core.options.localSubschemas ?? [];
  if (locals.length === 0) return false;
  const rootFields = new Map<string, string>();
  const types = new Map<string, RecordedType>();
  for (const local of locals) {
    const candidate = { name: local.name, schema: local.subschema.schema, merged: new Set<string>() };
    if (findConflict(candidate, rootFields, types) === undefined) recordSchema(candidate, rootFields, types);
  }
  return findConflict({ name, schema, merged: new Set<string>() }, rootFields, types) !== undefined;
}
