import { type GraphQLSchema, parse } from "graphql";
import { type GatewayContext, type Session, USER_ID_VARIABLE } from "../shared";
import { entityTagOf, noneMatch } from "./etag";
import type { CachePolicy } from "./policy";
import type { ResponseCache } from "./response-cache";
import { type AnsweredOperation, answerEntities } from "./selection-entities";
import { defaultCache, lookupAnswer, storeAnswer } from "./store";
import { allTag, entityTag, typeTag } from "./tags";

/** `x-cache` on every answer to a cacheable operation: `HIT` (served from the cache) or `MISS`. */
export const X_CACHE = "x-cache";

/** Most tags (entities and types) of one stored answer; an answer with more is served but not stored. */
export const MAX_TAGS_PER_ANSWER = 250;

/** Marks a request context whose mutation purges the HTTP path does (the Yoga plugin then leaves it alone). */
export const HTTP_PURGE = Symbol.for("junction.cache.httpPurge");

/** What {@link serveCached} needs of one `/graphql` request. */
export interface CachedRequest {
  /** The gateway's response cache. */
  cache: ResponseCache;
  /** The client's request, its body unread. */
  request: Request;
  /** The request's context (its session, env, logger and waitUntil). */
  context: GatewayContext;
  /**
   * The schema the caller's role sees.
   * @throws whatever the registry throws: the request then runs uncached (Yoga answers the error)
   */
  schema(): Promise<GraphQLSchema>;
  /** Whether sent queries may run (false with `trustedDocuments.mode` "require": only stored documents). */
  sentQueries: boolean;
  /**
   * The text of the stored document a body names (`documentId`, or APQ's `extensions.persistedQuery`).
   * @returns the text, or null (the request then runs uncached)
   */
  documentText(params: { documentId?: unknown; extensions?: unknown }): Promise<string | null>;
  /**
   * Runs the request as without a cache (the fast lane, else Yoga).
   * @param request - the request, its body the client's
   */
  run(request: Request): Promise<Response>;
}

/** The GraphQL parameters the cache reads; anything else in a body makes the request run uncached. */
interface Params {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

const PARAM_KEYS = new Set(["query", "variables", "operationName", "documentId", "extensions"]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Reads a GET's parameters from its URL (JSON-encoded `variables` and `extensions`, as Yoga reads them). */
function getParams(url: URL): Params | undefined {
  const params: Record<string, unknown> = {};
  for (const [name, value] of url.searchParams) {
    if (!PARAM_KEYS.has(name) || name in params) return undefined;
    if (name === "variables" || name === "extensions") {
      try {
        params[name] = JSON.parse(value);
      } catch {
        return undefined;
      }
    } else params[name] = value;
  }
  return params;
}

/** The parameters of a JSON POST body, or undefined for a batch, an unreadable body or unknown keys. */
function postParams(raw: string): Params | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!isRecord(body)) return undefined;
  for (const key in body) if (!PARAM_KEYS.has(key)) return undefined;
  return body;
}

/** The document text of the parameters: the sent query, or the stored document they name. */
async function textOf(params: Params, input: CachedRequest): Promise<string | null> {
  if (params.variables !== undefined && params.variables !== null && !isRecord(params.variables)) return null;
  if (params.operationName !== undefined && params.operationName !== null && typeof params.operationName !== "string")
    return null;
  if (params.extensions !== undefined) {
    if (!isRecord(params.extensions)) return null;
    for (const key in params.extensions) if (key !== "persistedQuery") return null;
  }
  if (typeof params.query === "string") {
    // A query with a document id or APQ hash registers it (Yoga's work), and with `trustedDocuments.mode`
    // "require" a sent query is refused by Yoga: neither is answered from the cache.
    const plain = params.documentId === undefined && params.extensions === undefined;
    return plain && input.sentQueries ? params.query : null;
  }
  if (params.query !== undefined) return null;
  if (params.documentId === undefined && params.extensions === undefined) return null;
  return input.documentText({ documentId: params.documentId, extensions: params.extensions });
}

/**
 * The client's `Cache-Control` for a cacheable answer: `public, max-age=N` only for a PUBLIC answer to a
 * caller that sent neither a token (Authorization) nor cookies and was not identified (session source
 * `unauthenticated` or `none`); otherwise `private, max-age=N`, so no shared cache (CDN, proxy) ever keeps
 * an answer that depends on who asked. The gateway's own cache keys every answer by role and, for PRIVATE,
 * by user, whatever this header says.
 * @see https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.7
 */
