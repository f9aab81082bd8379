import { Subschema, type SubschemaConfig } from "@graphql-tools/delegate";
import { stitchSchemas } from "@graphql-tools/stitch";
import type { IResolvers } from "@graphql-tools/utils";
import { type GraphQLScalarType, type GraphQLSchema, isObjectType, validateSchema } from "graphql";
import type { RemoteConfig } from "../config";
import { ConfigError, ErrorCode, GatewayError } from "../errors";
import {
  buildJoins,
  type FieldExtension,
  invalidJoin,
  type JoinSource,
  type JoinStatus,
  type RemoteMerge,
  remoteMerge,
  setJoinPoints,
} from "../joins";
import type { CustomizedNames, PassthroughExecutor } from "../shared";
import { findConflict, type RecordedType, recordSchema } from "./conflicts";
import { setPassthroughSources } from "./passthrough";
import { setPlanSources } from "./plan-sources";
import { remotePublishProblems, wrapRemotePublishes } from "./publish";

/** One subschema ready to compose. */
export interface ComposeInput {
  /** The remote's configured name (or the local SDL's). */
  name: string;
  /** Its subschema config (schema, executor, transforms). */
  subschema: SubschemaConfig;
  /** The remote's config, for its `merge` entries and customization; undefined for the local SDL. */
  remote?: RemoteConfig;
  /** The remote's customization as rename functions (for `merge` and `@join`); undefined for the local SDL. */
  names?: CustomizedNames;
  /** The remote's executor for operations it answers alone (see the passthrough plugin), if any. */
  passthrough?: PassthroughExecutor;
  /** The remote's position in the config's `remotes` (JSON paths of its problems). @default 0 */
  index?: number;
}

/** Options of {@link composeSubschemas}. */
export interface ComposeOptions {
  /** Fields of schemas/*.graphql stitched onto other sources' types (@join, foreign @rest). @default [] */
  extensions?: readonly FieldExtension[];
  /** `Type.field` of the local subschema's own join points (@rest on object types). @default [] */
  joinFields?: readonly string[];
  /**
   * Resolvers stitched over root fields, by root type and field (the topic-bound Subscription fields of
   * schemas/*.graphql: their `subscribe` and the `resolve` that completes key-only event payloads).
   * Fields the composed schema lacks are skipped. @default {}
   */
  rootResolvers?: Readonly<Record<string, Readonly<Record<string, object>>>>;
  /**
   * Scalars whose implementation the gateway provides whatever a source declares (the `Upload` scalar of
   * files); each is used where some source has a type of its name. @default []
   */
  scalars?: readonly GraphQLScalarType[];
}

/** What {@link composeSubschemas} produced. */
export interface ComposeResult {
  /** The stitched schema, or undefined when no subschema could be used. */
  schema: GraphQLSchema | undefined;
  /** Names of the remotes in the schema, in config order. */
  included: string[];
  /**
   * Remotes left out, with the reason: SCHEMA_CONFLICT with an earlier remote (config order decides),
   * INVALID_CUSTOMIZATION when the remote's customization yields an invalid schema, or INVALID_JOIN
   * when its `merge` entries do not fit its schema.
   */
  conflicts: Map<string, GatewayError>;
  /** Every join and merge entry with its state; those in error are left out of the schema. */
  joins: JoinStatus[];
}

/**
 * Checks the subschemas for conflicts in config order (Hasura's rules, see findConflict), leaves
 * out each remote that conflicts with an earlier one, whose customization yields an invalid schema or
 * whose `merge` entries do not fit, or whose `publish` entries do not fit its Mutation fields (INVALID_CONFIG
 * located at `$.remotes[i].publish.<field>`), and stitches the rest with @graphql-tools/stitch: types declared in
 * `merge` are merged across remotes (stitching's type merging), and the usable extensions (@join,
 * @rest on other sources' types) are added as typeDefs with their resolvers. Root fields of different
 * remotes resolve in parallel. The join points are recorded on the schema for the join limits, and the
 * remotes' publishing Mutation fields are wrapped (see wrapRemotePublishes).
 *
 * @param inputs - the subschemas in order (local SDL first, then remotes)
 * @param options - the extensions and local join fields
 * @returns the stitched schema, the included remotes, the conflicts and the joins' states
 * @see https://the-guild.dev/graphql/stitching/docs/getting-started/basic-example
 */
