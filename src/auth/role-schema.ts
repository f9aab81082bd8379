import { MapperKind, mapSchema, pruneSchema } from "@graphql-tools/utils";
import {
  type DocumentNode,
  defaultFieldResolver,
  type GraphQLAbstractType,
  type GraphQLFieldResolver,
  GraphQLInterfaceType,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLTypeResolver,
  GraphQLUnionType,
  getNamedType,
  getNullableType,
  isAbstractType,
  isListType,
  isNonNullType,
  validateSchema,
} from "graphql";
import { checkVariablesByField, type ValueChecks } from "./role-checks";
import { type Preset, readRoleGrants } from "./role-grants";

/** The field a role schema gets when the role may query nothing (a schema needs a query type; Hasura does the same). */
const NO_QUERIES_FIELD = "no_queries_available";

/** A built role schema and what executing against it needs. */
export interface RoleSchemaInfo {
  /** The composed schema the role schema was cut from. */
  full: GraphQLSchema;
  /**
   * What the role's operations execute against: the role schema plus the preset arguments (which the
   * rewritten document fills in). Executing inside the role's schema keeps results inside it too: an
   * upstream object of a type the role cannot see fails its field instead of showing its `__typename`.
   */
  executable: GraphQLSchema;
  /** `Type.field` -> presets of that field. */
  presets: ReadonlyMap<string, readonly Preset[]>;
  /** Documents already seen to select no preset field: they run as given. */
  withoutPresets: WeakSet<DocumentNode>;
  /** The role's `@check`s (see src/auth/role-checks.ts). */
  checks: ValueChecks;
  /**
   * Per document, the operation names (as requested; "" for none) already seen to have no argument a
   * check may apply to: those operations are not walked again (another operation of the document may).
   */
  withoutChecks: WeakMap<DocumentNode, Set<string>>;
  /** `Type.field` -> session variables its presets and checks read. */
  sessionVariables: ReadonlyMap<string, readonly string[]>;
}

const roleInfo = new WeakMap<GraphQLSchema, RoleSchemaInfo>();

/**
 * The restricted-schema information of a schema handed out by {@link PermissionSet.schemaFor}, or
 * undefined when that schema is the whole composed schema.
 * @param schema - a schema Yoga is about to validate or execute against
 * @returns the role schema's grants, presets and executable twin, or undefined
 */
export function restrictedSchemaInfo(schema: GraphQLSchema): RoleSchemaInfo | undefined {
  return roleInfo.get(schema);
}

const NO_VARIABLES: ReadonlyMap<string, readonly string[]> = new Map();

/**
 * The session variables each field's `@preset` arguments and `@check`s read, for a role schema (the
 * response cache keys answers of operations selecting such fields by those variables' values: the
 * answer, or whether the operation may run at all, depends on them).
 * @param schema - a schema from {@link PermissionSet.schemaFor}
 * @returns `Type.field` -> session variable names (Hasura names, lower-case); empty for the whole schema
 */
export function presetVariablesOf(schema: GraphQLSchema): ReadonlyMap<string, readonly string[]> {
  return roleInfo.get(schema)?.sessionVariables ?? NO_VARIABLES;
}

/** `Type.field` -> the session variables its presets and checks read. */
function sessionVariablesOf(
  schema: GraphQLSchema,
  presets: ReadonlyMap<string, readonly Preset[]>,
  checks: ValueChecks,
): Map<string, string[]> {
  const out = checkVariablesByField(schema, checks);
  for (const [coordinate, list] of presets) {
    const variables = list.flatMap((preset) => (preset.variable === undefined ? [] : [preset.variable]));
    if (variables.length > 0) out.set(coordinate, [...new Set([...(out.get(coordinate) ?? []), ...variables])]);
  }
  return out;
}

/**
 * The composed schema a role schema was cut from, when `schema` is a role schema whose operations run
 * as given (no preset argument to fill in): an operation valid against it selects only fields of the
 * composed schema, which answer it alike (query plans are built there). Undefined for any other schema.
 * @param schema - a schema Yoga is about to execute against
 * @returns the composed schema, or undefined
 */
export function composedSchemaOf(schema: GraphQLSchema): GraphQLSchema | undefined {
  // Only role schemas are recorded; an operation that fills presets runs against the executable twin, which is not.
  return roleInfo.get(schema)?.full;
}

/**
 * Builds a role's schema from its SDL (Hasura's remote schema permissions): listed types, fields and
 * arguments only; `@preset` arguments removed; public fields (and everything they return) added;
 * objects of types the role cannot see dropped from results. Records the role schema's executable twin
 * (with the preset arguments) for {@link restrictedSchemaInfo}.
 *
 * @param full - the composed schema
 * @param documents - the role's SDL documents
 * @param publicFields - the config's `public` fields
 * @returns the schema, or the list of problems
 * @see https://hasura.io/docs/latest/auth/authorization/remote-schema-permissions/
 */