export function clientCacheControl(policy: CachePolicy, session: Session, request: Request, maxAge: number): string {
  const anonymous =
    (session.source === "unauthenticated" || session.source === "none") &&
    !request.headers.has("authorization") &&
    !request.headers.has("cookie");
  return policy.scope === "PUBLIC" && anonymous ? `public, max-age=${maxAge}` : `private, max-age=${maxAge}`;
}

/**
 * The client's caching headers of a cacheable answer: `Cache-Control` ({@link clientCacheControl}) and, on
 * a public answer, `Vary: Accept, Authorization, Cookie`, so a shared cache keeps apart what a caller with a
 * token or cookies (or another media type) would get.
 */
function cachingHeaders(
  policy: CachePolicy,
  session: Session,
  request: Request,
  maxAge: number,
): Record<string, string> {
  const cacheControl = clientCacheControl(policy, session, request, maxAge);
  return cacheControl.startsWith("public")
    ? { "cache-control": cacheControl, vary: "Accept, Authorization, Cookie" }
    : { "cache-control": cacheControl };
}

/** The response with more headers (a new Response: the body is passed on, never read). */
function withHeaders(response: Response, body: BodyInit | null, headers: Record<string, string>): Response {
  const out = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}

const JSON_TYPE = /^application\/(graphql-response\+)?json\b/i;

/** A JSON answer's parsed body, or undefined for anything else (streams, other types, invalid JSON). */
async function readJson(response: Response): Promise<{ text: string; body: unknown } | undefined> {
  if (!JSON_TYPE.test(response.headers.get("content-type") ?? "")) return undefined;
  const text = await response.text();
  try {
    return { text, body: JSON.parse(text) };
  } catch {
    return { text, body: undefined };
  }
}

/**
 * Purges the answers holding the entities a mutation answer returned, before the answer goes out.
 * @param input - the request
 * @param response - the mutation's answer
 * @param operation - the mutation's schema, document and name (entities by selection), when parsed
 * @returns the answer (re-built when it was read)
 */
async function purgeAfterMutation(
  input: CachedRequest,
  response: Response,
  operation: AnsweredOperation | undefined,
): Promise<Response> {
  const read = await readJson(response);
  if (read === undefined) return response;
  const data = isRecord(read.body) ? read.body.data : undefined;
  const { entities } = answerEntities(data, input.cache.keyFields, operation);
  if (entities.length > 0) {
    const { context } = input;
    try {
      await input.cache.purge({ entities }, context.env, context.executionCtx.waitUntil, context.log);
    } catch (error) {
      context.log.error({ error: String(error) }, "response cache purge failed");
    }
  }
  return withHeaders(response, read.text, {});
}

/** The operation of a document for {@link answerEntities}, or undefined when the text does not parse. */
function parsed(schema: GraphQLSchema, text: string, operationName: unknown): AnsweredOperation | undefined {
  try {
    const document = parse(text, { noLocation: true });
    return { schema, document, operationName: typeof operationName === "string" ? operationName : undefined };
  } catch {
    return undefined;
  }
}

/**
 * Serves one `/graphql` request (JSON POST or GET) through the response cache, before the fast lane and
 * Yoga: a query whose policy allows it is looked up by (schema, document hash, operation name,
 * variables, role, Accept, and for PRIVATE the user id) in the data centre's Cache API and served from
 * there (`x-cache: HIT`, `Age`), else run and, when the answer qualifies, stored (`x-cache: MISS`). A
 * cacheable GET also gets an `ETag`, and `If-None-Match` naming it is answered 304 Not Modified. Never
 * stored: answers with `errors` or without `data`, answers that set cookies, non-200 or non-JSON answers,
 * answers of callers with the admin secret, PRIVATE answers for a caller without `x-hasura-user-id`. A
 * mutation's answer is read for entities (`__typename` + key) and their cached answers purged before
 * it is sent. Everything else runs as without a cache.
 * @param input - the request, its context, the schema, the document lookup and the runner
 * @returns the answer
 */
