import {
  astFromValue,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  print,
  type ValueNode,
  valueFromAST,
} from "graphql";
import { SESSION_VARIABLE_PREFIX } from "../shared";
import { checkOf, type ValueCheck } from "./role-checks";

/** One argument preset: the argument is removed from the role's schema and filled on every call. */
export interface Preset {
  /** The argument's name. */
  name: string;
  /** The argument's type (the literal is of this type). */
  type: GraphQLInputType;
  /** Session variable to read (Hasura name, lower-case), or undefined for a static value. */
  variable?: string;
  /** The static value as a literal of the argument's type. */
  literal?: ValueNode;
}

/** What a role may use of one type: every field, or the listed ones with their listed arguments. */
export type TypeGrant =
  | { all: true }
  | { all: false; fields: Map<string, { args: Set<string>; presets: Preset[] }>; members?: Set<string> };

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
export function literalFor(text: string, type: GraphQLInputType): ValueNode | undefined {
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

/** `Type.field(arg:)`: the coordinate of an argument check. */
const ARGUMENT_COORDINATE = /^([^.]+)\.([^(]+)\(([^:]+):\)$/;

/**
 * Applies each check of an interface field's argument to the same argument of every type implementing
 * the interface too: the operation may select the field through either (`... on Org { group(name:) }`),
 * and the implementation must list the field anyway (GraphQL asks it), so a check written once on the
 * interface is not lost when it is not repeated there (a stricter check is never dropped).
 * @param full - the composed schema
 * @param checks - the checks read (argument checks some role lets through already removed)
 * @param addCheck - adds a check at a coordinate, without duplicates
 */
function inheritInterfaceChecks(
  full: GraphQLSchema,
  checks: ReadonlyMap<string, readonly ValueCheck[]>,
  addCheck: (coordinate: string, check: ValueCheck) => void,
): void {
  const implementers = Object.values(full.getTypeMap()).filter(
    (type): type is GraphQLObjectType | GraphQLInterfaceType => isObjectType(type) || isInterfaceType(type),
  );
  for (const [coordinate, list] of [...checks]) {
    const [, typeName, fieldName, argName] = ARGUMENT_COORDINATE.exec(coordinate) ?? [];
    const type = typeName === undefined ? undefined : full.getType(typeName);
    if (!isInterfaceType(type)) continue;
    // GraphQL asks a type to list every interface it implements, transitively ones too.
    for (const implementer of implementers) {
      if (!implementer.getInterfaces().includes(type)) continue;
      for (const check of list) addCheck(`${implementer.name}.${fieldName}(${argName}:)`, check);
    }
  }
}

/** What a role may use: its grants per type, its argument presets per `Type.field`, and its checks. */
export interface RoleGrants {
  /** Type name -> what of it the role may use. */
  grants: Map<string, TypeGrant>;
  /** `Type.field` -> the presets of that field. */
  presets: Map<string, Preset[]>;
  /**
   * `@check`s: `Type.field(arg:)` and `Input.field` -> checks, any of which a value must pass. An
   * argument some document lists without a check is not checked (the union of several roles' SDL: a
   * role that lets any value through lets it through); input field checks always apply.
   */
  checks: Map<string, ValueCheck[]>;
}

/**
 * Fits a role's SDL to the composed schema (Hasura's remote schema permissions): the listed types,
 * fields and arguments, `@preset` arguments, union members, and the public fields with everything
 * they return, whole. Every composite type an allowed field returns must be listed too.
 *
 * @param full - the composed schema
 * @param documents - the role's SDL documents
 * @param publicFields - the config's `public` fields (`Type.field`)
 * @returns the grants, or the list of problems
 * @see https://hasura.io/docs/latest/auth/authorization/remote-schema-permissions/
 */
export function readRoleGrants(
  full: GraphQLSchema,
  documents: readonly DocumentNode[],
  publicFields: readonly string[],
): RoleGrants | { problems: string[] } {
  const problems: string[] = [];
  const grants = new Map<string, TypeGrant>();
  const presets = new Map<string, Preset[]>();
  const checks = new Map<string, ValueCheck[]>();
  /** Arguments some document lists without a check. */
  const unchecked = new Set<string>();
  const addCheck = (coordinate: string, check: ValueCheck | undefined): void => {
    if (check === undefined) return;
    const list = checks.get(coordinate) ?? [];
    if (!list.some((known) => known.op === check.op && known.variable === check.variable)) list.push(check);
    checks.set(coordinate, list);
  };

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
      const check = argNode.directives?.find((d) => d.name.value === "check");
      const coordinate = `${where}(${arg.name}:)`;
      if (directive !== undefined && check !== undefined) {
        problems.push(`${coordinate} has both @preset and @check: a preset argument is not the caller's to choose`);
        continue;
      }
      if (directive === undefined) {
        entry.args.add(arg.name);
        if (check === undefined) unchecked.add(coordinate);
        else addCheck(coordinate, checkOf(check, coordinate, problems));
        continue;
      }
      // The same preset in several documents (roles of a union) fills the argument once.
      if (entry.presets.some((known) => known.name === arg.name)) continue;
      const preset = presetOf(directive, arg.name, arg.type, coordinate, problems);
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
        case Kind.INPUT_OBJECT_TYPE_DEFINITION:
        case Kind.INPUT_OBJECT_TYPE_EXTENSION: {
          const type = full.getType(definition.name.value);
          if (!isInputObjectType(type)) {
            problems.push(`input ${definition.name.value} is not in the schema`);
            break;
          }
          const fields = type.getFields();
          for (const field of definition.fields ?? []) {
            const coordinate = `${type.name}.${field.name.value}`;
            if (fields[field.name.value] === undefined) {
              problems.push(`${coordinate} is not in the schema`);
              continue;
            }
            const check = field.directives?.find((d) => d.name.value === "check");
            if (check !== undefined) addCheck(coordinate, checkOf(check, coordinate, problems));
          }
          break;
        }
        case Kind.ENUM_TYPE_DEFINITION:
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
  for (const coordinate of unchecked) checks.delete(coordinate);
  inheritInterfaceChecks(full, checks, addCheck);
  return { grants, presets, checks };
}
