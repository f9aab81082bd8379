import {
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  visit,
} from "graphql";
import type { PlanJoin, PlanSource, PlanSources } from "../compose";
import {
  type CollectedFields,
  collectFields,
  declaresUploadVariable,
  fragmentsOf,
  MAX_SELECTION_NESTING,
} from "../shared";
import {
  argumentsText,
  assembleSteps,
  type DocumentBuilder,
  documentOf,
  HIDDEN,
  newNode,
  type PlanContext,
  Unplannable,
} from "./context";
import { LIST, NON_NULL, type Plan, type RootFetch, type ShapeField, ShapeKind } from "./types";

/** The shape of an object field: its sub-fields' shapes in the client's order (the collected keys). */
function objectShape(
  key: string,
  field: GraphQLField<unknown, unknown>,
  coordinate: string,
  collected: CollectedFields,
  planned: ReadonlyMap<string, ShapeField>,
): ShapeField {
  const fields = [...collected.keys()].map((subKey) => planned.get(subKey) as ShapeField);
  return { key, kind: ShapeKind.Object, wrappers: wrappersOf(field.type), coordinate, fields };
}

/** A type's wrappers from the outside in: {@link NON_NULL} and {@link LIST} (`[A!]!` is non-null, list, non-null). */
function wrappersOf(type: GraphQLOutputType): number[] {
  const wrappers: number[] = [];
  let inner: GraphQLOutputType = type;
  for (;;) {
    if (isNonNullType(inner)) wrappers.push(NON_NULL);
    else if (isListType(inner)) wrappers.push(LIST);
    else return wrappers;
    inner = inner.ofType;
  }
}

/** Whether a directive use is `@skip`/`@include` with a variable (decided per request: not planned). */
function usesVariableCondition(document: DocumentNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    Directive(node) {
      const condition = node.name.value === "skip" || node.name.value === "include";
      if (!condition) found ??= `directive @${node.name.value}`;
      else if ((node.arguments ?? []).some((argument) => argument.value.kind !== Kind.BOOLEAN))
        found ??= `@${node.name.value} on a variable`;
    },
  });
  return found;
}

/** The collected fields of a field's sub-selection on an object type. */
const subFields = (context: PlanContext, type: GraphQLObjectType, nodes: readonly FieldNode[]): CollectedFields =>
  collectFields(context.schema, type, nodes, { fragments: context.fragments });

/** The other source that completes `type.field` from objects of `from`: it serves the field and merges the type by a key `from` serves. */
function completer(context: PlanContext, from: PlanSource, type: GraphQLObjectType, field: string): PlanSource {
  const own = from.schema.getType(type.name);
  for (const candidate of context.sources.sources) {
    if (candidate === from) continue;
    const merge = candidate.merges.get(type.name);
    if (merge === undefined || !merge.many) continue;
    const theirs = candidate.schema.getType(type.name);
    if (!isObjectType(theirs) || theirs.getFields()[field] === undefined) continue;
    if (!isObjectType(own) || own.getFields()[merge.key] === undefined) continue;
    return candidate;
  }
  throw new Unplannable(`no source completes ${type.name}.${field} from "${from.name}"`);
}

/**
 * The text of a subtree one source answers whole (an abstract type's selection): each possible type's
 * fields as an inline fragment, all served by `source`, no merged type inside.
 */
