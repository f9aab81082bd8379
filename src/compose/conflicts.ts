import {
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  isUnionType,
} from "graphql";
import { SchemaConflictError } from "../errors";

/** A subschema as the conflict check sees it: the remote's name and its schema after customization. */
export interface ComposableSchema {
  /** The remote's configured name. */
  name: string;
  /** The schema clients will see from it (customization applied). */
  schema: GraphQLSchema;
  /** Types it declares in `merge` (gateway names): these may differ from another remote's that merges them too. */
  merged?: ReadonlySet<string>;
}

/** A type already in the composition: who brought it, its structure, and whether that remote merges it. */
export interface RecordedType {
  /** The remote that brought it first. */
  remote: string;
  /** See typeStructure. */
  structure: string;
  /** Whether that remote declares it in `merge`. */
  merged: boolean;
}

const OPERATIONS = [
  ["query", "Query", (schema: GraphQLSchema) => schema.getQueryType()],
  ["mutation", "Mutation", (schema: GraphQLSchema) => schema.getMutationType()],
  ["subscription", "Subscription", (schema: GraphQLSchema) => schema.getSubscriptionType()],
] as const;

const argumentsOf = (field: GraphQLField<unknown, unknown>): string =>
  field.args
    .map((arg) => `${arg.name}:${String(arg.type)}=${JSON.stringify(arg.defaultValue)}`)
    .sort()
    .join(",");

const inputFieldOf = (field: GraphQLInputField): string =>
  `${field.name}:${String(field.type)}=${JSON.stringify(field.defaultValue)}`;

/**
 * A canonical text of a named type's structure: kind, fields with argument and result types,
 * interfaces, union members, enum values, input fields. Descriptions and order do not count, so two
 * remotes that define the same type the same way produce the same text.
 *
 * @param type - any named type
 * @returns its canonical structure
 */
export function typeStructure(type: GraphQLNamedType): string {
  if (isObjectType(type) || isInterfaceType(type)) {
    const interfaces = type
      .getInterfaces()
      .map((i) => i.name)
      .sort()
      .join("&");
    const fields = Object.values(type.getFields())
      .map((field) => `${field.name}(${argumentsOf(field)}):${String(field.type)}`)
      .sort()
      .join(" ");
    return `${isObjectType(type) ? "type" : "interface"}[${interfaces}]{${fields}}`;
  }
  if (isUnionType(type)) {
    return `union{${type
      .getTypes()
      .map((member) => member.name)
      .sort()
      .join("|")}}`;
  }
  if (isEnumType(type)) {
    return `enum{${type
      .getValues()
      .map((value) => value.name)
      .sort()
      .join(" ")}}`;
  }
  if (isInputObjectType(type)) {
    return `input{${Object.values(type.getFields()).map(inputFieldOf).sort().join(" ")}}`;
  }
  return "scalar";
}

const suggestion = (remote: string): string => remote.toUpperCase().replace(/[^A-Z0-9_]/g, "_");

/**
 * Finds the first conflict between `candidate` and already accepted subschemas, by Hasura's rules:
 * a root field name must be unique across remotes; a type name shared by several remotes must have
 * identical structure (then the types merge), unless every remote serving it declares it in `merge`
 * (entity merging: the structures may differ, stitching combines the fields).
 *
 * @param candidate - the subschema to add
 * @param rootFields - "query.fieldName" -> remote name, of the accepted subschemas (read only)
 * @param types - type name -> { remote, structure, merged }, of the accepted subschemas (read only)
 * @returns the conflict (naming both remotes, the type or field, and the customization that fixes it), or undefined
 */
export function findConflict(
  candidate: ComposableSchema,
  rootFields: ReadonlyMap<string, string>,
  types: ReadonlyMap<string, RecordedType>,
): SchemaConflictError | undefined {
  const rootTypeNames = new Set<string>();
  for (const [operation, defaultName, getRoot] of OPERATIONS) {
    const root = getRoot(candidate.schema);
    if (!root) continue;
    rootTypeNames.add(root.name);
    for (const fieldName of Object.keys(root.getFields())) {
      const owner = rootFields.get(`${operation}.${fieldName}`);
      if (owner !== undefined) {
        return new SchemaConflictError(
          `Root field ${defaultName}.${fieldName} is defined by both "${owner}" and "${candidate.name}". ` +
            `Resolve it with a customization on remote "${candidate.name}": "rootFieldsNamespace": "${candidate.name}", ` +
            `or "fieldNames": [{ "parentType": "${root.name}", "prefix": "${candidate.name}_" }].`,
          { remotes: [owner, candidate.name], fieldName: `${defaultName}.${fieldName}` },
        );
      }
    }
  }
  for (const type of Object.values(candidate.schema.getTypeMap())) {
    if (rootTypeNames.has(type.name) || isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    const existing = types.get(type.name);
    if (existing === undefined || existing.structure === typeStructure(type)) continue;
    if (existing.merged && candidate.merged?.has(type.name) === true) continue;
    return new SchemaConflictError(
      `Type ${type.name} is defined by both "${existing.remote}" and "${candidate.name}" with different structure. ` +
        `Resolve it with a customization on remote "${candidate.name}": "typeNames": { "prefix": "${suggestion(candidate.name)}_" }, ` +
        `or "typeNames": { "mapping": { "${type.name}": "${suggestion(candidate.name)}_${type.name}" } }, ` +
        `or merge it: declare "${type.name}" in "merge" of both remotes.`,
      { remotes: [existing.remote, candidate.name], typeName: type.name },
    );
  }
  return undefined;
}

/**
 * Records an accepted subschema's root fields and types, for later {@link findConflict} calls.
 * @param accepted - the subschema just accepted
 * @param rootFields - mutated: gains "operation.field" -> remote
 * @param types - mutated: gains type name -> { remote, structure, merged } for names not yet present
 */
export function recordSchema(
  accepted: ComposableSchema,
  rootFields: Map<string, string>,
  types: Map<string, RecordedType>,
): void {
  const rootTypeNames = new Set<string>();
  for (const [operation, , getRoot] of OPERATIONS) {
    const root = getRoot(accepted.schema);
    if (!root) continue;
    rootTypeNames.add(root.name);
    for (const fieldName of Object.keys(root.getFields())) rootFields.set(`${operation}.${fieldName}`, accepted.name);
  }
  for (const type of Object.values(accepted.schema.getTypeMap())) {
    if (rootTypeNames.has(type.name) || isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!types.has(type.name)) {
      types.set(type.name, {
        remote: accepted.name,
        structure: typeStructure(type),
        merged: accepted.merged?.has(type.name) === true,
      });
    }
  }
}