export function composeSubschemas(inputs: readonly ComposeInput[], options: ComposeOptions = {}): ComposeResult {
  const rootFields = new Map<string, string>();
  const types = new Map<string, RecordedType>();
  const conflicts = new Map<string, GatewayError>();
  const accepted: JoinSource[] = [];
  const joins: JoinStatus[] = [];
  const mergeKeys = new Map<string, RemoteMerge["keys"]>();
  for (const input of inputs) {
    const hasTransforms = (input.subschema.transforms?.length ?? 0) > 0;
    const schema = hasTransforms ? new Subschema(input.subschema).transformedSchema : input.subschema.schema;
    if (hasTransforms) {
      const invalid = validateSchema(schema);
      if (invalid.length > 0) {
        conflicts.set(
          input.name,
          new GatewayError(
            ErrorCode.INVALID_CUSTOMIZATION,
            `The customization of remote schema "${input.name}" produces an invalid schema: ${invalid.map((e) => e.message).join(" ")}`,
            { extensions: { remotes: [input.name] } },
          ),
        );
        continue;
      }
    }
    const merge =
      input.remote === undefined || input.names === undefined
        ? undefined
        : remoteMerge(input.remote, input.subschema.schema, input.names);
    /** Every merge entry of this remote gets the remote's outcome. */
    const mergeOutcome = (error: GatewayError | null): void => {
      for (const typeName of Object.keys(input.remote?.merge ?? {})) {
        joins.push({
          name: `merge:${input.name}.${typeName}`,
          status: error === null ? "ok" : "error",
          lastError: error === null ? null : { code: error.code, message: error.message },
        });
      }
    };
    if (merge !== undefined && merge.problems.length > 0) {
      const error = invalidJoin(`Remote "${input.name}" is left out: ${merge.problems.join("; ")}`, input.name);
      conflicts.set(input.name, error);
      mergeOutcome(error);
      continue;
    }
    const publishProblems =
      input.remote === undefined ? [] : remotePublishProblems(input.remote, schema, input.index ?? 0);
    if (publishProblems.length > 0) {
      const error = new ConfigError(publishProblems);
      conflicts.set(input.name, error);
      mergeOutcome(error);
      continue;
    }
    const merged = new Set(Object.keys(merge?.merge ?? {}));
    const candidate = { name: input.name, schema, merged };
    const conflict = findConflict(candidate, rootFields, types);
    if (conflict !== undefined) {
      conflicts.set(input.name, conflict);
      mergeOutcome(conflict);
      continue;
    }
    mergeOutcome(null);
    recordSchema(candidate, rootFields, types);
    if (merge !== undefined && merged.size > 0) mergeKeys.set(input.name, merge.keys);
    accepted.push({
      name: input.name,
      subschema: merged.size > 0 ? { ...input.subschema, merge: merge?.merge } : input.subschema,
      schema,
      remote: input.remote,
      names: input.names,
      passthrough: input.passthrough,
    });
  }
  const included = accepted.map((source) => source.name);
  if (accepted.length === 0) return { schema: undefined, included, conflicts, joins };
  for (const problem of unreachableKeys(accepted, mergeKeys)) {
    const source = accepted.find((candidate) => candidate.name === problem.remote) as JoinSource;
    const { [problem.type]: _dropped, ...rest } = source.subschema.merge ?? {};
    source.subschema = { ...source.subschema, merge: rest };
    const status = joins.find((join) => join.name === `merge:${problem.remote}.${problem.ownType}`);
    if (status !== undefined) {
      status.status = "error";
      status.lastError = { code: ErrorCode.INVALID_JOIN, message: problem.message };
    }
  }
  const built = buildJoins(options.extensions ?? [], accepted);
  joins.push(...built.statuses);
  const subschemas = accepted.map((source) => source.subschema);
  let schema: GraphQLSchema;
  let joinFields = built.fields;
  try {
    schema = stitchSchemas({
      subschemas,
      typeDefs: built.typeDefs ?? [],
      resolvers: [
        built.resolvers,
        ...rootResolversOf(accepted, options.rootResolvers),
        ...scalarsOf(accepted, options.scalars),
      ],
    });
  } catch (error) {
    // Checked above; should stitching still refuse the extensions, serve without them.
    const message = `The joins could not be stitched: ${error instanceof Error ? error.message : String(error)}`;
    for (const status of built.statuses) {
      if (status.status === "ok")
        Object.assign(status, { status: "error", lastError: { code: ErrorCode.INVALID_JOIN, message } });
    }
    joinFields = [];
    schema = stitchSchemas({
      subschemas,
      resolvers: [...rootResolversOf(accepted, options.rootResolvers), ...scalarsOf(accepted, options.scalars)],
    });
  }
  wrapRemotePublishes(schema, accepted);
  // Plan sources first: the passthrough owners are theirs.
  setPlanSources(schema, accepted, options.extensions, joinFields);
  setPassthroughSources(schema, accepted);
  setJoinPoints(schema, {
    fields: new Set([...(options.joinFields ?? []), ...joinFields]),
    merged: mergedFields(accepted),
  });
  return { schema, included, conflicts, joins };
}

