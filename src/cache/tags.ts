/**
 * Cache tags: the entities (`__typename` + key) of an answer and the types of an operation, as the
 * strings stored in the tag index (store.ts) and in the `Cache-Tag` header (Cloudflare's purge by tag).
 */

/** One entity: its type name and key value. */
export interface EntityRef {
  /** `__typename`. */
  typename: string;
  /** The key field's value (`id` unless `responseCache.keyFields` names another), as a string. */
  id: string;
}

/** Prefix of every tag, so the gateway's tags never collide with other tags of the zone. */
const PREFIX = "junction";

/** Longest tag part kept as is; a longer one is cut, its length appended (a tag is at most 1024 bytes; a cut tag may over-purge). */
const MAX_PART = 200;

const part = (value: string): string => {
  const encoded = encodeURIComponent(value);
  return encoded.length <= MAX_PART ? encoded : `${encoded.slice(0, MAX_PART)}~${encoded.length}`;
};

/**
 * The tag of an entity: `<namespace>junction:e:<Type>:<id>` (parts URL-encoded: no commas or spaces).
 * @param namespace - the gateway's namespace (KV prefix), so gateways sharing a zone purge their own answers
 * @param entity - the entity
 */
export const entityTag = (namespace: string, entity: EntityRef): string =>
  `${namespace}${PREFIX}:e:${part(entity.typename)}:${part(entity.id)}`;

/**
 * The tag of a type: `<namespace>junction:t:<Type>`.
 * @param namespace - the gateway's namespace
 * @param typename - the type's name
 */
export const typeTag = (namespace: string, typename: string): string => `${namespace}${PREFIX}:t:${part(typename)}`;

/**
 * The tag every stored answer of a gateway carries in its `Cache-Tag` header (not in the tag index): a
 * purge of everything through Cloudflare's API purges it.
 * @param namespace - the gateway's namespace
 */
export const allTag = (namespace: string): string => `${namespace}${PREFIX}:all`;

/** Most objects of an answer looked at for entities (bounds the walk of a big answer). */
const MAX_NODES = 20_000;
/** Deepest nesting walked. */
const MAX_DEPTH = 64;

/**
 * The entities of an answer's `data`: every object holding a string `__typename` and a string or
 * number key field (the type's configured key, else `id`). Only what the client selected is seen: an
 * object whose `__typename` or key was not selected is no entity here.
 * @param data - the answer's `data`
 * @param keyFields - `responseCache.keyFields` (type name -> key field)
 * @returns the entities, each once; `complete: false` when the walk stopped at its bounds
 */
export function entitiesOf(
  data: unknown,
  keyFields: Readonly<Record<string, string>>,
): { entities: EntityRef[]; complete: boolean } {
  const seen = new Map<string, EntityRef>();
  let nodes = 0;
  let complete = true;
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== "object") return;
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) {
      complete = false;
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    const record = value as Record<string, unknown>;
    const typename = record.__typename;
    if (typeof typename === "string") {
      const key = record[keyFields[typename] ?? "id"];
      if (typeof key === "string" || typeof key === "number") {
        const entity = { typename, id: String(key) };
        seen.set(`${typename}\n${entity.id}`, entity);
      }
    }
    for (const name in record) visit(record[name], depth + 1);
  };
  visit(data, 0);
  return { entities: [...seen.values()], complete };
}
