import { Kind, type SelectionSetNode } from "graphql";
import { matchByKey } from "./batch";

/**
 * The alias under which a batched call selects the key field of each result, so results are matched to
 * their parents by key (any order, missing keys allowed) without clashing with the client's own aliases.
 */
const KEY_ALIAS = "__junction_key";

/**
 * A selection set with the key field added under {@link KEY_ALIAS}.
 * @param selections - the selections to send (the client's, after stitching's planning)
 * @param keyField - the key field's name in the gateway's schema
 * @returns a new selection set
 */
export function withKeySelection(selections: SelectionSetNode | undefined, keyField: string): SelectionSetNode {
  return {
    kind: Kind.SELECTION_SET,
    selections: [
      ...(selections?.selections ?? []),
      {
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: KEY_ALIAS },
        name: { kind: Kind.NAME, value: keyField },
      },
    ],
  };
}

/**
 * Matches the results of one batched call to the keys asked for, by the {@link KEY_ALIAS} field
 * (compared as strings), so the upstream may answer in any order and leave keys out.
 * @param results - the call's list result (anything else matches nothing)
 * @param keys - the keys, in the order the loader asked
 * @returns per key, the matching results in answer order (empty when none)
 */
export function resultsByKey(results: unknown, keys: readonly unknown[]): unknown[][] {
  return matchByKey(Array.isArray(results) ? results : [], KEY_ALIAS, keys);
}