/** The root resolvers whose root field some accepted source has (a left-out source's fields are not in the schema). */
function rootResolversOf(sources: readonly JoinSource[], rootResolvers: ComposeOptions["rootResolvers"]): IResolvers[] {
  const out: Record<string, Record<string, object>> = {};
  for (const [typeName, fields] of Object.entries(rootResolvers ?? {})) {
    for (const [fieldName, resolver] of Object.entries(fields)) {
      const present = sources.some((source) => {
        const type = source.schema.getType(typeName);
        return isObjectType(type) && type.getFields()[fieldName] !== undefined;
      });
      if (present) out[typeName] = { ...out[typeName], [fieldName]: resolver };
    }
  }
  return Object.keys(out).length === 0 ? [] : [out as IResolvers];
}

/** The gateway's scalars that some accepted source has a type for, as stitching resolvers. */
function scalarsOf(sources: readonly JoinSource[], scalars: ComposeOptions["scalars"]): IResolvers[] {
  const used = (scalars ?? []).filter((scalar) =>
    sources.some((source) => source.schema.getType(scalar.name) !== undefined),
  );
  return used.length === 0 ? [] : [Object.fromEntries(used.map((scalar) => [scalar.name, scalar])) as IResolvers];
}

/** For each type merged by some remote: field -> the sources serving it. */
function mergedFields(sources: readonly JoinSource[]): Map<string, Map<string, Set<string>>> {
  const merged = new Map<string, Map<string, Set<string>>>();
  for (const source of sources) {
    for (const typeName of Object.keys(source.subschema.merge ?? {})) merged.set(typeName, new Map());
  }
  for (const [typeName, fields] of merged) {
    for (const source of sources) {
      const type = source.schema.getType(typeName);
      if (type === undefined || !("getFields" in type)) continue;
      for (const fieldName of Object.keys(type.getFields())) {
        const servers = fields.get(fieldName) ?? new Set<string>();
        servers.add(source.name);
        fields.set(fieldName, servers);
      }
    }
  }
  return merged;
}

/** A merge entry whose key some source of the type can never supply. */
interface UnreachableKey {
  remote: string;
  /** Gateway type name. */
  type: string;
  /** The type's name in the remote (for its status entry). */
  ownType: string;
  message: string;
}

/**
 * Finds merge entries that cannot be entered: starting from an object of type T served by source O,
 * remote R's fields need R's key, which O must serve or a remote reachable from O must (each reached by
 * its own key, and so on). A remote that some origin cannot reach is reported: its key is missing
 * everywhere else, or the remotes' keys form a cycle of mandatory keys.
 */
function unreachableKeys(
  sources: readonly JoinSource[],
  mergeKeys: ReadonlyMap<string, RemoteMerge["keys"]>,
): UnreachableKey[] {
  const problems: UnreachableKey[] = [];
  const typeNames = new Set([...mergeKeys.values()].flatMap((keys) => [...keys.keys()]));
  for (const typeName of typeNames) {
    const fieldsOf = new Map<string, Set<string>>();
    for (const source of sources) {
      const type = source.schema.getType(typeName);
      if (type !== undefined && "getFields" in type) fieldsOf.set(source.name, new Set(Object.keys(type.getFields())));
    }
    const mergers = [...mergeKeys].flatMap(([remote, keys]) => {
      const entry = keys.get(typeName);
      return entry === undefined ? [] : [{ remote, ...entry }];
    });
    const reported = new Set<string>();
    for (const origin of fieldsOf.keys()) {
      const reached = new Set([origin]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const merger of mergers) {
          if (reached.has(merger.remote)) continue;
          if ([...reached].some((name) => fieldsOf.get(name)?.has(merger.key))) {
            reached.add(merger.remote);
            grew = true;
          }
        }
      }
      for (const merger of mergers) {
        if (reached.has(merger.remote) || reported.has(merger.remote)) continue;
        reported.add(merger.remote);
        const servers = [...fieldsOf].filter(([name, fields]) => name !== merger.remote && fields.has(merger.key));
        problems.push({
          remote: merger.remote,
          type: typeName,
          ownType: merger.typeName,
          message:
            servers.length === 0
              ? `merge.${merger.typeName} of remote "${merger.remote}": key field "${merger.key}" is missing on ${typeName} in every other source, so objects from "${origin}" cannot be merged with it`
              : `merge.${merger.typeName} of remote "${merger.remote}": a cycle of mandatory keys: from "${origin}", key "${merger.key}" is only served by ${servers.map(([name]) => `"${name}"`).join(", ")}, which need keys that "${origin}" cannot supply either`,
        });
      }
    }
  }
  return problems;
}
