/**
 * cache/: the edge response cache (issue 18). Apollo's `@cacheControl` hints in schemas/*.graphql and the
 * `responseCache` config give each query a max age and a scope (policy.ts, computed once per schema,
 * document and operation name); answers are stored in the data centre's Workers Cache API under a
 * synthetic key (role, variables, and for PRIVATE the user id) with their entities and types as tags
 * (store.ts, tags.ts); `/graphql` consults it before the fast lane and Yoga (http.ts); mutations and
 * `POST /admin/cache/purge` purge by tag here and, with `CF_API_TOKEN`, everywhere through Cloudflare's API
 * (purge.ts). See docs/caching.md.
 */
export {
  CACHE_CONTROL_DIRECTIVE,
  CACHE_CONTROL_SDL,
  type CacheHint,
  type CacheHints,
  type CacheScope,
  mergeCacheHints,
  readSdlCacheHints,
} from "./hints";
export { type CachedRequest, clientCacheControl, MAX_TAGS_PER_ANSWER, serveCached, X_CACHE } from "./http";
export { type CachePolicy, operationPolicy } from "./policy";
export { type CloudflarePurgeTarget, cloudflarePurgeTarget, DEFAULT_CF_API_BASE, purgeTagsEverywhere } from "./purge";
export { parsePurgeRequest } from "./purge-request";
export {
  type AnswerKeyInput,
  createResponseCache,
  type PurgeRequest,
  type ResponseCache,
  type ResponseCacheOptions,
} from "./response-cache";
export {
  CACHE_ORIGIN,
  type CachedAnswer,
  defaultCache,
  lookupAnswer,
  MAX_KEYS_PER_TAG,
  purgeTags,
  type StoredAnswer,
  storeAnswer,
} from "./store";
export { allTag, type EntityRef, entitiesOf, entityTag, typeTag } from "./tags";
export { useResponseCachePurge } from "./use-response-cache-purge";
export { type ForwardedHeaders, forwardedHeaderKey, forwardedHeaders } from "./vary";
