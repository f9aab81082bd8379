import { type GraphQLSchema, getNullableType, isListType, isObjectType, Kind } from "graphql";
import type { FieldExtension, JoinSource } from "../joins";
import type { PassthroughExecutor } from "../shared";
import { jsonTemplateReferences, templateReferences } from "../templates";
import { publishes } from "./publish";

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
  /** The passthrough executor: `send` is one POST of a document through the upstream pipeline. */
  executor: PassthroughExecutor;
  /** Gateway type name -> how this remote resolves the type from a key (its usable `merge` entries). */
  merges: ReadonlyMap<string, PlanMerge>;
}

/**
 * A batched `@join` a plan can run: the key read from one field of the parent, every other argument a
 * literal, the target an uncustomized remote.
 */
export interface PlanJoin {
  /** The remote called. */
  target: PlanSource;
  /** Its Query field. */
  resolver: string;
  /** The argument that takes the list of keys. */
  keyArgument: string;
  /** Its type in SDL (the keys' variable type). */
  keyArgumentType: string;
  /** The other arguments: name, literal value (sent as a variable), SDL type. */
  otherArguments: readonly (readonly [string, unknown, string])[];
  /** The parent's field holding the key (`{parent.customerId}`). */
  parentField: string;
  /** The target type's field results are matched by (compared as strings, as the batched resolver does). */
  keyField: string;
  /** Whether the joined field is a list (every match) or one object (the first match). */
  many: boolean;
}

/** What a query plan needs to know about a stitched schema's sources. */
export interface PlanSources {
  /** Every remote a plan can call, in config order. */
  sources: readonly PlanSource[];
  /**
   * `"query.field"` / `"mutation.field"` -> the remote that owns the root field; null for a root field
   * of a source plans cannot call (the local SDL, a customized remote) and for a publishing mutation.
   */
  rootOwners: ReadonlyMap<string, PlanSource | null>;
  /** `Type.field` -> the batched @join a plan can run for it. */
  joins: ReadonlyMap<string, PlanJoin>;
}

/** Per stitched schema; off `schema.extensions`, which role schemas (mapSchema copies) would inherit. */
const recorded = new WeakMap<GraphQLSchema, PlanSources>();

/**
 * Records, on the stitched schema, the sources a query plan may call (remotes without customization)
 * with their usable merge entries and batched joins, and the owner of every Query and Mutation root field.
 * @param schema - the stitched schema
 * @param sources - the composed sources (merge entries already pruned of unreachable keys)
 * @param extensions - the @join / @rest fields of schemas/*.graphql
 * @param usable - `Type.field` of the extensions in the schema
 */
export function setPlanSources(
  schema: GraphQLSchema,
  sources: readonly JoinSource[],
  extensions: readonly FieldExtension[] = [],
  usable: readonly string[] = [],
): void {
  const plans: PlanSource[] = [];
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
      plans.push(target);
    }
    for (const operation of ["query", "mutation"] as const) {
      const root = source.schema.getRootType(operation as never);
      for (const field of Object.keys(root?.getFields() ?? {})) {
        // A publishing mutation goes through stitching, where its @publish wrapper runs.
        const owner = source.remote !== undefined && publishes(source.remote, operation, field) ? null : target;
        if (!rootOwners.has(`${operation}.${field}`)) rootOwners.set(`${operation}.${field}`, owner);
      }
    }
  }
  const joins = new Map<string, PlanJoin>();
  for (const extension of extensions) {
    const join = planJoin(extension, usable, plans);
    if (join !== undefined) joins.set(`${extension.typeName}.${extension.fieldName}`, join);
  }
  recorded.set(schema, { sources: plans, rootOwners, joins });
}

/** The plan form of a usable batched @join whose key is one parent field and whose other arguments are literals. */
function planJoin(
  extension: FieldExtension,
  usable: readonly string[],
  sources: readonly PlanSource[],
): PlanJoin | undefined {
  const join = extension.join;
  if (join?.batch === undefined || !usable.includes(`${extension.typeName}.${extension.fieldName}`)) return undefined;
  const target = sources.find((source) => source.name === join.remote);
  const field = target?.schema.getQueryType()?.getFields()[join.field];
  const [reference, ...more] = templateReferences(join.batch.template);
  const [keyArgument, ...nested] = join.batch.path;
  if (target === undefined || field === undefined || reference === undefined || more.length > 0) return undefined;
  if (reference.root !== "parent" || reference.path.length !== 1 || keyArgument === undefined || nested.length > 0)
    return undefined;
  const others = Object.entries(join.args).filter(([name]) => name !== keyArgument);
  if (jsonTemplateReferences(Object.fromEntries(others)).length > 0) return undefined;
  const typeOf = (name: string): string | undefined => {
    const argument = field.args.find((arg) => arg.name === name);
    return argument === undefined ? undefined : String(argument.type);
  };
  const keyArgumentType = typeOf(keyArgument);
  if (keyArgumentType === undefined || others.some(([name]) => typeOf(name) === undefined)) return undefined;
  let declared = extension.definition.type;
  if (declared.kind === Kind.NON_NULL_TYPE) declared = declared.type;
  return {
    target,
    resolver: join.field,
    keyArgument,
    keyArgumentType,
    otherArguments: others.map(([name, value]) => [name, value, typeOf(name) as string] as const),
    parentField: reference.path[0] as string,
    keyField: join.keyField,
    many: declared.kind === Kind.LIST_TYPE,
  };
}

/**
 * The sources recorded by {@link setPlanSources} for exactly this schema (never a role schema derived
 * from it), or undefined.
 * @param schema - a served schema
 */
export function planSourcesOf(schema: GraphQLSchema): PlanSources | undefined {
  return recorded.get(schema);
}
