import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import { type EntityRef, entitiesOf } from "./tags";

/**
 * The entities of an answer found through its document: the type of every object comes from the schema
 * (no `__typename` needed for fields of an object type; for an interface or union the answer's
 * `__typename` decides), and its key from the field the client selected for it (`id`, or the type's
 * `responseCache.keyFields` entry, under its alias if it has one). An object whose key was not selected
 * is no entity. Complements the `__typename` scan of tags.ts: clients that never select `__typename`
 * still get their answers tagged by entity.
 */

/** Most objects looked at, and deepest nesting walked. */
const MAX_NODES = 20_000;
const MAX_DEPTH = 64;

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  keyFields: Readonly<Record<string, string>>;
  found: Map<string, EntityRef>;
  nodes: number;
}

/** Whether a fragment with `condition` applies to an object of type `concrete` (or, unknown, of `declared`). */
function applies(
  walk: Walk,
  condition: string | undefined,
  concrete: GraphQLObjectType | undefined,
  declared: GraphQLCompositeType,
): boolean {
  if (condition === undefined || condition === declared.name || condition === concrete?.name) return true;
  if (concrete === undefined) return false;
  const type = walk.schema.getType(condition);
  return type !== undefined && type !== null && isAbstractType(type) && walk.schema.isSubType(type, concrete);
}

/** The fields of a selection set that apply to the object, fragments expanded (each fragment once). */
function fieldsOf(
  walk: Walk,
  selectionSet: SelectionSetNode,
  concrete: GraphQLObjectType | undefined,
  declared: GraphQLCompositeType,
  out: FieldNode[],
  seen: Set<string>,
): FieldNode[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (applies(walk, selection.typeCondition?.name.value, concrete, declared)) {
        fieldsOf(walk, selection.selectionSet, concrete, declared, out, seen);
      }
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (fragment === undefined || seen.has(name)) continue;
      seen.add(name);
      if (applies(walk, fragment.typeCondition.name.value, concrete, declared)) {
        fieldsOf(walk, fragment.selectionSet, concrete, declared, out, seen);
      }
    }
  }
  return out;
}

function visit(
  walk: Walk,
  declared: GraphQLCompositeType,
  selectionSet: SelectionSetNode,
  value: unknown,
  depth: number,
): void {
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH || ++walk.nodes > MAX_NODES) return;
  if (Array.isArray(value)) {
    for (const item of value) visit(walk, declared, selectionSet, item, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  let concrete: GraphQLObjectType | undefined;
  if (isObjectType(declared)) concrete = declared;
  else if (typeof record.__typename === "string") {
    const named = walk.schema.getType(record.__typename);
    concrete = named !== undefined && named !== null && isObjectType(named) ? named : undefined;
  }
  const fields = fieldsOf(walk, selectionSet, concrete, declared, [], new Set());
  const owner = concrete ?? declared;
  // The root object (Query, Mutation) is no entity.
  if (concrete !== undefined && depth > 0) {
    const keyField = walk.keyFields[concrete.name] ?? "id";
    const keyNode = fields.find((field) => field.name.value === keyField && field.selectionSet === undefined);
    const key = keyNode === undefined ? undefined : record[keyNode.alias?.value ?? keyField];
    if (typeof key === "string" || typeof key === "number") {
      walk.found.set(`${concrete.name}\n${key}`, { typename: concrete.name, id: String(key) });
    }
  }
  const ownFields = isObjectType(owner) || isInterfaceType(owner) ? owner.getFields() : {};
  for (const field of fields) {
    if (field.selectionSet === undefined) continue;
    const definition = ownFields[field.name.value];
    if (definition === undefined) continue;
    const target = getNamedType(definition.type);
    if (!isCompositeType(target)) continue;
    visit(walk, target, field.selectionSet, record[field.alias?.value ?? field.name.value], depth + 1);
  }
}

/**
 * The entities of an operation's answer, by the document's selections (see the module comment).
 * @param schema - the schema the operation ran against (the caller's role schema)
 * @param document - the operation's document
 * @param operationName - the operation run
 * @param data - the answer's `data`
 * @param keyFields - `responseCache.keyFields`
 * @returns the entities, each once (none when the operation or its root type is unknown)
 */
export function entitiesBySelection(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  data: unknown,
  keyFields: Readonly<Record<string, string>>,
): EntityRef[] {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return [];
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const walk: Walk = { schema, fragments, keyFields, found: new Map(), nodes: 0 };
  visit(walk, root, operation.selectionSet, data, 0);
  return [...walk.found.values()];
}

/** What {@link answerEntities} reads of the operation, when it is known. */
export interface AnsweredOperation {
  /** The schema it ran against. */
  schema: GraphQLSchema;
  /** Its document. */
  document: DocumentNode;
  /** The operation run. */
  operationName: string | null | undefined;
}

/**
 * Every entity of an answer: those with `__typename` and key in the data (tags.ts's entitiesOf) and,
 * when the operation is known, those its selections type ({@link entitiesBySelection}).
 * @param data - the answer's `data`
 * @param keyFields - `responseCache.keyFields`
 * @param operation - the operation, when known
 * @returns the entities, each once; `complete: false` when the `__typename` scan stopped at its bounds
 */
export function answerEntities(
  data: unknown,
  keyFields: Readonly<Record<string, string>>,
  operation?: AnsweredOperation,
): { entities: EntityRef[]; complete: boolean } {
  const scanned = entitiesOf(data, keyFields);
  if (operation === undefined) return scanned;
  const all = new Map(scanned.entities.map((entity) => [`${entity.typename}\n${entity.id}`, entity]));
  for (const entity of entitiesBySelection(
    operation.schema,
    operation.document,
    operation.operationName,
    data,
    keyFields,
  )) {
    all.set(`${entity.typename}\n${entity.id}`, entity);
  }
  return { entities: [...all.values()], complete: scanned.complete };
}
