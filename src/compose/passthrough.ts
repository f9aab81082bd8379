import type { GraphQLField, GraphQLSchema } from "graphql";
import type { JoinSource } from "../joins";
import type { PassthroughExecutor } from "../shared";
import { type RestBinding, restBindingOf } from "../sources";
import { planSourcesOf } from "./plan-sources";

/** A remote that can answer an operation on its own, as written by the client. */
export interface PassthroughSource {
  /** The remote's name. */
  name: string;
  /** Its own schema, which equals its part of the gateway's (no customization). */
  schema: GraphQLSchema;
  /** Its passthrough executor (see createPassthroughExecutor). */
  executor: PassthroughExecutor;
}

/**
 * Owners by stitched schema. Kept off the schema's extensions on purpose: role schemas (mapSchema
 * copies) must not inherit them, so execution under a role always stays inside the role's schema.
 */
const owned = new WeakMap<GraphQLSchema, ReadonlyMap<string, PassthroughSource>>();

/**
 * Records, on the stitched schema, which remote owns each root field (`query.user`, `mutation.rename`),
 * for remotes without customization, and the local SDL's `@rest` Query fields: an operation whose fields
 * all belong to one of them can be sent to it as written (see the passthrough plugin). The owners are
 * the plan sources' (plan-sources.ts `setPlanSources` runs first): the same remotes, publishing mutations left out.
 * @param schema - the stitched schema
 * @param sources - the composed subschemas
 */
export function setPassthroughSources(schema: GraphQLSchema, sources: readonly JoinSource[]): void {
  const owners = new Map<string, PassthroughSource>();
  for (const [key, owner] of planSourcesOf(schema)?.rootOwners ?? []) if (owner !== null) owners.set(key, owner);
  owned.set(schema, owners);
  const roots = new Map<string, RestRoot>();
  for (const source of sources) {
    if (source.remote !== undefined || (source.subschema.transforms?.length ?? 0) > 0) continue;
    const local = source.subschema.schema;
    for (const [name, field] of Object.entries(local.getQueryType()?.getFields() ?? {})) {
      const binding = restBindingOf(field.resolve);
      if (binding !== undefined) roots.set(name, { schema: local, field, binding });
    }
  }
  restRoots.set(schema, roots);
}

/** A Query field of the local SDL bound to a REST endpoint by `@rest` (see {@link restRootsOf}). */
export interface RestRoot {
  /** The local subschema (the field's resolver runs against it). */
  schema: GraphQLSchema;
  /** The field in the local subschema, its resolver the `@rest` one. */
  field: GraphQLField<unknown, unknown>;
  /** Its service and endpoint. */
  binding: RestBinding;
}

/** `@rest` Query fields of the local SDL, by stitched schema (never a role schema's). */
const restRoots = new WeakMap<GraphQLSchema, ReadonlyMap<string, RestRoot>>();

/**
 * The `@rest` Query fields of the local SDL recorded by {@link setPassthroughSources} for exactly this
 * schema (never for a role schema derived from it), or undefined.
 * @param schema - a served schema
 * @returns field name -> its local field and binding
 */
export function restRootsOf(schema: GraphQLSchema): ReadonlyMap<string, RestRoot> | undefined {
  return restRoots.get(schema);
}

/**
 * The root field owners recorded by {@link setPassthroughSources} for exactly this schema (never for a
 * role schema derived from it), or undefined.
 * @param schema - a served schema
 * @returns `"query.field"` -> the remote that owns it
 */
export function passthroughSourcesOf(schema: GraphQLSchema): ReadonlyMap<string, PassthroughSource> | undefined {
  return owned.get(schema);
}

/**
 * Records every Query and Mutation root field of a remote's own schema as that remote's, so the
 * schema can be served before the first composition for operations the remote answers alone
 * (registry-early.ts). The passthrough plugin then decides on it exactly as on the composed schema.
 * @param schema - the remote's own schema (from its introspection)
 * @param source - the remote
 */
export function setEarlyPassthroughSource(schema: GraphQLSchema, source: PassthroughSource): void {
  const owners = new Map<string, PassthroughSource>();
  for (const operation of ["query", "mutation"] as const) {
    const root = schema.getRootType(operation as never);
    for (const field of Object.keys(root?.getFields() ?? {})) owners.set(`${operation}.${field}`, source);
  }
  owned.set(schema, owners);
}
