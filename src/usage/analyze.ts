import {
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLEnumType,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  print,
  TypeInfo,
  typeFromAST,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from "graphql";

/**
 * What one operation of a document touches of a schema's deprecated elements, decided once per schema,
 * document and operation name (see {@link documentUsage}); what its variables add is read per request
 * ({@link touchedCoordinates}).
 */
export interface DocumentUsage {
  /**
   * Coordinates touched whatever the variables hold: selected deprecated fields (fragments included),
   * deprecated arguments given (as a literal or a variable), deprecated input fields and enum values
   * written as literals. Schema coordinates as `deprecatedElements` (src/lifecycle) gives them.
   */
  readonly coordinates: readonly string[];
  /** The variables whose values can hold a deprecated input field or enum value (empty in the common case). */
  readonly variables: readonly VariableUsage[];
}

/** A variable whose runtime value is walked against its type. */
interface VariableUsage {
  readonly name: string;
  readonly type: GraphQLInputType;
  /** What its default value (a literal) touches, counted when the request leaves the variable out. */
  readonly defaults: readonly string[];
}

/** Nothing deprecated is touched. */
const NONE: DocumentUsage = Object.freeze({ coordinates: Object.freeze([]), variables: Object.freeze([]) });

/** The most analyses kept per schema (least recently used dropped first). */
export const MAX_DOCUMENTS_PER_SCHEMA = 500;
/** The most values one variable walk visits (a request's variables are bounded by the body limit too). */
const MAX_WALK_NODES = 10_000;
/** The deepest nesting one variable walk follows. */
const MAX_WALK_DEPTH = 32;

/** Per schema: whether it has deprecated elements at all, and which input and enum types can hold one. */
interface SchemaFacts {
  readonly any: boolean;
  /** Names of enum and input object types whose values can contain a deprecated enum value or input field. */
  readonly holders: ReadonlySet<string>;
  /** Analyses by document text (insertion order = recency), then operation name. */
  readonly documents: Map<string, Map<string, DocumentUsage>>;
}

const facts = new WeakMap<GraphQLSchema, SchemaFacts>();

/** Reads, once per schema object, what {@link SchemaFacts} holds. */
function factsOf(schema: GraphQLSchema): SchemaFacts {
  let known = facts.get(schema);
  if (known !== undefined) return known;
  let any = false;
  const holders = new Set<string>();
  const inputs: GraphQLInputObjectType[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null || field.args.some((arg) => arg.deprecationReason != null)) any = true;
      }
    } else if (isEnumType(type)) {
      if (type.getValues().some((value) => value.deprecationReason != null)) holders.add(type.name);
    } else if (isInputObjectType(type)) {
      inputs.push(type);
      if (Object.values(type.getFields()).some((field) => field.deprecationReason != null)) holders.add(type.name);
    }
  }
  // An input type holds a deprecated element when one of its fields' types does (to a fixpoint: types may nest
  // each other; at most one pass per input type).
  for (let changed = true, passes = 0; changed && passes <= inputs.length; passes++) {
    changed = false;
    for (const input of inputs) {
      if (holders.has(input.name)) continue;
      if (Object.values(input.getFields()).some((field) => holders.has(getNamedType(field.type).name))) {
        holders.add(input.name);
        changed = true;
      }
    }
  }
  known = { any: any || holders.size > 0, holders, documents: new Map() };
  facts.set(schema, known);
  return known;
}

/**
 * Whether a schema has any deprecated field, argument, input field or enum value (introspection types left
 * out); read once per schema object.
 * @param schema - any schema
 */
export function hasDeprecations(schema: GraphQLSchema): boolean {
  return factsOf(schema).any;
}

/** Document text by document object, for documents without a source location. */
const printed = new WeakMap<DocumentNode, string>();
const textOf = (document: DocumentNode): string => {
  const body = document.loc?.source.body;
  if (body !== undefined) return body;
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
};

