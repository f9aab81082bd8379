import type { Executor } from "@graphql-tools/utils";
import type { GraphQLSchema } from "graphql";
import type { JoinSource } from "../joins";
import { publishes } from "./publish";

/** A remote that can answer an operation on its own, as written by the client. */
export interface PassthroughSource {
  /** The remote's name. */
  name: string;
  /** Its own schema, which equals its part of the gateway's (no customization). */
  schema: GraphQLSchema;
  /** Its passthrough executor (see createPassthroughExecutor). */
  executor: Executor;
}

/**
 * Owners by stitched schema. Kept off the schema's extensions on purpose: role schemas (mapSchema
 * copies) must not inherit them, so execution under a role always stays inside the role's schema.
 */
const owned = new WeakMap<GraphQLSchema, ReadonlyMap<string, PassthroughSource>>();

/**
 * Records, on the stitched schema, which remote owns each root field (`query.user`, `mutation.rename`),
 * for remotes without customization: an operation whose fields all belong to one of them can be sent
 * to it as written (see the passthrough plugin).
 * @param schema - the stitched schema
 * @param sources - the composed subschemas
 */
export function setPassthroughSources(schema: GraphQLSchema, sources: readonly JoinSource[]): void {
  const owners = new Map<string, PassthroughSource>();
  for (const source of sources) {
    const executor = source.passthrough;
    const transforms = source.subschema.transforms;
    if (source.remote === undefined || executor === undefined || (transforms?.length ?? 0) > 0) continue;
    const target: PassthroughSource = { name: source.name, schema: source.subschema.schema, executor };
    for (const operation of ["query", "mutation"] as const) {
      const root = source.schema.getRootType(operation as never);
      for (const field of Object.keys(root?.getFields() ?? {})) {
        // A publishing mutation goes through stitching, where its @publish wrapper runs.
        if (!publishes(source.remote, operation, field)) owners.set(`${operation}.${field}`, target);
      }
    }
  }
  owned.set(schema, owners);
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