function wholeText(
  context: PlanContext,
  source: PlanSource,
  type: GraphQLCompositeType,
  nodes: readonly FieldNode[],
  variables: Set<string>,
  depth: number,
): string {
  if (depth > MAX_SELECTION_NESTING) throw new Unplannable("selection too deep");
  const possible = isObjectType(type) ? [type] : context.schema.getPossibleTypes(type);
  const fragments: string[] = [];
  for (const object of possible) {
    const theirs = source.schema.getType(object.name);
    if (!isObjectType(theirs)) continue;
    if (context.sources.sources.some((other) => other.merges.has(object.name))) {
      throw new Unplannable(`merged type ${object.name} under an abstract type`);
    }
    const parts: string[] = [];
    for (const [key, fieldNodes] of subFields(context, object, nodes)) {
      const node = fieldNodes[0] as FieldNode;
      const name = node.name.value;
      if (name === "__typename") {
        parts.push(key === name ? name : `${key}:${name}`);
        continue;
      }
      const field = object.getFields()[name];
      if (field === undefined || theirs.getFields()[name] === undefined) {
        throw new Unplannable(`${object.name}.${name} is not served by "${source.name}"`);
      }
      const named = getNamedType(field.type);
      const head = `${key}:${name}${argumentsText(node.arguments, variables)}`;
      parts.push(
        isLeafType(named)
          ? head
          : `${head}{${wholeText(context, source, named as GraphQLCompositeType, fieldNodes, variables, depth + 1) || "__typename"}}`,
      );
    }
    fragments.push(isObjectType(type) ? parts.join(" ") : `...on ${object.name}{${parts.join(" ") || "__typename"}}`);
  }
  return fragments.join(" ");
}

/** What planning one object's fields for one source gives. */
interface PlannedFields {
  /** The fields' text in the source's document. */
  text: string;
  /** Response key -> how the final pass shapes it. */
  shapes: Map<string, ShapeField>;
}

/**
 * Plans the fields selected on objects of `type` that `source` returns at `path` (fetched at `level`):
 * the fields `source` serves go into its document (`builder`); the others go, per completing source, to
 * an entity node at the next level, keyed by a hidden key field added here.
 */
function planFields(
  context: PlanContext,
  source: PlanSource,
  sourceTypeName: string,
  type: GraphQLObjectType,
  entries: Iterable<[string, FieldNode[]]>,
  path: readonly string[],
  level: number,
  builder: DocumentBuilder,
): PlannedFields {
  if (path.length > MAX_SELECTION_NESTING) throw new Unplannable("selection too deep");
  const own = source.schema.getType(sourceTypeName);
  if (!isObjectType(own)) throw new Unplannable(`"${source.name}" has no object type ${sourceTypeName}`);
  const parts: string[] = [];
  const shapes = new Map<string, ShapeField>();
  const pending = new Map<PlanSource, [string, FieldNode[]][]>();
  for (const entry of entries) {
    const [key, nodes] = entry;
    const node = nodes[0] as FieldNode;
    const name = node.name.value;
    if (key.startsWith(HIDDEN)) throw new Unplannable(`alias ${key}`);
    const coordinate = `${type.name}.${name}`;
    if (name === "__typename") {
      shapes.set(key, {
        key,
        kind: ShapeKind.Typename,
        wrappers: [],
        coordinate,
        typename: type.name,
      });
      continue;
    }
    if (name.startsWith("__")) throw new Unplannable("introspection");
    const field = type.getFields()[name] as GraphQLField<unknown, unknown> | undefined;
    if (field === undefined) throw new Unplannable(`unknown field ${coordinate}`);
    if (own.getFields()[name] === undefined) {
      const join = context.sources.joins.get(coordinate);
      if (join !== undefined) {
        planJoin(context, source, own, join, field, entry, path, level, parts, shapes, builder);
        continue;
      }
      const other = completer(context, source, type, name);
      const list = pending.get(other) ?? [];
      list.push(entry);
      pending.set(other, list);
      continue;
    }
    const head = `${key}:${name}${argumentsText(node.arguments, builder.variables)}`;
    const named = getNamedType(field.type);
    if (isLeafType(named)) {
      parts.push(head);
      shapes.set(key, { key, kind: ShapeKind.Leaf, wrappers: wrappersOf(field.type), coordinate });
    } else if (isObjectType(named) && !isAbstractType(named)) {
      const sub = subFields(context, named, nodes);
      const planned = planFields(context, source, named.name, named, sub, [...path, key], level, builder);
      parts.push(`${head}{${planned.text || "__typename"}}`);
      shapes.set(key, objectShape(key, field, coordinate, sub, planned.shapes));
    } else {
      const text = wholeText(context, source, named as GraphQLCompositeType, nodes, builder.variables, path.length);
      context.copiesWhole = true;
      parts.push(`${head}{${text || "__typename"}}`);
      shapes.set(key, { key, kind: ShapeKind.Whole, wrappers: wrappersOf(field.type), coordinate });
    }
  }
  const keysAdded = new Set<string>();
  for (const [other, list] of pending) {
    const merge = other.merges.get(type.name);
    if (merge === undefined) throw new Unplannable(`no merge of ${type.name} in "${other.name}"`);
    const parentKey = `${HIDDEN}_${merge.key}`;
    if (!keysAdded.has(parentKey)) {
      keysAdded.add(parentKey);
      parts.push(`${parentKey}:${merge.key}`);
    }
    const step = newNode(context, level + 1, other, builder);
    const alias = `_${context.aliases++}`;
    const planned = planFields(context, other, type.name, type, list, path, level + 1, step);
    for (const [key, shape] of planned.shapes) shapes.set(key, shape);
    const selection = `{${parentKey}:${merge.key} ${planned.text}}`;
    step.parts.push(`${alias}:${merge.resolver}(${merge.argument}:$${alias})${selection}`);
    step.keyVariables.push(`$${alias}:${merge.argumentType}`);
    step.nodes.push({
      alias,
      path,
      parentKey,
      resultKey: parentKey,
      fills: list.map(([key]) => key),
      signature: `${other.name}\n${merge.resolver}\n${selection}`,
    });
  }
  return { text: parts.join(" "), shapes };
}

