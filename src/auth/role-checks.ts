import {
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type SelectionSetNode,
} from "graphql";
import { ErrorCode, ForbiddenError } from "../errors";
import { SESSION_VARIABLE_PREFIX, type Session } from "../shared";

/**
 * One `@check` of a role's permission SDL: the value of an argument or input field must be in a list
 * session variable (`in`) or equal a session variable (`eq`).
 */
export interface ValueCheck {
  /** `in`: one of the list's elements; `eq`: equal to the variable's text. */
  op: "in" | "eq";
  /** The session variable read (Hasura name, lower-case), e.g. `x-hasura-group-names`. */
  variable: string;
}

/**
 * Checks by coordinate: `Type.field(arg:)` for arguments, `Input.field` for input fields. A value
 * passes when it passes any check of its list (several parent roles may each check the same place).
 */
export type ValueChecks = ReadonlyMap<string, readonly ValueCheck[]>;

/** `"{session.x-hasura-group-names}"`: the one form a `@check` value takes. */
const SESSION_TEMPLATE = /^\{\s*session\.([A-Za-z0-9_-]+)\s*\}$/;

/**
 * Reads `@check(in: "{session.x}")` or `@check(eq: "{session.x}")` of an argument or input field
 * definition in a role's SDL.
 * @param directive - the `@check` directive node
 * @param where - the place, for problems (`Query.group(name:)`)
 * @param problems - where problems are added
 * @returns the check, or undefined after adding a problem
 */
export function checkOf(directive: DirectiveNode, where: string, problems: string[]): ValueCheck | undefined {
  const given = directive.arguments ?? [];
  const ops = given.filter((arg) => arg.name.value === "in" || arg.name.value === "eq");
  if (ops.length !== 1 || given.length !== 1) {
    problems.push(`@check on ${where} needs exactly one of in: or eq:`);
    return undefined;
  }
  const [arg] = ops as [(typeof ops)[number]];
  const match = arg.value.kind === Kind.STRING ? SESSION_TEMPLATE.exec(arg.value.value) : null;
  const variable = match?.[1]?.toLowerCase();
  if (variable === undefined || !variable.startsWith(SESSION_VARIABLE_PREFIX)) {
    problems.push(`@check on ${where}: ${arg.name.value} must be "{session.x-hasura-...}"`);
    return undefined;
  }
  return { op: arg.name.value as "in" | "eq", variable };
}

/**
 * The elements of a list-valued session variable: a JSON array (`["a","b"]`, as a list claim is
 * forwarded), a Postgres array literal (`{a,b}`, `{"a b",c}`, as Hasura writes them), else the text
 * itself as the one element.
 * @param text - the session variable's value
 * @returns the elements as strings (null elements dropped)
 * @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 */
export function sessionList(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.filter((item) => item !== null).map((item) => scalarText(item));
    } catch {
      // not JSON: the text is one element
    }
    return [text];
  }
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) return postgresArray(trimmed.slice(1, -1));
  return [text];
}

/** The elements of a Postgres array literal's inside (`a,"b c",NULL`): quoted with backslash escapes, or bare. */
function postgresArray(inside: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < inside.length) {
    while (inside[i] === " ") i++;
    if (inside[i] === '"') {
      let value = "";
      i++;
      while (i < inside.length && inside[i] !== '"') {
        if (inside[i] === "\\") i++;
        value += inside[i] ?? "";
        i++;
      }
      out.push(value);
      i++;
    } else {
      const end = inside.indexOf(",", i);
      const value = (end === -1 ? inside.slice(i) : inside.slice(i, end)).trim();
      if (value !== "" && value.toUpperCase() !== "NULL") out.push(value);
      i = end === -1 ? inside.length : end;
    }
    while (inside[i] === " ") i++;
    if (inside[i] === ",") i++;
  }
  return out;
}

/** A coerced input value as the text compared with session variables: strings as is, objects as JSON. */
function scalarText(value: unknown): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** Whether one value passes any of the checks, for the session. */
function passes(value: unknown, checks: readonly ValueCheck[], session: Session | undefined): boolean {
  if (value === null || value === undefined) return false;
  const text = scalarText(value);
  return checks.some((check) => {
    const variable = session?.variables[check.variable];
    if (variable === undefined) return false;
    return check.op === "eq" ? text === variable : sessionList(variable).includes(text);
  });
}

/** A walk of one operation: its checks, session, fragments, coerced variables. */
interface CheckWalk {
  schema: GraphQLSchema;
  checks: ValueChecks;
  /** Input type name -> whether a value of it may hold a checked input field. */
  reaches: Map<string, boolean>;
  session: Session | undefined;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** Whether the document has an argument that is checked or may hold a checked input field (whatever the values). */
  touched: boolean;
}

