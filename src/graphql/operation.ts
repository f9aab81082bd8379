import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";

/**
 * The root selections of an operation, fragments expanded (each named fragment once): response key
 * (alias or name) -> field name, in document order. Used to see which root fields an operation asks
 * for before it runs (introspection, presets, passthrough).
 *
 * @param document - the parsed document (for its fragment definitions)
 * @param operation - one operation of it
 * @returns response key -> field name (`__typename`, `__schema` and `__type` included)
 */
export function rootSelections(document: DocumentNode, operation: OperationDefinitionNode): Map<string, string> {
  const keys = new Map<string, string>();
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) keys.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return keys;
}

/**
 * Whether an operation introspects the schema (`__schema` or `__type` at its root, the only place
 * they exist: GraphQL spec section 4.2).
 * @param keys - from {@link rootSelections}
 */
export function introspects(keys: ReadonlyMap<string, string>): boolean {
  for (const field of keys.values()) if (field === "__schema" || field === "__type") return true;
  return false;
}
