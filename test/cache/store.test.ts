/**
 * What the response cache relies on in workerd (Miniflare): `caches.default` exists and honours
 * `Cache-Control: max-age` (the cache also checks its own stored time, src/cache/store.ts).
 */
import { describe, expect, it } from "vitest";
import {
  allTag,
  CACHE_ORIGIN,
  defaultCache,
  entityTag,
  lookupAnswer,
  MAX_KEYS_PER_TAG,
  purgeTags,
  storeAnswer,
  typeTag,
} from "../../src/cache";
import { uniqueId } from "../helpers";
import { sleep } from "./helpers";

describe("the Cache API in workerd", () => {
  it("has caches.default, which keeps an answer for its max-age and drops it afterwards", async () => {
    const cache = (caches as unknown as { default: Cache }).default;
    expect(cache).toBeDefined();
    const url = `https://junction-response-cache.internal/test/${uniqueId()}`;
    await cache.put(url, new Response("kept", { headers: { "cache-control": "public, max-age=1" } }));
    expect(await (await cache.match(url))?.text()).toBe("kept");
    await sleep(1100);
    expect(await cache.match(url)).toBeUndefined();
  });

  it("never stores a response with Cache-Control: private", async () => {
    const cache = (caches as unknown as { default: Cache }).default;
    const url = `https://junction-response-cache.internal/test/${uniqueId()}`;
    await cache.put(url, new Response("x", { headers: { "cache-control": "private, max-age=60" } }));
    expect(await cache.match(url)).toBeUndefined();
  });
});

describe("stored answers", () => {
  it("carry their tags in Cache-Tag (plus the gateway's tag), and a purge by one tag deletes them here", async () => {
    const cache = defaultCache() as Cache;
    const namespace = `${uniqueId()}:`;
    const key = `${CACHE_ORIGIN}/answers/${uniqueId()}`;
    const other = `${CACHE_ORIGIN}/answers/${uniqueId()}`;
    const tags = [entityTag(namespace, { typename: "User", id: "1" }), typeTag(namespace, "User")];
    const answer = (at: string, answerTags: string[]) => ({
      key: at,
      body: '{"data":{}}',
      contentType: "application/json",
      maxAge: 60,
      scope: "PUBLIC" as const,
      tags: answerTags,
      headerTags: [allTag(namespace)],
      generation: "0",
      etag: '"e"',
    });
    expect(await storeAnswer(cache, namespace, answer(key, tags), Date.now())).toBe(true);
    expect(await storeAnswer(cache, namespace, answer(other, [typeTag(namespace, "User")]), Date.now())).toBe(true);
    const stored = await cache.match(key);
    expect(stored?.headers.get("cache-tag")).toBe(
      `${namespace}junction:e:User:1,${namespace}junction:t:User,${namespace}junction:all`,
    );
    await stored?.text();
    expect((await lookupAnswer(cache, namespace, key, Date.now())).hit?.etag).toBe('"e"');
    expect(await purgeTags(cache, namespace, [entityTag(namespace, { typename: "User", id: "1" })])).toBe(1);
    expect(await cache.match(key)).toBeUndefined();
    const kept = await cache.match(other);
    expect(kept).toBeDefined();
    await kept?.text();
  });

  it("keep an entity's index at MAX_KEYS_PER_TAG: one more answer deletes the oldest, and a purge finds every one left", async () => {
    const cache = defaultCache() as Cache;
    const namespace = `${uniqueId()}:`;
    const tag = entityTag(namespace, { typename: "User", id: "7" });
    const keys = Array.from({ length: MAX_KEYS_PER_TAG + 1 }, () => `${CACHE_ORIGIN}/answers/${uniqueId()}`);
    const now = Date.now();
    for (const [index, key] of keys.entries()) {
      const answer = { key, body: "{}", contentType: "application/json", maxAge: 60, scope: "PUBLIC" as const };
      const more = { tags: [tag], headerTags: [], generation: "0", etag: '"e"' };
      await storeAnswer(cache, namespace, { ...answer, ...more }, now + index);
    }
    // The oldest answer was deleted to make room; the newest is there.
    expect(await cache.match(keys[0] as string)).toBeUndefined();
    const newest = await cache.match(keys[MAX_KEYS_PER_TAG] as string);
    expect(newest).toBeDefined();
    await newest?.text();
    expect(await purgeTags(cache, namespace, [tag])).toBe(MAX_KEYS_PER_TAG);
    expect(await cache.match(keys[MAX_KEYS_PER_TAG] as string)).toBeUndefined();
  });
});