/**
 * Plans a batched @join field on objects `source` returns at `path`: the parent's key field goes into
 * `source`'s document under a hidden key, and the join's target gets an entity node at the next level
 * whose results land on the field.
 */
function planJoin(
  context: PlanContext,
  source: PlanSource,
  own: GraphQLObjectType,
  join: PlanJoin,
  field: GraphQLField<unknown, unknown>,
  [key, nodes]: [string, FieldNode[]],
  path: readonly string[],
  level: number,
  parts: string[],
  shapes: Map<string, ShapeField>,
  builder: DocumentBuilder,
): void {
  const coordinate = `${own.name}.${field.name}`;
  if (own.getFields()[join.parentField] === undefined) {
    throw new Unplannable(`"${source.name}" does not serve ${own.name}.${join.parentField}, the key of ${coordinate}`);
  }
  const named = getNamedType(field.type);
  if (!isObjectType(named)) throw new Unplannable(`@join ${coordinate} returns an abstract type`);
  if ((nodes[0] as FieldNode).arguments?.length) throw new Unplannable(`@join ${coordinate} with arguments`);
  const parentKey = `${HIDDEN}_${join.parentField}`;
  if (!parts.includes(`${parentKey}:${join.parentField}`)) parts.push(`${parentKey}:${join.parentField}`);
  const step = newNode(context, level + 1, join.target, builder);
  const alias = `_${context.aliases++}`;
  const entries = subFields(context, named, nodes);
  const planned = planFields(context, join.target, named.name, named, entries, [...path, key], level + 1, step);
  const resultKey = `${HIDDEN}_${join.keyField}`;
  const constants: Record<string, unknown> = {};
  const args = [`${join.keyArgument}:$${alias}`];
  step.keyVariables.push(`$${alias}:${join.keyArgumentType}`);
  for (const [name, value, type] of join.otherArguments) {
    constants[`${alias}_${name}`] = value;
    args.push(`${name}:$${alias}_${name}`);
    step.keyVariables.push(`$${alias}_${name}:${type}`);
  }
  step.parts.push(`${alias}:${join.resolver}(${args.join(",")}){${resultKey}:${join.keyField} ${planned.text}}`);
  step.nodes.push({ alias, path, parentKey, resultKey, fills: [key], join: { many: join.many }, constants });
  shapes.set(key, objectShape(key, field, coordinate, entries, planned.shapes));
}

/**
 * A mutation's root fields grouped into consecutive runs of one owner, in the client's order: graphql-js
 * runs mutation fields one after another (GraphQL spec section 6.2.2), so each run is one call, sent
 * after the previous run answered.
 */