const forbidden = (where: string, path: readonly (string | number)[]): ForbiddenError =>
  new ForbiddenError(ErrorCode.FORBIDDEN, `The value of ${where} is not allowed for this session.`, {
    extensions: { path },
  });

/**
 * Whether a value of an input type may contain a checked input field, at any depth (memoized per walk).
 * Each type's answer comes from a whole traversal of what it reaches, so a type met again inside a
 * cycle (`OrgFilter.groups: GroupFilter`, `GroupFilter.org: OrgFilter`) never records a partial "no".
 */
function reachesCheck(walk: CheckWalk, type: GraphQLNamedType): boolean {
  if (!isInputObjectType(type)) return false;
  const known = walk.reaches.get(type.name);
  if (known !== undefined) return known;
  let result = false;
  const seen = new Set<string>([type.name]);
  const pending = [type];
  while (!result && pending.length > 0) {
    const current = pending.pop() as typeof type;
    result = Object.values(current.getFields()).some((field) => {
      const named = getNamedType(field.type);
      // A type already answered "no" reaches nothing checked; the others are traversed.
      if (isInputObjectType(named) && !seen.has(named.name) && walk.reaches.get(named.name) !== false) {
        seen.add(named.name);
        pending.push(named);
      }
      return walk.checks.has(`${current.name}.${field.name}`) || walk.reaches.get(named.name) === true;
    });
  }
  walk.reaches.set(type.name, result);
  return result;
}

/**
 * Checks one value (an argument's or an input field's) and what it holds: every element of a list,
 * every checked field of an input object, at any depth.
 * @throws ForbiddenError `FORBIDDEN` at the first value that fails
 */
function checkValue(
  walk: CheckWalk,
  value: unknown,
  type: GraphQLInputType,
  checks: readonly ValueCheck[] | undefined,
  where: string,
  path: (string | number)[],
): void {
  if (value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable) && Array.isArray(value)) {
    value.forEach((item, index) => {
      checkValue(walk, item, nullable.ofType as GraphQLInputType, checks, where, [...path, index]);
    });
    return;
  }
  if (checks !== undefined && !passes(value, checks, walk.session)) throw forbidden(where, path);
  const named = getNamedType(type);
  if (value === null || !isInputObjectType(named) || !reachesCheck(walk, named)) return;
  for (const field of Object.values(named.getFields())) {
    const coordinate = `${named.name}.${field.name}`;
    checkValue(
      walk,
      (value as Record<string, unknown>)[field.name],
      field.type,
      walk.checks.get(coordinate),
      coordinate,
      [...path, field.name],
    );
  }
}

/** Walks a selection set with its parent type, checking every field's arguments; fragments are followed. */
function walkSelections(
  walk: CheckWalk,
  parent: GraphQLNamedType,
  selectionSet: SelectionSetNode,
  path: string[],
  spread: ReadonlySet<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on =
        selection.typeCondition === undefined ? parent : walk.schema.getType(selection.typeCondition.name.value);
      if (on !== undefined && on !== null) walkSelections(walk, on, selection.selectionSet, path, spread);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      const on = fragment === undefined ? undefined : walk.schema.getType(fragment.typeCondition.name.value);
      if (fragment === undefined || on === undefined || on === null || spread.has(name)) continue;
      walkSelections(walk, on, fragment.selectionSet, path, new Set([...spread, name]));
      continue;
    }
    if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
    const field = parent.getFields()[selection.name.value];
    if (field === undefined) continue; // __typename, __schema, __type
    const at = [...path, selection.alias?.value ?? selection.name.value];
    // Through an interface, the field of whichever implementation answers runs: its checks apply too.
    const owners = isInterfaceType(parent) ? [parent, ...walk.schema.getPossibleTypes(parent)] : [parent];
    const checksOf = (arg: string): Array<[string, readonly ValueCheck[] | undefined]> =>
      owners
        .map((owner): [string, readonly ValueCheck[] | undefined] => {
          const coordinate = `${owner.name}.${field.name}(${arg}:)`;
          return [coordinate, walk.checks.get(coordinate)];
        })
        .filter(([, list], index) => index === 0 || list !== undefined);
    const checkedArgs = field.args.filter(
      (arg) => checksOf(arg.name).some(([, list]) => list !== undefined) || reachesCheck(walk, getNamedType(arg.type)),
    );
    if (checkedArgs.length > 0) {
      walk.touched = true;
      const values = getArgumentValues(field, selection, walk.variables);
      for (const arg of checkedArgs) {
        for (const [coordinate, list] of checksOf(arg.name)) {
          checkValue(walk, values[arg.name], arg.type, list, coordinate, [...at, arg.name]);
        }
      }
    }
    if (selection.selectionSet !== undefined) {
      walkSelections(walk, getNamedType(field.type), selection.selectionSet, at, spread);
    }
  }
}

