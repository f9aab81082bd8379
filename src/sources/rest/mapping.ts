import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import { valueAt } from "./templates";

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

function collectFields(
  selectionSet: SelectionSetNode | undefined,
  typeName: string,
  fragments: Record<string, FragmentDefinitionNode>,
  out: Map<string, FieldNode[]>,
): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const nodes = out.get(key);
      if (nodes === undefined) out.set(key, [selection]);
      else nodes.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (condition === undefined || condition === typeName)
        collectFields(selection.selectionSet, typeName, fragments, out);
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment && fragment.typeCondition.name.value === typeName) {
        collectFields(fragment.selectionSet, typeName, fragments, out);
      }
    }
  }
}

/** Selected fields per field nodes and object type: the items of a list share them, so they are collected once. */
const collected = new WeakMap<readonly FieldNode[], Map<string, Map<string, FieldNode[]>>>();

function selectedFields(
  fieldNodes: readonly FieldNode[],
  typeName: string,
  fragments: Record<string, FragmentDefinitionNode>,
): Map<string, FieldNode[]> {
  let byType = collected.get(fieldNodes);
  if (byType === undefined) {
    byType = new Map();
    collected.set(fieldNodes, byType);
  }
  let selected = byType.get(typeName);
  if (selected === undefined) {
    selected = new Map();
    for (const node of fieldNodes) collectFields(node.selectionSet, typeName, fragments, selected);
    byType.set(typeName, selected);
  }
  return selected;
}

/**
 * Checks that a JSON value fits a GraphQL output type for the selected fields: lists, nullability,
 * scalars (by the scalar's own serialize), enum values, objects. Abstract types and fields with their
 * own resolvers are not looked into.
 *
 * @param value - the value the resolver would return
 * @param type - the field's return type
 * @param fieldNodes - the field's nodes (their selection sets say what is read)
 * @param fragments - the operation's fragments
 * @param path - where `value` is, for the message (e.g. `charges`)
 * @returns undefined when it fits, else `{ path, message }` of the first misfit
 */
export function checkFits(
  value: unknown,
  type: GraphQLOutputType,
  fieldNodes: readonly FieldNode[],
  fragments: Record<string, FragmentDefinitionNode>,
  path: string,
): { path: string; message: string } | undefined {
  if (isNonNullType(type)) {
    if (value === null || value === undefined)
      return { path, message: `expected ${String(type)}, got ${describe(value ?? null)}` };
    return checkFits(value, type.ofType, fieldNodes, fragments, path);
  }
  if (value === null || value === undefined) return undefined;
  if (isListType(type)) {
    if (!Array.isArray(value)) return { path, message: `expected a list, got ${describe(value)}` };
    for (let index = 0; index < value.length; index++) {
      const problem = checkFits(value[index], type.ofType, fieldNodes, fragments, `${path}[${index}]`);
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
    for (const nodes of selectedFields(fieldNodes, type.name, fragments).values()) {
      const name = (nodes[0] as FieldNode).name.value;
      const field = fields[name];
      if (field === undefined || field.resolve !== undefined) continue;
      const problem = checkFits(
        (value as Record<string, unknown>)[name],
        field.type,
        nodes,
        fragments,
        `${path}.${name}`,
      );
      if (problem) return problem;
    }
  }
  return undefined;
}