function serialGroups(fields: CollectedFields, sources: PlanSources): [PlanSource, [string, FieldNode[]][]][] {
  const groups: [PlanSource, [string, FieldNode[]][]][] = [];
  for (const entry of fields) {
    const name = (entry[1][0] as FieldNode).name.value;
    if (name === "__typename") continue;
    const owner = sources.rootOwners.get(`mutation.${name}`) as PlanSource;
    const last = groups[groups.length - 1];
    if (last !== undefined && last[0] === owner) last[1].push(entry);
    else groups.push([owner, [entry]]);
  }
  return groups;
}

/**
 * Plans a query operation over the stitched schema's sources (see {@link Plan}).
 *
 * @param schema - the stitched schema (the whole one: role schemas are not planned)
 * @param sources - its plan sources
 * @param document - the validated document
 * @param operation - the operation to plan
 * @returns the plan
 * @throws Unplannable when the operation needs something a plan does not express (mutations,
 *   subscriptions, introspection, fields of the gateway's own SDL or of a customized remote, directives
 *   other than literal `@skip`/`@include`, a merged type under an abstract type, single-key merge resolvers)
 */
export function buildPlan(
  schema: GraphQLSchema,
  sources: PlanSources,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Plan {
  if (operation.operation === "subscription") throw new Unplannable("a subscription");
  // Upload variables hold the gateway's tokens until the Upload scalar turns them into file references.
  if (declaresUploadVariable(operation)) throw new Unplannable("an Upload variable");
  const directive = usesVariableCondition(document);
  if (directive !== undefined) throw new Unplannable(directive);
  const kind = operation.operation;
  const root = schema.getRootType(kind);
  if (root === undefined || root === null) throw new Unplannable(`no ${kind} type`);
  const context: PlanContext = {
    schema,
    sources,
    fragments: fragmentsOf(document),
    definitions: new Map((operation.variableDefinitions ?? []).map((node) => [node.variable.name.value, node])),
    records: [],
    aliases: 0,
    bytes: 0,
    copiesWhole: false,
  };
  const fields = collectFields(schema, root, operation.selectionSet, { fragments: context.fragments });
  const byOwner = new Map<PlanSource, [string, FieldNode[]][]>();
  const shapes = new Map<string, ShapeField>();
  for (const entry of fields) {
    const name = (entry[1][0] as FieldNode).name.value;
    if (name === "__typename") {
      shapes.set(entry[0], {
        key: entry[0],
        kind: ShapeKind.Typename,
        wrappers: [],
        coordinate: "",
        typename: root.name,
      });
      continue;
    }
    const owner = sources.rootOwners.get(`${kind}.${name}`);
    if (owner === undefined || owner === null) throw new Unplannable(`root field ${name} is not a plain remote's`);
    const list = byOwner.get(owner) ?? [];
    list.push(entry);
    byOwner.set(owner, list);
  }
  const roots: RootFetch[] = [];
  for (const [owner, entries] of kind === "mutation" ? serialGroups(fields, sources) : byOwner) {
    const builder: DocumentBuilder = { parts: [], variables: new Set() };
    const ownRoot = owner.schema.getRootType(kind)?.name ?? root.name;
    const planned = planFields(context, owner, ownRoot, root, entries, [], 0, builder);
    for (const [key, shape] of planned.shapes) shapes.set(key, shape);
    builder.parts = [planned.text];
    const keys = entries.map(([key]) => key);
    roots.push({ source: owner, ...documentOf(context, builder, [], kind), keys, operation: kind });
  }
  const levels = assembleSteps(context);
  const shape = [...fields.keys()].map((key) => shapes.get(key) as ShapeField);
  return {
    roots,
    levels,
    shape,
    variableDefinitions: operation.variableDefinitions ?? [],
    copiesWhole: context.copiesWhole,
    bytes: context.bytes + 64 * countShapes(shape),
  };
}

/** How many shape entries a shape holds, nested ones included. */
function countShapes(fields: readonly ShapeField[]): number {
  let count = fields.length;
  for (const field of fields) if (field.fields !== undefined) count += countShapes(field.fields);
  return count;
}
