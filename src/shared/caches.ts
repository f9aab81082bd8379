import { type FieldNode, print } from "graphql";

/**
 * A cache two keys deep: the first an object (held weakly: a schema, a document, a request context),
 * the second anything. One helper for the "WeakMap of Maps, get or create" pattern.
 */
export interface NestedCache<K1 extends object, K2, V> {
  /**
   * The value for (outer, inner), created by `create` on first use.
   * @param outer - held weakly
   * @param inner - compared with SameValueZero (Map semantics)
   * @param create - makes the value
   */
  get(outer: K1, inner: K2, create: () => V): V;
}

/**
 * Creates a {@link NestedCache}.
 * @param weakInner - hold the inner keys weakly too (they must be objects)
 * @returns the cache
 */
export function createNestedCache<K1 extends object, K2, V>(weakInner = false): NestedCache<K1, K2, V> {
  const outerMap = new WeakMap<K1, Map<K2, V> | WeakMap<K2 & object, V>>();
  return {
    get(outer, inner, create) {
      let map = outerMap.get(outer) as Map<K2, V> | undefined;
      if (map === undefined) {
        map = (weakInner ? new WeakMap() : new Map()) as Map<K2, V>;
        outerMap.set(outer, map);
      }
      if (map.has(inner)) return map.get(inner) as V;
      const value = create();
      map.set(inner, value);
      return value;
    },
  };
}

/** Per request (its context object), per owner (a binding, a join), values by key. */
const memos = new WeakMap<object, NestedCache<object, string, unknown>>();

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
  let perOwner = memos.get(context);
  if (perOwner === undefined) {
    perOwner = createNestedCache();
    memos.set(context, perOwner);
  }
  return perOwner.get(owner, key, create) as T;
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
