/**
 * What the response cache relies on in workerd (Miniflare): `caches.default` exists and honours
 * `Cache-Control: max-age` (the cache also checks its own stored time, src/cache/store.ts).
 */
import { describe, expect, it } from "vitest";
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
