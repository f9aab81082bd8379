import {
  isSoleReference,
  jsonTemplateReferences,
  renderJsonTemplate,
  type TemplateScope,
  templateReferences,
} from "../templates";
import type { BatchKey } from "./types";

/** Batching of `@join(batch: true)` and `@rest(batch: true)`: one call per level with every parent's key. */

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Every string leaf of a JSON template with its path. */
function templateLeaves(template: unknown, path: string[] = []): Array<{ path: string[]; template: string }> {
  if (typeof template === "string") return [{ path, template }];
  if (Array.isArray(template)) return template.flatMap((item, index) => templateLeaves(item, [...path, String(index)]));
  if (isRecord(template))
    return Object.entries(template).flatMap(([key, item]) => templateLeaves(item, [...path, key]));
  return [];
}

/**
 * The key of a batched field: the one leaf of `args` that is exactly one `{parent.x}` reference; no
 * other leaf may read the parent (the call is shared by all parents of a level).
 * @param args - the directive's `args` (templates)
 * @returns the key, or what is wrong (a message for the config problem)
 */
export function findBatchKey(args: Record<string, unknown>): BatchKey | string {
  const reading = templateLeaves(args).filter((leaf) =>
    templateReferences(leaf.template).some((reference) => reference.root === "parent"),
  );
  const [only] = reading;
  if (reading.length !== 1 || only === undefined || !isSoleReference(only.template)) {
    return `batch: true needs exactly one argument in args that is exactly one {parent.x} reference (the key); found ${reading.length === 0 ? "none" : reading.map((leaf) => `${leaf.path.join(".")}: "${leaf.template}"`).join(", ")}`;
  }
  return only;
}

/** Sets `value` at `path` in a copy of a JSON value. */
function setPath(target: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(target)
    ? [...target]
    : { ...(target as Record<string, unknown>) };
  (copy as Record<string, unknown>)[head] = setPath((copy as Record<string, unknown>)[head], rest, value);
  return copy;
}

/**
 * The DataLoader cache key of a batch key: keys that print alike are one key (`7` and `"7"`), as
 * matching compares them as strings.
 * @param key - a key value
 * @returns its text (JSON for objects)
 */
export function batchCacheKey(key: unknown): string {
  return typeof key === "object" && key !== null ? JSON.stringify(key) : String(key);
}

/**
 * Renders a batched field's `args` for a set of keys: every leaf with the scope (no parent), the key's
 * leaf replaced by the list of keys.
 * @param args - the directive's args (templates)
 * @param key - where the key sits
 * @param keys - the distinct keys of one level
 * @param scope - args and session of the request
 * @returns the arguments of the one call
 */
export function batchArguments(
  args: Record<string, unknown>,
  key: BatchKey,
  keys: readonly unknown[],
  scope: TemplateScope,
): Record<string, unknown> {
  return setPath(renderJsonTemplate(args, { ...scope, parent: undefined }), key.path, [...keys]) as Record<
    string,
    unknown
  >;
}

/** Per batch key: the text of the other arguments when none of them reads anything (rendered once), else null. */
const fixedShares = new WeakMap<BatchKey, string | null>();

/**
 * What a batched call's arguments are besides the key, as text: parents whose text is equal share one
 * call of a level. Rendered once per field when the other arguments are literals (the usual case),
 * else per parent.
 * @param args - the directive's args (templates)
 * @param key - where the key sits
 * @param scope - the field's arguments and the session (the parent is not read)
 * @returns the text (JSON)
 */
export function batchShareKey(args: Record<string, unknown>, key: BatchKey, scope: TemplateScope): string {
  let fixed = fixedShares.get(key);
  if (fixed === undefined) {
    const literal = jsonTemplateReferences(setPath(args, key.path, null)).length === 0;
    fixed = literal ? JSON.stringify(batchArguments(args, key, [], scope)) : null;
    fixedShares.set(key, fixed);
  }
  return fixed ?? JSON.stringify(batchArguments(args, key, [], scope));
}

/**
 * Groups the items of a batched answer by key field, so each parent gets the items whose key is its
 * own (compared as strings, so "7" matches 7).
 * @param items - the answer's items (objects)
 * @param keyField - the property holding the key
 * @param keys - the keys asked for
 * @returns per key, the matching items in answer order (empty when none)
 */
export function matchByKey(items: readonly unknown[], keyField: string, keys: readonly unknown[]): unknown[][] {
  const groups = new Map<string, unknown[]>();
  for (const item of items) {
    if (item === null || typeof item !== "object") continue;
    const value = (item as Record<string, unknown>)[keyField];
    if (value === undefined || value === null) continue;
    const group = groups.get(String(value));
    if (group === undefined) groups.set(String(value), [item]);
    else group.push(item);
  }
  return keys.map((key) => groups.get(String(key)) ?? []);
}
