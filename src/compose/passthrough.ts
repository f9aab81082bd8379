import type { Executor } from "@graphql-tools/utils";
import type { GraphQLSchema } from "graphql";
import type { JoinSource } from "./joins";

/** A remote that can answer an operation on its own, as written by the client. */
export interface PassthroughSource {
  /** The remote's name. */
  name: string;
  /** Its own schema, which equals its part of the gateway's (no customization). */
  schema: GraphQLSchema;
  /** Its executor (per-request I/O, see createContextualExecutor). */
  executor: Executor;
}

const PASSTHROUGH = "junctionPassthrough";

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
    const { executor, transforms } = source.subschema;
    if (source.remote === undefined || executor === undefined || (transforms?.length ?? 0) > 0) continue;
    const target: PassthroughSource = { name: source.name, schema: source.subschema.schema, executor };
    for (const operation of ["query", "mutation"] as const) {
      const root = source.schema.getRootType(operation as never);
      for (const field of Object.keys(root?.getFields() ?? {})) owners.set(`${operation}.${field}`, target);
    }
  }
  (schema.extensions as Record<string, unknown>)[PASSTHROUGH] = owners;
}

/**
 * The root field owners recorded by {@link setPassthroughSources}, or undefined.
 * @param schema - a served schema
 * @returns `"query.field"` -> the remote that owns it
 */
export function passthroughSourcesOf(schema: GraphQLSchema): ReadonlyMap<string, PassthroughSource> | undefined {
  return (schema.extensions as Record<string, unknown>)[PASSTHROUGH] as
    | ReadonlyMap<string, PassthroughSource>
    | undefined;
}