export async function serveCached(input: CachedRequest): Promise<Response> {
  const { request, context, cache } = input;
  const post = request.method === "POST";
  let raw: string | undefined;
  let params: Params | undefined;
  if (post) {
    raw = await request.text();
    params = postParams(raw);
  } else params = getParams(new URL(request.url));
  const forward = post ? new Request(request.url, { method: "POST", headers: request.headers, body: raw }) : request;
  if (params === undefined) return input.run(forward);
  let schema: GraphQLSchema;
  let text: string | null;
  try {
    text = await textOf(params, input);
    if (text === null) return input.run(forward);
    schema = await input.schema();
  } catch {
    return input.run(forward);
  }
  const { policy, textHash } = await cache.policyOf(schema, text, params.operationName as string | undefined);
  if (policy.kind === "mutation") {
    (context as GatewayContext & { [HTTP_PURGE]?: true })[HTTP_PURGE] = true;
    return purgeAfterMutation(input, await input.run(forward), parsed(schema, text, params.operationName));
  }
  const session = context.session;
  const cacheable =
    policy.kind === "query" &&
    policy.maxAge > 0 &&
    session.source !== "admin" &&
    (policy.scope === "PUBLIC" || (session.variables[USER_ID_VARIABLE] ?? "") !== "");
  const store = defaultCache();
  if (!cacheable || store === undefined) return input.run(forward);

  const key = await cache.answerKey({
    schema,
    textHash,
    operationName: params.operationName as string | undefined,
    variables: params.variables,
    session,
    policy,
    accept: (request.headers.get("accept") ?? "").slice(0, 256),
    headers: request.headers,
  });
  const now = Date.now();
  let looked: Awaited<ReturnType<typeof lookupAnswer>>;
  try {
    looked = await lookupAnswer(store, cache.namespace, key, now);
  } catch (error) {
    // The Cache API failing never fails the request: it runs as without a cache.
    context.log.warn({ error: String(error) }, "response cache lookup failed");
    return input.run(forward);
  }
  const { hit, generation } = looked;
  const get = request.method === "GET";
  if (hit !== undefined) {
    const headers = new Headers({
      "content-type": hit.contentType,
      [X_CACHE]: "HIT",
      age: String(hit.age),
      ...cachingHeaders(policy, session, request, hit.maxAge),
    });
    if (get && hit.etag !== "") {
      headers.set("etag", hit.etag);
      if (noneMatch(request, hit.etag)) {
        await hit.body?.cancel();
        headers.delete("content-type");
        return new Response(null, { status: 304, headers });
      }
    }
    return new Response(hit.body, { status: 200, headers });
  }
  const response = await input.run(forward);
  const miss = { [X_CACHE]: "MISS" };
  if (response.status !== 200 || response.headers.has("set-cookie")) return withHeaders(response, response.body, miss);
  const read = await readJson(response);
  if (read === undefined) return withHeaders(response, response.body, miss);
  const body = read.body;
  if (!isRecord(body) || "errors" in body || !isRecord(body.data)) return withHeaders(response, read.text, miss);
  const found = answerEntities(body.data, cache.keyFields, parsed(schema, text, params.operationName));
  // Entity tags are indexed in this data centre (a mutation purges exactly their answers); type tags go
  // only in `Cache-Tag`, for Cloudflare's purge: an index per type would be read and rewritten by every
  // store of that type (a purge by type empties this data centre's answers instead, see purge()).
  const tags = [...new Set(found.entities.map((entity) => entityTag(cache.namespace, entity)))];
  const typeTags = [
    ...new Set([
      ...policy.types.map((name) => typeTag(cache.namespace, name)),
      ...found.entities.map((entity) => typeTag(cache.namespace, entity.typename)),
    ]),
  ];
  const etag = await entityTagOf(read.text);
  if (found.complete && tags.length + typeTags.length <= MAX_TAGS_PER_ANSWER) {
    const stored = storeAnswer(
      store,
      cache.namespace,
      {
        key,
        body: read.text,
        contentType: response.headers.get("content-type") ?? "application/json",
        maxAge: policy.maxAge,
        scope: policy.scope,
        tags,
        headerTags: [...typeTags, allTag(cache.namespace)],
        generation,
        etag,
      },
      now,
    ).catch((error: unknown) => {
      context.log.error({ error: String(error) }, "response cache store failed");
    });
    context.executionCtx.waitUntil(stored);
  }
  const caching = cachingHeaders(policy, session, request, policy.maxAge);
  if (!get) return withHeaders(response, read.text, { ...miss, ...caching });
  // A GET (a stored document's id or APQ hash, or a sent query): browsers and CDNs may revalidate it.
  const headers = { ...miss, ...caching, etag };
  if (noneMatch(request, etag)) {
    const notModified = withHeaders(response, null, headers);
    notModified.headers.delete("content-type");
    return new Response(null, { status: 304, headers: notModified.headers });
  }
  return withHeaders(response, read.text, headers);
}
