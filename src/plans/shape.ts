import { GraphQLError } from "graphql";
import { LIST, NON_NULL, type ShapeField, ShapeKind } from "./types";

/** Returned where a non-null position got null: the nearest nullable ancestor becomes null. */
const BUBBLE: unique symbol = Symbol("bubble");

type Path = (string | number)[];

/** State of one shaping pass. */
interface ShapeState {
  errors: GraphQLError[];
  /** Paths that already carry an error (built on the first null in a non-null position). */
  located?: Set<string>;
}

const pathKey = (path: readonly (string | number)[]): string => path.join("\u0000");

/**
 * A non-null position got null: the error graphql-js gives (GraphQL spec section 6.4.4, "Handling
 * Field Errors"), unless an error is already located there (the upstream's, or an entity's fetch).
 */
function nullInNonNull(field: ShapeField, path: Path, state: ShapeState): void {
  if (state.located === undefined) {
    state.located = new Set();
    for (const error of state.errors) if (error.path !== undefined) state.located.add(pathKey(error.path));
  }
  const key = pathKey(path);
  if (state.located.has(key)) return;
  state.located.add(key);
  // As graphql-js raises it (a plain Error located at the field), so the gateway's error masking treats it alike.
  const message = `Cannot return null for non-nullable field ${field.coordinate}.`;
  state.errors.push(new GraphQLError(message, { path: [...path], originalError: new Error(message) }));
}

/**
 * Completes one value of a field from its wrapper `at` inwards (graphql-js's completeValue on values the
 * upstream already serialized): nulls checked against non-null wrappers, lists walked, objects shaped.
 */
function complete(field: ShapeField, at: number, value: unknown, path: Path, state: ShapeState): unknown {
  const wrappers = field.wrappers;
  let index = at;
  const nonNull = wrappers[index] === NON_NULL;
  if (nonNull) index++;
  if (value === null || value === undefined) {
    if (!nonNull) return null;
    nullInNonNull(field, path, state);
    return BUBBLE;
  }
  let out: unknown;
  if (wrappers[index] === LIST) {
    if (!Array.isArray(value)) return value;
    const items = new Array<unknown>(value.length);
    out = items;
    for (let item = 0; item < value.length; item++) {
      path.push(item);
      const completed = complete(field, index + 1, value[item], path, state);
      path.pop();
      if (completed === BUBBLE) {
        out = BUBBLE;
        break;
      }
      items[item] = completed;
    }
  } else if (field.kind === ShapeKind.Object) {
    out = shapeObject(field.fields ?? [], value as Record<string, unknown>, path, state);
  } else {
    return value;
  }
  return out === BUBBLE && !nonNull ? null : out;
}

/** Shapes one object: the client's response keys in the client's order, hidden keys left out. */
function shapeObject(
  fields: readonly ShapeField[],
  raw: Record<string, unknown>,
  path: Path,
  state: ShapeState,
): Record<string, unknown> | typeof BUBBLE {
  const out: Record<string, unknown> = {};
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as ShapeField;
    const kind = field.kind;
    if (kind === ShapeKind.Typename) {
      out[field.key] = field.typename;
      continue;
    }
    const value = raw[field.key];
    // A nullable leaf (the most common field) needs no path and no checks.
    if (kind !== ShapeKind.Object && field.wrappers.length === 0) {
      out[field.key] = value ?? null;
      continue;
    }
    path.push(field.key);
    const completed = complete(field, 0, value, path, state);
    path.pop();
    if (completed === BUBBLE) return BUBBLE;
    out[field.key] = completed;
  }
  return out;
}

/**
 * The final pass of a plan: the merged upstream answers shaped into the client's answer: response keys
 * in the client's order, `__typename` filled in, hidden keys dropped, and nulls in non-null positions
 * propagated to the nearest nullable parent with graphql-js's error (GraphQL spec section 6.4.4).
 *
 * @param shape - the root's fields ({@link Plan.shape})
 * @param data - the merged answers
 * @param errors - the errors so far (located upstream errors); new ones are appended
 * @returns the client's `data` (null when a non-null root field is null)
 */
export function shapeAnswer(
  shape: readonly ShapeField[],
  data: Record<string, unknown>,
  errors: GraphQLError[],
): Record<string, unknown> | null {
  const shaped = shapeObject(shape, data, [], { errors });
  return shaped === BUBBLE ? null : shaped;
}
