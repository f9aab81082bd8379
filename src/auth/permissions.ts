import { MapperKind, mapSchema, pruneSchema } from "@graphql-tools/utils";
import {
  type ArgumentNode,
  astFromValue,
  type DirectiveNode,
  type DocumentNode,
  defaultFieldResolver,
  type FieldDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  GraphQLInterfaceType,
  type GraphQLNamedType,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLTypeResolver,
  GraphQLUnionType,
  getNamedType,
  getNullableType,
  getOperationAST,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  print,
  TypeInfo,
  type ValueNode,
  validateSchema,
  valueFromAST,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { type GatewayConfig, ROLE_NAME, toJsonPath } from "../config";
import { type ConfigProblem, ErrorCode, GatewayError, parseSdl } from "../errors";
import { introspects, rootSelections } from "../graphql/operation";
import { ADMIN_ROLE, type Session } from "./authenticate";
import { SESSION_VARIABLE_PREFIX } from "./claims";

/** Where role SDL files live: `schemas/permissions/<role>.graphql`. */
export const PERMISSION_FILES_DIR = "schemas/permissions/";

/** The field a role schema gets when the role may query nothing (a schema needs a query type; Hasura does the same). */
const NO_QUERIES_FIELD = "no_queries_available";

/** One SDL file (path relative to the project root). */
export interface PermissionFile {
  path: string;
  sdl: string;
}

/** One argument preset: the argument is removed from the role's schema and filled on every call. */
interface Preset {
  name: string;
  type: GraphQLInputType;
  /** Session variable to read (Hasura name, lower-case), or undefined for a static value. */
  variable?: string;
  /** The static value as a literal of the argument's type. */
  literal?: ValueNode;
}

/** A built role schema and what executing against it needs. */
interface RoleSchemaInfo {
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
}

/** What a role may use of one type: every field, or the listed ones with their listed arguments. */
type TypeGrant =
  | { all: true }
  | { all: false; fields: Map<string, { args: Set<string>; presets: Preset[] }>; members?: Set<string> };

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

/** Options of {@link createPermissionSet}. */
export interface PermissionSetOptions {
  /** The validated config (`permissions`, `public`, `auth`). */
  config: GatewayConfig;
  /** Role SDL files (`schemas/permissions/<role>.graphql`). @default [] */
  files?: readonly PermissionFile[];
}

/** Decides the schema each request sees; one per isolate. */
export interface PermissionSet {
  /** The `public` fields, `Type.field`. */
  readonly publicFields: readonly string[];
  /**
   * The schema a session may see: the whole composed schema (admin, no `auth`, or any authenticated
   * role while permissions are off), the role's schema, or the public fields only. Built lazily, cached
   * per composed schema per role.
   * @param full - the composed schema now served
   * @param session - the request's session
   * @throws GatewayError `INVALID_PERMISSIONS` (500) when the role's SDL does not fit `full`
   */
  schemaFor(full: GraphQLSchema, session: Session): GraphQLSchema;
}

/**
 * Parses the role SDLs of the config (`permissions.<role>.<upstream>`, inline) and of the files.
 * Syntax errors are config problems; fitting them to the composed schema happens per role, later.
 *
 * @param options - config and files
 * @returns the permission set, and problems located by JSON path or `file:line:column`
 */
export function createPermissionSet(options: PermissionSetOptions): {
  permissions: PermissionSet;
  problems: ConfigProblem[];
} {
  const { config } = options;
  const problems: ConfigProblem[] = [];
  const documents = new Map<string, DocumentNode[]>();
  const add = (role: string, origin: string, sdl: string): void => {
    const parsed = parseSdl(sdl, origin);
    if ("problem" in parsed) problems.push(parsed.problem);
    else documents.set(role, [...(documents.get(role) ?? []), parsed.document]);
  };
  for (const [role, upstreams] of Object.entries(config.permissions ?? {})) {
    documents.set(role, documents.get(role) ?? []);
    for (const [upstream, sdl] of Object.entries(upstreams)) {
      add(role, toJsonPath(["permissions", role, upstream]), sdl);
    }
  }
  for (const file of options.files ?? []) {
    const role = file.path.slice(PERMISSION_FILES_DIR.length).replace(/\.graphql$/, "");
    if (!ROLE_NAME.test(role)) {
      problems.push({
        path: file.path,
        message: "a permission file must be named <role>.graphql, role [A-Za-z0-9_-]+",
      });
      continue;
    }
    add(role, file.path, file.sdl);
  }
  // `permissions` without `auth` is caught with the config (loadConfig); role files need the same.
  if ((options.files ?? []).length > 0 && config.auth === undefined) {
    problems.push({
      path: PERMISSION_FILES_DIR,
      message: "role permission files need an auth section in the config (who the caller is)",
    });
  }

  const enabled = config.permissions !== undefined || documents.size > 0;
  const publicFields = config.public;
  const cache = new WeakMap<GraphQLSchema, Map<string, GraphQLSchema | GatewayError>>();
  const PUBLIC_KEY = "\u0000public";

  const permissions: PermissionSet = {
    publicFields,
    schemaFor(full, session) {
      const role = session.role;
      let key: string;
      // Hasura: the admin role sees everything, whether from the admin secret or from a token.
      if (session.source === "none" || (session.source !== "unauthenticated" && role === ADMIN_ROLE)) return full;
      if (!enabled) {
        if (session.source !== "unauthenticated") return full;
        key = PUBLIC_KEY;
      } else {
        key = role !== null && documents.has(role) ? role : PUBLIC_KEY;
      }
      let perSchema = cache.get(full);
      if (perSchema === undefined) {
        perSchema = new Map();
        cache.set(full, perSchema);
      }
      let built = perSchema.get(key);
      if (built === undefined) {
        const docs = key === PUBLIC_KEY ? [] : (documents.get(key) ?? []);
        const result = buildRoleSchema(full, docs, publicFields);
        built =
          "schema" in result
            ? result.schema
            : new GatewayError(
                ErrorCode.INVALID_PERMISSIONS,
                `The permissions of role "${key === PUBLIC_KEY ? "(public)" : key}" do not fit the schema: ${result.problems.join("; ")}`,
                { status: 500 },
              );
        perSchema.set(key, built);
      }
      if (built instanceof GatewayError) throw built;
      return built;
    },
  };
  return { permissions, problems };
}

/** Reads `@preset(value: ..., static: ...)` of an argument: a session variable or a static literal. */
function presetOf(
  directive: DirectiveNode,
  name: string,
  type: GraphQLInputType,
  where: string,
  problems: string[],
): Preset | undefined {
  const value = directive.arguments?.find((arg) => arg.name.value === "value")?.value;
  const forceStatic = directive.arguments?.find((arg) => arg.name.value === "static")?.value;
  if (value === undefined) {
    problems.push(`@preset on ${where} needs a value`);
    return undefined;
  }
  const isStatic = forceStatic?.kind === Kind.BOOLEAN && forceStatic.value;
  if (value.kind === Kind.STRING && !isStatic && value.value.toLowerCase().startsWith(SESSION_VARIABLE_PREFIX)) {
    return { name, type, variable: value.value.toLowerCase() };
  }
  const literal = value.kind === Kind.STRING ? literalFor(value.value, type) : value;
  if (literal === undefined || valueFromAST(literal, type) === undefined) {
    problems.push(`@preset on ${where}: ${print(value)} is not a valid ${String(type)}`);
    return undefined;
  }
  return { name, type, literal };
}

/**
 * A session variable's text as a literal of the argument's type: numbers and booleans parsed, lists
 * and input objects read as JSON, everything else (String, ID, enums, custom scalars) as the text.
 * @param text - a session variable's value, or a static preset given as a string
 * @param type - the argument's type
 * @returns the literal, or undefined when the text does not fit the type
 */
function literalFor(text: string, type: GraphQLInputType): ValueNode | undefined {
  const named = getNamedType(type);
  const nullable = getNullableType(type);
  let value: unknown = text;
  if (isListType(nullable) || isInputObjectType(named)) {
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  } else if (named.name === "Int" || named.name === "Float") {
    value = Number(text);
    if (text.trim() === "" || Number.isNaN(value)) return undefined;
  } else if (named.name === "Boolean") {
    if (text !== "true" && text !== "false") return undefined;
    value = text === "true";
  }
  if (isEnumType(named) && !isListType(nullable)) return { kind: Kind.ENUM, value: text };
  return astFromValue(value, type) ?? undefined;
}

/**
 * Fits a role's SDL to the composed schema and builds the role's schema (Hasura's remote schema
 * permissions): listed types, fields and arguments only; `@preset` arguments removed; public fields
 * (and everything they return) added.
 *
 * @returns the schema, or the list of problems
 * @see https://hasura.io/docs/latest/auth/authorization/remote-schema-permissions/
 */
function buildRoleSchema(
  full: GraphQLSchema,
  documents: readonly DocumentNode[],
  publicFields: readonly string[],
): { schema: GraphQLSchema } | { problems: string[] } {
  const problems: string[] = [];
  const grants = new Map<string, TypeGrant>();
  const presets = new Map<string, Preset[]>();

  const grantFields = (typeName: string): Extract<TypeGrant, { all: false }> | undefined => {
    const grant = grants.get(typeName) ?? { all: false, fields: new Map() };
    grants.set(typeName, grant);
    return grant.all ? undefined : grant;
  };

  const grantField = (type: GraphQLNamedType, node: FieldDefinitionNode): void => {
    const where = `${type.name}.${node.name.value}`;
    const field = (type as GraphQLObjectType).getFields()[node.name.value];
    if (field === undefined) {
      problems.push(`${where} is not in the schema`);
      return;
    }
    if (print(node.type) !== String(field.type)) {
      problems.push(`${where} has type ${String(field.type)} in the schema, not ${print(node.type)}`);
    }
    const grant = grantFields(type.name);
    if (grant === undefined) return;
    const entry = grant.fields.get(field.name) ?? { args: new Set<string>(), presets: [] };
    grant.fields.set(field.name, entry);
    for (const argNode of node.arguments ?? []) {
      const arg = field.args.find((candidate) => candidate.name === argNode.name.value);
      if (arg === undefined) {
        problems.push(`${where}(${argNode.name.value}:) is not in the schema`);
        continue;
      }
      if (print(argNode.type) !== String(arg.type)) {
        problems.push(`${where}(${arg.name}:) has type ${String(arg.type)} in the schema, not ${print(argNode.type)}`);
      }
      const directive = argNode.directives?.find((d) => d.name.value === "preset");
      if (directive === undefined) {
        entry.args.add(arg.name);
        continue;
      }
      const preset = presetOf(directive, arg.name, arg.type, `${where}(${arg.name}:)`, problems);
      if (preset !== undefined) {
        entry.presets.push(preset);
        presets.set(where, [...(presets.get(where) ?? []), preset]);
      }
    }
    for (const arg of field.args) {
      const listed = entry.args.has(arg.name) || entry.presets.some((p) => p.name === arg.name);
      if (!listed && isNonNullType(arg.type) && arg.defaultValue === undefined) {
        problems.push(`${where}(${arg.name}:) is required: list it or give it a @preset`);
      }
    }
  };

  for (const document of documents) {
    for (const definition of document.definitions) {
      switch (definition.kind) {
        case Kind.OBJECT_TYPE_DEFINITION:
        case Kind.OBJECT_TYPE_EXTENSION:
        case Kind.INTERFACE_TYPE_DEFINITION:
        case Kind.INTERFACE_TYPE_EXTENSION: {
          const type = full.getType(definition.name.value);
          const wantsInterface =
            definition.kind === Kind.INTERFACE_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION;
          if (type === undefined || (wantsInterface ? !isInterfaceType(type) : !isObjectType(type))) {
            problems.push(`${wantsInterface ? "interface" : "type"} ${definition.name.value} is not in the schema`);
            break;
          }
          grantFields(type.name);
          for (const field of definition.fields ?? []) grantField(type, field);
          break;
        }
        case Kind.UNION_TYPE_DEFINITION:
        case Kind.UNION_TYPE_EXTENSION: {
          const type = full.getType(definition.name.value);
          if (!isUnionType(type)) {
            problems.push(`union ${definition.name.value} is not in the schema`);
            break;
          }
          const grant = grantFields(type.name);
          if (grant === undefined) break;
          grant.members ??= new Set();
          const members = new Set(type.getTypes().map((member) => member.name));
          for (const member of definition.types ?? []) {
            if (members.has(member.name.value)) grant.members.add(member.name.value);
            else problems.push(`${member.name.value} is not a member of union ${type.name}`);
          }
          break;
        }
        case Kind.ENUM_TYPE_DEFINITION:
        case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        case Kind.SCALAR_TYPE_DEFINITION:
          if (full.getType(definition.name.value) === undefined) {
            problems.push(`type ${definition.name.value} is not in the schema`);
          }
          break;
        default:
          // schema definitions and directive definitions (such as @preset's) carry no permission
          break;
      }
    }
  }

  // Public fields, and whatever they return, whole and transitively.
  const grantAll = (type: GraphQLNamedType): void => {
    if (!isObjectType(type) && !isInterfaceType(type) && !isUnionType(type)) return;
    if (grants.get(type.name)?.all) return;
    grants.set(type.name, { all: true });
    if (isUnionType(type)) for (const member of type.getTypes()) grantAll(member);
    else {
      for (const field of Object.values(type.getFields())) grantAll(getNamedType(field.type));
      if (isInterfaceType(type)) for (const impl of full.getPossibleTypes(type)) grantAll(impl);
    }
  };
  for (const entry of publicFields) {
    const [typeName, fieldName] = entry.split(".") as [string, string];
    const type = full.getType(typeName);
    const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[fieldName] : undefined;
    if (type === undefined || field === undefined) {
      problems.push(`public field ${entry} is not in the schema`);
      continue;
    }
    const grant = grantFields(typeName);
    if (grant !== undefined) grant.fields.set(fieldName, { args: new Set(field.args.map((a) => a.name)), presets: [] });
    grantAll(getNamedType(field.type));
  }

  // Every composite type an allowed field returns must be granted too (Hasura asks the same).
  for (const [typeName, grant] of grants) {
    if (grant.all) continue;
    const type = full.getType(typeName);
    if (isUnionType(type)) {
      for (const member of grant.members ?? []) {
        if (!grants.has(member)) problems.push(`${member} (a member of union ${typeName}) is not listed`);
      }
      continue;
    }
    const fields = (type as GraphQLObjectType).getFields();
    for (const fieldName of grant.fields.keys()) {
      const returned = getNamedType((fields[fieldName] as GraphQLField<unknown, unknown>).type);
      if (
        (isObjectType(returned) || isInterfaceType(returned) || isUnionType(returned)) &&
        !grants.has(returned.name)
      ) {
        problems.push(`${returned.name} (returned by ${typeName}.${fieldName}) is not listed`);
      }
    }
  }
  if (problems.length > 0) return { problems };

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
  roleInfo.set(schema, {
    executable: presets.size === 0 ? schema : restrict(true),
    presets,
    withoutPresets: new WeakSet(),
  });
  return { schema };
}

/**
 * Prepares an operation validated against a role schema that has `@preset` arguments: data operations
 * run against the role's executable schema (the role schema plus the preset arguments) with the presets
 * written into the document; introspection-only operations run against the role schema as given, so
 * preset arguments stay invisible. Operations of roles without presets run against the role schema as given.
 *
 * @param roleSchema - a schema from {@link PermissionSet.schemaFor}
 * @param document - the validated document
 * @param operationName - the operation to run
 * @param session - supplies session variables for presets
 * @returns the schema and document to execute, or undefined to execute as given
 * @throws GatewayError `BAD_REQUEST` (400) for introspection mixed with data fields (roles with presets);
 *   `MISSING_SESSION_VARIABLE` (400) for a preset whose session variable is absent or does not fit
 */
export function prepareRoleExecution(
  roleSchema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  session: Session | undefined,
): { schema: GraphQLSchema; document: DocumentNode } | undefined {
  const info = roleInfo.get(roleSchema);
  // Without presets the role schema is what runs: nothing to prepare.
  if (info === undefined || info.presets.size === 0) return undefined;
  // GetOperation (GraphQL spec section 6.1); execute reports a missing operation, or a root type the
  // role does not have, itself
  const operation = getOperationAST(document, operationName);
  if (!operation || !roleSchema.getRootType(operation.operation)) return undefined;
  const keys = rootSelections(document, operation);
  if (introspects(keys)) {
    // Introspection must see the role schema, without the preset arguments the executable one has.
    for (const name of keys.values()) {
      if (name !== "__schema" && name !== "__type" && name !== "__typename") {
        throw new GatewayError(
          ErrorCode.BAD_REQUEST,
          "Send introspection (__schema, __type) in an operation of its own, without data fields.",
          { status: 400 },
        );
      }
    }
    return undefined;
  }
  if (info.withoutPresets.has(document)) return undefined;
  const typeInfo = new TypeInfo(info.executable);
  let touched = false;
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const list = parent == null ? undefined : info.presets.get(`${parent.name}.${node.name.value}`);
        if (list === undefined) return undefined;
        touched = true;
        const names = new Set(list.map((preset) => preset.name));
        const presetArgs: ArgumentNode[] = list.map((preset) => ({
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: preset.name },
          value: presetLiteral(preset, session),
        }));
        return {
          ...node,
          arguments: [...(node.arguments ?? []).filter((arg) => !names.has(arg.name.value)), ...presetArgs],
        };
      },
    }),
  );
  if (!touched) {
    // Yoga's parse cache hands out the same document for the same query: skip the visit next time.
    info.withoutPresets.add(document);
    return undefined;
  }
  return { schema: info.executable, document: rewritten };
}

function presetLiteral(preset: Preset, session: Session | undefined): ValueNode {
  if (preset.literal !== undefined) return preset.literal;
  const variable = preset.variable as string;
  const text = session?.variables[variable];
  const literal = text === undefined ? undefined : literalFor(text, preset.type);
  if (literal === undefined) {
    throw new GatewayError(
      ErrorCode.MISSING_SESSION_VARIABLE,
      text === undefined
        ? `The session has no ${variable}, which the argument "${preset.name}" needs.`
        : `The session variable ${variable} is not a valid ${String(preset.type)} for the argument "${preset.name}".`,
      { status: 400 },
    );
  }
  return literal;
}
