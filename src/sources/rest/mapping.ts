import {
  type FieldNode,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { collectFields } from "../../shared";
import { valueAt } from "../../templates";

/**
 * Picks a sub-path of a JSON value: `data.items` or `data.items.0`.
 * @param value - the parsed response
 * @param path - dot path; undefined or "" returns the value itself
 * @returns the value at the path, or undefined when a step is missing
 */
export function selectPath(value: unknown, path: string | undefined): unknown {
  return path === undefined || path === "" ? value : valueAt(value, path.split("."));
}

const describe = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "a list"
      : typeof value === "object"
        ? "an object"
        : `a ${typeof value}`;

/**
 * Checks that a JSON value fits a GraphQL output type for the selected fields: lists, nullability,
 * scalars (by the scalar's own serialize), enum values, objects. The selected fields are those the
 * field collector (src/shared) finds with the operation's variables, so a field excluded with
 * `@skip`/`@include` is not required. Abstract types and fields with their own resolvers are not looked into.
 *
 * @param value - the value the resolver would return
 * @param type - the field's return type
 * @param fieldNodes - the field's nodes (their selection sets say what is read)
 * @param info - the resolver's info (schema, fragments, variable values)
 * @param path - where `value` is, for the message (e.g. `charges`)
 * @returns undefined when it fits, else `{ path, message }` of the first misfit
 */
export function checkFits(
  value: unknown,
  type: GraphQLOutputType,
  fieldNodes: readonly FieldNode[],
  info: Pick<GraphQLResolveInfo, "schema" | "fragments" | "variableValues">,
  path: string,
): { path: string; message: string } | undefined {
  if (isNonNullType(type)) {
    if (value === null || value === undefined)
      return { path, message: `expected ${String(type)}, got ${describe(value ?? null)}` };
    return checkFits(value, type.ofType, fieldNodes, info, path);
  }
  if (value === null || value === undefined) return undefined;
  if (isListType(type)) {
    if (!Array.isArray(value)) return { path, message: `expected a list, got ${describe(value)}` };
    for (let index = 0; index < value.length; index++) {
      const problem = checkFits(value[index], type.ofType, fieldNodes, info, `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isScalarType(type) || isEnumType(type)) {
    try {
      type.serialize(value);
      return undefined;
    } catch {
      return { path, message: `expected ${type.name}, got ${describe(value)}` };
    }
  }
  if (isObjectType(type)) {
    if (typeof value !== "object" || Array.isArray(value))
      return { path, message: `expected ${type.name}, got ${describe(value)}` };
    const fields = type.getFields();
    const options = { fragments: info.fragments, variables: info.variableValues };
    for (const nodes of collectFields(info.schema, type, fieldNodes, options).values()) {
      const name = (nodes[0] as FieldNode).name.value;
      const field = fields[name];
      if (field === undefined || field.resolve !== undefined) continue;
      const problem = checkFits((value as Record<string, unknown>)[name], field.type, nodes, info, `${path}.${name}`);
      if (problem) return problem;
    }
  }
  return undefined;
}
