import type { GraphQLSchema } from "graphql";
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
 * Composition of the loaded remotes gives the first one in config order (the registry ranks conflicts
 * by config order at the first load) all its root fields, unchanged, whatever the others bring: a
 * later remote that conflicts with it is the one left out. So an operation valid against that remote's
 * own schema, whose root fields are all its own, is answered by it alone and as written, exactly as
 * the passthrough plugin does on the composed schema. It qualifies when nothing else changes its part
 * of the composed schema: no local SDL or files subschema, no @join / @rest extensions or Subscription
 * resolvers, no gateway scalars, and for the remote itself no customization, no `merge` and no `publish`
 * entries (those make composition wrap or merge its fields).
 *
 * @param core - the registry's loading core
 * @returns the early schema, or undefined (then the caller composes: `core.ready()`)
 */
export async function earlySchema(core: RegistryCore): Promise<EarlySchema | undefined> {
  if (core.state !== undefined || !composesPlainRemotes(core)) return undefined;
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

/** Whether the registry composes remotes only (nothing local, no extension, resolver or scalar). */
function composesPlainRemotes(core: RegistryCore): boolean {
  const { localSubschemas, extensions, joinFields, rootResolvers, scalars } = core.options;
  return (
    (localSubschemas?.length ?? 0) === 0 &&
    (extensions?.length ?? 0) === 0 &&
    (joinFields?.length ?? 0) === 0 &&
    (scalars?.length ?? 0) === 0 &&
    Object.values(rootResolvers ?? {}).every((fields) => Object.keys(fields).length === 0)
  );
}
