import {
  type FieldNode,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  getNullableType,
  isAbstractType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type SelectionNode,
} from "graphql";
import { collectFields } from "../shared";
import { templateReferences } from "../templates";

/**
 * What a remote mutation's `@publish` adds to the selection sent to the remote, and how the remote's
 * answer becomes the event payload.
 */

/**
 * The alias prefix of the fields `@publish` adds to a remote's selection; aliased so they can never
 * clash with what the client selected under the same response key (graphql-js's
 * OverlappingFieldsCanBeMergedRule would refuse `id: total` next to an added `id`).
 */
export const PUBLISH_ALIAS_PREFIX = "junction_publish_";

/**
 * The `{result.a.b}` paths of a topic template.
 * @param template - the topic template
 * @returns each path, as field names
 */
export const resultPaths = (template: string): string[][] =>
  templateReferences(template)
    .filter((reference) => reference.root === "result")
    .map((reference) => reference.path);

/** `alias: a { alias: b { ... } }` for one path. */
function pathSelection(path: readonly string[], alias: string): FieldNode {
  const [first, ...rest] = path as [string, ...string[]];
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: first },
    selectionSet:
      rest.length === 0 ? undefined : { kind: Kind.SELECTION_SET, selections: [pathSelection(rest, alias)] },
  };
}

/** Augmented field nodes per original nodes array and template, so delegation sees one stable array. */
const augmented = new WeakMap<readonly FieldNode[], Map<string, FieldNode[]>>();

/**
 * The field's nodes with the template's `{result.x}` paths added to the first node's selection, each
 * under an alias {@link PUBLISH_ALIAS_PREFIX}<n> (nested paths select their way down, each level aliased):
 * stitching builds the remote's request from these nodes, so the remote answers the fields the topic
 * needs even when the client did not select them.
 * @param fieldNodes - the mutation field's nodes (`info.fieldNodes`)
 * @param template - the topic template
 * @returns the nodes to delegate with (the same array when the template reads no result field)
 */
export function withTemplateSelections(fieldNodes: readonly FieldNode[], template: string): readonly FieldNode[] {
  const paths = resultPaths(template);
  const [first, ...others] = fieldNodes;
  if (paths.length === 0 || first === undefined || first.selectionSet === undefined) return fieldNodes;
  let byTemplate = augmented.get(fieldNodes);
  if (byTemplate === undefined) {
    byTemplate = new Map();
    augmented.set(fieldNodes, byTemplate);
  }
  let nodes = byTemplate.get(template);
  if (nodes === undefined) {
    const added: SelectionNode[] = paths.map((path, index) => pathSelection(path, `${PUBLISH_ALIAS_PREFIX}${index}`));
    nodes = [
      { ...first, selectionSet: { ...first.selectionSet, selections: [...first.selectionSet.selections, ...added] } },
      ...others,
    ];
    byTemplate.set(template, nodes);
  }
  return nodes;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Merges two payload values of one field name (selected under two response keys). */
function mergeValues(known: unknown, more: unknown): unknown {
  if (isRecord(known) && isRecord(more)) {
    const merged: Record<string, unknown> = { ...known };
    for (const [key, value] of Object.entries(more))
      merged[key] = key in merged ? mergeValues(merged[key], value) : value;
    return merged;
  }
  return known === undefined || known === null ? more : known;
}

/**
 * A remote's answer for a field, keyed by field names instead of the response keys (aliases) the
 * selection used: what a subscriber's resolvers read. Walks the selection (fragments, `@skip` /
 * `@include` and the added `{result.x}` fields included) with the gateway's field collector; fields
 * selected twice under different aliases are merged (for one field with different arguments, the first
 * wins). An abstract type's object is read as its `__typename`'s type.
 * @param value - the value at the field (the remote's JSON)
 * @param type - the field's type
 * @param fieldNodes - the nodes it was selected with (the augmented ones)
 * @param info - the resolver's info (schema, fragments, variable values)
 * @returns the payload (a JSON value)
 */
export function responsePayload(
  value: unknown,
  type: GraphQLOutputType,
  fieldNodes: readonly FieldNode[],
  info: Pick<GraphQLResolveInfo, "schema" | "fragments" | "variableValues">,
): unknown {
  if (value === null || value === undefined) return null;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    return Array.isArray(value) ? value.map((item) => responsePayload(item, nullable.ofType, fieldNodes, info)) : null;
  }
  if (isLeafType(nullable) || !isRecord(value)) return value;
  const typename = value.__typename;
  const objectType = isAbstractType(nullable)
    ? typeof typename === "string"
      ? info.schema.getType(typename)
      : undefined
    : nullable;
  if (!isObjectType(objectType)) return { ...value };
  const fields = objectType.getFields();
  const payload: Record<string, unknown> = {};
  const options = { fragments: info.fragments, variables: info.variableValues };
  for (const [key, nodes] of collectFields(info.schema, objectType, fieldNodes, options)) {
    if (!Object.hasOwn(value, key)) continue;
    const name = (nodes[0] as FieldNode).name.value;
    const field = fields[name];
    const item = field === undefined ? value[key] : responsePayload(value[key], field.type, nodes, info);
    payload[name] = name in payload ? mergeValues(payload[name], item) : item;
  }
  return payload;
}
