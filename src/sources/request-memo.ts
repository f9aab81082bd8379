import { type FieldNode, print } from "graphql";

/** Per request (its context object), per owner (a binding, a join), values by key. */
const memos = new WeakMap<object, WeakMap<object, Map<string, unknown>>>();

/**
 * A value kept for the rest of one request: the in-flight call of a deduplicated GET, the loader of a
 * batched field. Dropped with the request's context object (no cross-request state).
 *
 * @param context - the request's GraphQL context
 * @param owner - who keeps values (a field binding, a join), so keys of different owners never meet
 * @param key - what identifies the value within the owner (arguments, selection)
 * @param create - makes the value on first use
 * @returns the request's value for (owner, key)
 */
export function requestMemo<T>(context: object, owner: object, key: string, create: () => T): T {
  let byOwner = memos.get(context);
  if (byOwner === undefined) {
    byOwner = new WeakMap();
    memos.set(context, byOwner);
  }
  let values = byOwner.get(owner);
  if (values === undefined) {
    values = new Map();
    byOwner.set(owner, values);
  }
  if (values.has(key)) return values.get(key) as T;
  const value = create();
  values.set(key, value);
  return value;
}

/** Printed selections by field node: documents are parsed once and cached by Yoga, so each prints once. */
const printed = new WeakMap<FieldNode, string>();

/**
 * A text identifying what a field selects (its nodes' selection sets), for keys of {@link requestMemo}.
 * @param fieldNodes - the field's nodes (`info.fieldNodes`)
 * @returns the printed selection sets, joined
 */
export function selectionKey(fieldNodes: readonly FieldNode[]): string {
  return fieldNodes
    .map((node) => {
      let text = printed.get(node);
      if (text === undefined) {
        text = node.selectionSet === undefined ? "" : print(node.selectionSet);
        printed.set(node, text);
      }
      return text;
    })
    .join("\n");
}