export function buildRoleSchema(
  full: GraphQLSchema,
  documents: readonly DocumentNode[],
  publicFields: readonly string[],
): { schema: GraphQLSchema } | { problems: string[] } {
  const read = readRoleGrants(full, documents, publicFields);
  if ("problems" in read) return read;
  const { grants, presets, checks } = read;
  const keepType = (name: string): boolean => grants.has(name);
  /**
   * The object types the role may see behind each abstract type (granted union members or
   * implementations), computed once per role schema: resolveType and result filtering run per object.
   */
  const visibleByAbstract = new Map<string, ReadonlySet<string>>();
  const visibleTypes = (abstract: GraphQLAbstractType): ReadonlySet<string> => {
    let visible = visibleByAbstract.get(abstract.name);
    if (visible === undefined) {
      const members = (grants.get(abstract.name) as { members?: Set<string> } | undefined)?.members;
      visible = new Set(
        full
          .getPossibleTypes(abstract)
          .map((type) => type.name)
          .filter((name) => grants.has(name) && (members === undefined || members.has(name))),
      );
      visibleByAbstract.set(abstract.name, visible);
    }
    return visible;
  };
  /**
   * An abstract type's resolveType that answers only types the role may see: an upstream object of a
   * hidden type becomes a field error naming no type, instead of a `__typename` the role may not know.
   */
  const onlyGranted = (
    abstract: GraphQLAbstractType,
    resolve: GraphQLTypeResolver<unknown, unknown> | null | undefined,
  ): GraphQLTypeResolver<unknown, unknown> => {
    const allowed = visibleTypes(abstract);
    return async (value, context, info, abstractType) => {
      const name = resolve
        ? await resolve(value, context, info, abstractType)
        : (value as { __typename?: string } | null)?.__typename;
      return typeof name === "string" && allowed.has(name) ? name : undefined;
    };
  };
  /**
   * A field returning an abstract type some of whose object types the role cannot see: objects of
   * those types (stitched results carry `__typename`) are dropped from lists (null for a single
   * object), so the role sees neither them nor their `__typename`, and its other objects are answered.
   */
  const withoutHiddenObjects = (
    type: GraphQLOutputType,
    resolve: GraphQLFieldResolver<unknown, unknown> | undefined,
  ): GraphQLFieldResolver<unknown, unknown> | undefined => {
    const named = getNamedType(type);
    if (!isAbstractType(named)) return resolve;
    const allowed = visibleTypes(named);
    if (full.getPossibleTypes(named).every((impl) => allowed.has(impl.name))) return resolve;
    const visible = (item: unknown): boolean => {
      const name = (item as { __typename?: unknown } | null)?.__typename;
      return typeof name !== "string" || allowed.has(name);
    };
    // Stitching already turns an object whose type the executing schema lacks into null: in a list of
    // non-null items such a null can only be a hidden object, and is dropped too.
    const dropHidden = (value: unknown, at: GraphQLOutputType): unknown => {
      const nullable = getNullableType(at);
      if (isListType(nullable) && Array.isArray(value)) {
        const item = nullable.ofType as GraphQLOutputType;
        const required = isNonNullType(item);
        return value
          .filter((entry) => visible(entry) && !(required && entry == null))
          .map((entry) => dropHidden(entry, item));
      }
      return visible(value) ? value : null;
    };
    const inner = resolve ?? defaultFieldResolver;
    return async (source, args, context, info) => dropHidden(await inner(source, args, context, info), type);
  };
  const restrict = (keepPresetArgs: boolean): GraphQLSchema => {
    let schema = mapSchema(full, {
      [MapperKind.OBJECT_TYPE]: (type) => (keepType(type.name) ? type : null),
      [MapperKind.INTERFACE_TYPE]: (type) =>
        keepType(type.name)
          ? new GraphQLInterfaceType({ ...type.toConfig(), resolveType: onlyGranted(type, type.resolveType) })
          : null,
      [MapperKind.UNION_TYPE]: (type) => {
        const grant = grants.get(type.name);
        if (grant === undefined) return null;
        const members = grant.all || grant.members === undefined ? undefined : grant.members;
        const config = type.toConfig();
        return new GraphQLUnionType({
          ...config,
          types: members === undefined ? config.types : config.types.filter((member) => members.has(member.name)),
          resolveType: onlyGranted(type, config.resolveType),
        });
      },
      [MapperKind.COMPOSITE_FIELD]: (fieldConfig, fieldName, typeName) => {
        const grant = grants.get(typeName);
        if (grant === undefined) return null;
        if (grant.all) return fieldConfig;
        const entry = grant.fields.get(fieldName);
        if (entry === undefined) return null;
        const keep = (name: string): boolean =>
          entry.args.has(name) || (keepPresetArgs && entry.presets.some((preset) => preset.name === name));
        const args = Object.fromEntries(Object.entries(fieldConfig.args ?? {}).filter(([name]) => keep(name)));
        return { ...fieldConfig, args, resolve: withoutHiddenObjects(fieldConfig.type, fieldConfig.resolve) };
      },
    });
    if (schema.getQueryType() === undefined || schema.getQueryType() === null) {
      const query = new GraphQLObjectType({
        name: full.getQueryType()?.name ?? "Query",
        fields: { [NO_QUERIES_FIELD]: { type: GraphQLString, resolve: () => null } },
      });
      schema = new GraphQLSchema({ ...schema.toConfig(), query });
    }
    return pruneSchema(schema);
  };
  const schema = restrict(false);
  const invalid = validateSchema(schema);
  if (invalid.length > 0) return { problems: invalid.map((error) => error.message) };
  // Executed against: the same, but with the preset arguments the rewritten document fills in.
  const executable = presets.size === 0 ? schema : restrict(true);
  roleInfo.set(schema, {
    full,
    executable,
    presets,
    withoutPresets: new WeakSet(),
    checks,
    withoutChecks: new WeakMap(),
    sessionVariables: sessionVariablesOf(executable, presets, checks),
  });
  return { schema };
}