/** The fragments an operation spreads, directly or through other fragments. */
function reachableFragments(document: DocumentNode, operation: OperationDefinitionNode): FragmentDefinitionNode[] {
  const byName = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) byName.set(definition.name.value, definition);
  }
  const reached = new Map<string, FragmentDefinitionNode>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  while (pending.length > 0) {
    visit(pending.pop() as OperationDefinitionNode | FragmentDefinitionNode, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = byName.get(name);
        if (fragment !== undefined && !reached.has(name)) {
          reached.set(name, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...reached.values()];
}

/** The visitor parts that read input literals: deprecated input fields and enum values written in the document. */
function literalVisitor(typeInfo: TypeInfo, found: Set<string>): ASTVisitor {
  return {
    ObjectField(node) {
      const parent = getNamedType(typeInfo.getParentInputType());
      if (!isInputObjectType(parent)) return;
      const field = parent.getFields()[node.name.value];
      if (field?.deprecationReason != null) found.add(`${parent.name}.${field.name}`);
    },
    EnumValue(node) {
      const type = getNamedType(typeInfo.getInputType());
      if (!isEnumType(type)) return;
      const value = type.getValue(node.value);
      if (value?.deprecationReason != null) found.add(`${type.name}.${value.name}`);
    },
  };
}

/** What a variable's default value (a literal of `type`) touches. */
function defaultsOf(schema: GraphQLSchema, type: GraphQLInputType, value: ValueNode): string[] {
  const found = new Set<string>();
  const typeInfo = new TypeInfo(schema, type);
  visit(value, visitWithTypeInfo(typeInfo, literalVisitor(typeInfo, found)));
  return [...found];
}

/** Analyses one operation (see {@link documentUsage}). */
function analyse(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): DocumentUsage {
  const { holders } = factsOf(schema);
  const found = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const literals = literalVisitor(typeInfo, found);
  const visitor: ASTVisitor = {
    ...literals,
    // Default values count only when the request leaves the variable out (see touchedCoordinates).
    VariableDefinition: () => false,
    Field() {
      const parent = typeInfo.getParentType();
      const field = typeInfo.getFieldDef();
      if (parent != null && field?.deprecationReason != null) found.add(`${parent.name}.${field.name}`);
    },
    Argument() {
      // Directive arguments have no coordinate in deprecatedElements.
      if (typeInfo.getDirective() != null) return;
      const parent = typeInfo.getParentType();
      const field = typeInfo.getFieldDef();
      const argument = typeInfo.getArgument();
      if (parent != null && field != null && argument?.deprecationReason != null) {
        found.add(`${parent.name}.${field.name}(${argument.name}:)`);
      }
    },
  };
  const definitions = [operation, ...reachableFragments(document, operation)];
  visit({ kind: Kind.DOCUMENT, definitions }, visitWithTypeInfo(typeInfo, visitor));
  const variables: VariableUsage[] = [];
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (type === undefined || !holders.has(getNamedType(type).name)) continue;
    const defaults = definition.defaultValue === undefined ? [] : defaultsOf(schema, type, definition.defaultValue);
    variables.push({ name: definition.variable.name.value, type, defaults });
  }
  if (found.size === 0 && variables.length === 0) return NONE;
  return { coordinates: [...found], variables };
}

/**
 * What an operation touches of the schema's deprecated elements, analysed once per schema object (a
 * WeakMap) and kept in a per-schema LRU of {@link MAX_DOCUMENTS_PER_SCHEMA} document texts (each with
 * its operations by name). A schema without deprecated elements costs one WeakMap lookup. Uses graphql-js's TypeInfo, so
 * fields are named by the type that defines them where selected (`Interface.field` through an interface).
 * Fields under `@skip`/`@include` count as written.
 * @param schema - the schema the operation was validated against (a role's schema for a role)
 * @param document - the validated document
 * @param operationName - the operation to run, if the document has several
 * @returns the analysis (an empty one when the operation cannot be found)
 */
export function documentUsage(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): DocumentUsage {
  const known = factsOf(schema);
  if (!known.any) return NONE;
  const text = textOf(document);
  const name = operationName ?? "";
  let byName = known.documents.get(text);
  if (byName !== undefined) {
    // Most recently used last.
    known.documents.delete(text);
    known.documents.set(text, byName);
    const cached = byName.get(name);
    if (cached !== undefined) return cached;
  } else {
    byName = new Map();
    known.documents.set(text, byName);
    if (known.documents.size > MAX_DOCUMENTS_PER_SCHEMA) {
      known.documents.delete(known.documents.keys().next().value as string);
    }
  }
  const operation = getOperationAST(document, operationName ?? undefined);
  // An operation name the document lacks is not kept: names are the client's, a document's operations are few.
  if (operation == null) return NONE;
  const usage = analyse(schema, document, operation);
  byName.set(name, usage);
  return usage;
}

/** A walk's budget of visited values. */
interface Budget {
  left: number;
}

/** Adds what a runtime value of `type` holds of deprecated input fields and enum values (the value as sent: JSON). */
function walk(
  type: GraphQLInputType,
  value: unknown,
  holders: ReadonlySet<string>,
  found: Set<string>,
  budget: Budget,
  depth: number,
): void {
  if (value === null || value === undefined || depth > MAX_WALK_DEPTH || --budget.left < 0) return;
  if (isNonNullType(type)) {
    walk(type.ofType, value, holders, found, budget, depth);
    return;
  }
  if (isListType(type)) {
    // Input coercion takes a single value for a list.
    for (const item of Array.isArray(value) ? value : [value]) {
      if (budget.left < 0) return;
      walk(type.ofType, item, holders, found, budget, depth + 1);
    }
    return;
  }
  if (!holders.has(type.name)) return;
  if (isEnumType(type)) {
    if (typeof value !== "string") return;
    const enumValue = (type as GraphQLEnumType).getValue(value);
    if (enumValue?.deprecationReason != null) found.add(`${type.name}.${enumValue.name}`);
    return;
  }
  if (!isInputObjectType(type) || typeof value !== "object" || Array.isArray(value)) return;
  const fields = type.getFields();
  for (const [name, fieldValue] of Object.entries(value as Record<string, unknown>)) {
    const field = fields[name];
    if (field === undefined) continue;
    if (field.deprecationReason != null) found.add(`${type.name}.${name}`);
    walk(field.type, fieldValue, holders, found, budget, depth + 1);
  }
}

/**
 * The coordinates one run of an analysed operation touches: the document's own, plus the deprecated
 * enum values and input fields inside its variables' values (walked against their declared input types,
 * as sent; a value that does not fit its type adds nothing), or inside a left-out variable's default.
 * @param schema - the schema of the analysis
 * @param usage - from {@link documentUsage}
 * @param variables - the request's variables (JSON), if any
 * @returns distinct coordinates (the analysis' own array when no variable can add any)
 */
export function touchedCoordinates(
  schema: GraphQLSchema,
  usage: DocumentUsage,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): readonly string[] {
  if (usage.variables.length === 0) return usage.coordinates;
  const found = new Set(usage.coordinates);
  const { holders } = factsOf(schema);
  const budget = { left: MAX_WALK_NODES };
  for (const variable of usage.variables) {
    const value = variables?.[variable.name];
    if (value === undefined) for (const coordinate of variable.defaults) found.add(coordinate);
    else walk(variable.type, value, holders, found, budget, 0);
  }
  return [...found];
}
