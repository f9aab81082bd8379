import { GraphQLError, type GraphQLOutputType, isListType, isNonNullType } from "graphql";
import { type ShapeField, ShapeKind } from "./types";

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
  state.errors.push(
    new GraphQLError(`Cannot return null for non-nullable field ${field.coordinate}.`, { path: [...path] }),
  );
}

/** Completes one value of `type` (graphql-js's completeValue, on values already serialized upstream). */
function complete(
  type: GraphQLOutputType,
  field: ShapeField,
  value: unknown,
  path: Path,
  state: ShapeState,
): unknown | typeof BUBBLE {
  if (isNonNullType(type)) {
    if (value === null || value === undefined) {
      nullInNonNull(field, path, state);
      return BUBBLE;
    }
    return completeInner(type.ofType, field, value, path, state);
  }
  if (value === null || value === undefined) return null;
  const completed = completeInner(type, field, value, path, state);
  return completed === BUBBLE ? null : completed;
}

/** Completes a present value of a nullable type. */
function completeInner(
  type: GraphQLOutputType,
  field: ShapeField,
  value: unknown,
  path: Path,
  state: ShapeState,
): unknown | typeof BUBBLE {
  if (isListType(type)) {
    if (!Array.isArray(value)) return value;
    const out = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      const item = complete(type.ofType, field, value[index], path, state);
      path.pop();
      if (item === BUBBLE) return BUBBLE;
      out[index] = item;
    }
    return out;
  }
  if (field.kind === ShapeKind.Object)
    return shapeObject(field.fields ?? [], value as Record<string, unknown>, path, state);
  return value;
}

/** Shapes one object: the client's response keys in the client's order, hidden keys left out. */
function shapeObject(
  fields: readonly ShapeField[],
  raw: Record<string, unknown>,
  path: Path,
  state: ShapeState,
): Record<string, unknown> | typeof BUBBLE {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.kind === ShapeKind.Typename) {
      out[field.key] = field.typename;
      continue;
    }
    path.push(field.key);
    const value = complete(field.type, field, raw[field.key], path, state);
    path.pop();
    if (value === BUBBLE) return BUBBLE;
    out[field.key] = value;
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