/**
 * Enforces a role's `@check`s on one validated operation, before anything runs: every argument and
 * input field value with a check, whether written as a literal, passed as a variable, filled from a
 * variable's or the schema's default, nested in input objects or an element of a list, under any
 * alias and inside any fragment. A null value fails (it is in no list); an argument left out is not
 * checked.
 *
 * @param schema - the role schema the operation was validated against
 * @param checks - the role's checks
 * @param document - the validated document
 * @param operationName - the operation to run
 * @param rawVariables - the request's variables, as sent
 * @param session - the caller's session (its variables are checked against)
 * @returns whether the document has any argument that is checked or may hold a checked input field,
 *   whatever the values (false: later runs of the same operation of the document may skip the walk)
 * @throws ForbiddenError `FORBIDDEN` (403) with `extensions.path` (the field's response path, the
 *   argument's name, then input field names and list indexes) at the first value that fails
 */
export function enforceChecks(
  schema: GraphQLSchema,
  checks: ValueChecks,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
  session: Session | undefined,
): boolean {
  const operation = getOperationAST(document, operationName);
  const root = operation === null || operation === undefined ? undefined : schema.getRootType(operation.operation);
  if (operation === null || operation === undefined || root === null || root === undefined) return true;
  // Invalid variables fail execution later with graphql-js's own error; nothing is run before that.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors !== undefined) return true;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const walk: CheckWalk = {
    schema,
    checks,
    reaches: new Map(),
    session,
    fragments,
    variables: coerced.coerced,
    touched: false,
  };
  walkSelections(walk, root, operation.selectionSet, [], new Set());
  return walk.touched;
}

/**
 * The session variables each field's checks read, its arguments' and the input fields' its arguments
 * may hold (the response cache keys answers by them: the same operation may pass for one session and
 * fail for another).
 * @param schema - a role schema
 * @param checks - its checks
 * @returns `Type.field` -> session variable names; empty without checks
 */
export function checkVariablesByField(schema: GraphQLSchema, checks: ValueChecks): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (checks.size === 0) return out;
  const inputVariables = new Map<string, Set<string>>();
  const ofInput = (type: GraphQLNamedType, into: Set<string>, seen: Set<string>): void => {
    if (!isInputObjectType(type) || seen.has(type.name)) return;
    seen.add(type.name);
    for (const field of Object.values(type.getFields())) {
      for (const check of checks.get(`${type.name}.${field.name}`) ?? []) into.add(check.variable);
      ofInput(getNamedType(field.type), into, seen);
    }
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const variables = new Set<string>();
      // Through an interface, the implementations' checks apply too (see walkSelections).
      const owners = [type, ...(isInterfaceType(type) ? schema.getPossibleTypes(type) : [])];
      for (const arg of field.args) {
        for (const owner of owners) {
          for (const check of checks.get(`${owner.name}.${field.name}(${arg.name}:)`) ?? [])
            variables.add(check.variable);
        }
        const named = getNamedType(arg.type);
        if (!isInputObjectType(named)) continue;
        let reached = inputVariables.get(named.name);
        if (reached === undefined) {
          reached = new Set();
          ofInput(named, reached, new Set());
          inputVariables.set(named.name, reached);
        }
        for (const variable of reached) variables.add(variable);
      }
      if (variables.size > 0) out.set(`${type.name}.${field.name}`, [...variables]);
    }
  }
  return out;
}

/**
 * The problems of a role document's `@check`s that need no schema to see: a check that is not
 * exactly one of `in:`/`eq:` with a `"{session.x-hasura-...}"` value, and a check next to a `@preset`
 * on the same argument. Reported at startup (and by `npm run check`), before any role schema is built.
 * @param document - one parsed permission SDL document
 * @returns problem sentences, each naming the argument or input field
 */
export function checkProblemsOf(document: DocumentNode): string[] {
  const problems: string[] = [];
  for (const definition of document.definitions) {
    if (!("fields" in definition) || definition.fields === undefined || !("name" in definition)) continue;
    for (const field of definition.fields) {
      const where = `${definition.name.value}.${field.name.value}`;
      const directives = field.directives ?? [];
      const input =
        definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || definition.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION;
      for (const check of directives.filter((d) => d.name.value === "check")) {
        if (input) checkOf(check, where, problems);
        else problems.push(`@check on ${where}: it goes on an argument or an input field, not on a field`);
      }
      for (const arg of "arguments" in field ? (field.arguments ?? []) : []) {
        const coordinate = `${where}(${arg.name.value}:)`;
        const checks = (arg.directives ?? []).filter((d) => d.name.value === "check");
        for (const check of checks) checkOf(check, coordinate, problems);
        if (checks.length > 0 && arg.directives?.some((d) => d.name.value === "preset")) {
          problems.push(`${coordinate} has both @preset and @check: a preset argument is not the caller's to choose`);
        }
      }
    }
  }
  return problems;
}
