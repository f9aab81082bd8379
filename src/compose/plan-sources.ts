import type { Executor } from "@graphql-tools/utils";
import { type GraphQLSchema, getNullableType, isListType, isObjectType } from "graphql";
import type { JoinSource } from "../joins";

/** How one remote resolves a merged type from its key: its `merge` entry, checked by remoteMerge. */
export interface PlanMerge {
  /** The key field (the remote's and the gateway's name: plans cover uncustomized remotes only). */
  key: string;
  /** The Query field that takes keys and returns the objects, e.g. `productsByUpcs`. */
  resolver: string;
  /** Its argument that takes the keys, e.g. `upcs`. */
  argument: string;
  /** The argument's type as written in SDL, e.g. `[String!]!` (the type of the keys' variable). */
  argumentType: string;
  /** Whether the resolver takes a list of keys and returns a list (batched); else one key, one object. */
  many: boolean;
}

/** A remote a query plan can call: uncustomized (its names are the gateway's), with its lean executor. */
export interface PlanSource {
  /** The remote's name. */
  name: string;
  /** Its own schema (equal to its part of the gateway's). */
  schema: GraphQLSchema;
  /** The passthrough executor: one POST of a document through the upstream pipeline. */
  executor: Executor;
  /** Gateway type name -> how this remote resolves the type from a key (its usable `merge` entries). */
  merges: ReadonlyMap<string, PlanMerge>;
}

/** What a query plan needs to know about a stitched schema's sources. */
export interface PlanSources {
  /** Every remote a plan can call, in config order. */
  sources: readonly PlanSource[];
  /**
   * `"query.field"` -> the remote that owns the root field; null for a root field of a source plans
   * cannot call (the local SDL, a customized remote).
   */
  rootOwners: ReadonlyMap<string, PlanSource | null>;
}

/** Per stitched schema; off `schema.extensions`, which role schemas (mapSchema copies) would inherit. */
const recorded = new WeakMap<GraphQLSchema, PlanSources>();

/**
 * Records, on the stitched schema, the sources a query plan may call (remotes without customization)
 * with their usable merge entries, and the owner of every Query root field.
 * @param schema - the stitched schema
 * @param sources - the composed sources (merge entries already pruned of unreachable keys)
 */
export function setPlanSources(schema: GraphQLSchema, sources: readonly JoinSource[]): void {
  const usable: PlanSource[] = [];
  const rootOwners = new Map<string, PlanSource | null>();
  for (const source of sources) {
    const executor = source.passthrough;
    const plain =
      source.remote !== undefined && executor !== undefined && (source.subschema.transforms?.length ?? 0) === 0;
    let target: PlanSource | null = null;
    if (plain && source.remote !== undefined && executor !== undefined) {
      const merges = new Map<string, PlanMerge>();
      const query = source.schema.getQueryType();
      for (const typeName of Object.keys(source.subschema.merge ?? {})) {
        const entry = source.remote.merge?.[typeName];
        const resolver = entry === undefined ? undefined : query?.getFields()[entry.resolver];
        const argument = resolver?.args.find((arg) => arg.name === entry?.argument);
        if (entry === undefined || argument === undefined || resolver === undefined) continue;
        if (!isObjectType(source.schema.getType(typeName))) continue;
        merges.set(typeName, {
          key: entry.key,
          resolver: entry.resolver,
          argument: entry.argument,
          argumentType: String(argument.type),
          many: isListType(getNullableType(resolver.type)),
        });
      }
      target = { name: source.name, schema: source.schema, executor, merges };
      usable.push(target);
    }
    const root = source.schema.getQueryType();
    for (const field of Object.keys(root?.getFields() ?? {})) {
      if (!rootOwners.has(`query.${field}`)) rootOwners.set(`query.${field}`, target);
    }
  }
  recorded.set(schema, { sources: usable, rootOwners });
}

/**
 * The sources recorded by {@link setPlanSources} for exactly this schema (never a role schema derived
 * from it), or undefined.
 * @param schema - a served schema
 */
export function planSourcesOf(schema: GraphQLSchema): PlanSources | undefined {
  return recorded.get(schema);
}
