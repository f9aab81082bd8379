import { type GraphQLSchema, parse, printSchema } from "graphql";
import { presetVariablesOf } from "../auth";
import type { ResponseCacheConfig } from "../config";
import type { Logger } from "../observability";
import { type Session, sha256Hex, USER_ID_VARIABLE, type WaitUntil } from "../shared";
import type { CacheHints } from "./hints";
import { type CachePolicy, operationPolicy } from "./policy";
import { cloudflarePurgeTarget, purgeTagsEverywhere } from "./purge";
import { CACHE_ORIGIN, defaultCache, purgeAll, purgeTags } from "./store";
import { allTag, type EntityRef, entityTag, typeTag } from "./tags";
import { type ForwardedHeaders, forwardedHeaderKey } from "./vary";

/** Policies kept per schema (documents); the table is emptied when full. */
const MAX_POLICIES = 2000;

/** What identifies one cached answer besides the document (see {@link ResponseCache.answerKey}). */
export interface AnswerKeyInput {
  /** The schema the caller's role sees. */
  schema: GraphQLSchema;
  /** SHA-256 hex of the document's text. */
  textHash: string;
  /** The requested operation name. */
  operationName: string | null | undefined;
  /** The client's variables. */
  variables: unknown;
  /** The caller's session (role; user id for PRIVATE). */
  session: Session;
  /** The policy (its scope decides whether the user id is part of the key). */
  policy: CachePolicy;
  /** The request's `Accept` header (the answer's media type depends on it). */
  accept: string;
  /** The client's headers: those forwarded to upstreams are part of the key (vary.ts). */
  headers: Headers;
}

/** What a purge asks for (`POST /admin/cache/purge`, mutations). */
export interface PurgeRequest {
  /** Types whose answers go (every answer whose selection may return the type, or that contains one). */
  types?: readonly string[];
  /** Entities whose answers go. */
  entities?: readonly EntityRef[];
  /** Everything of this gateway. */
  all?: boolean;
}

/** The response cache of one gateway (see {@link createResponseCache}). */
export interface ResponseCache {
  /** Whether anything may be cached: the `responseCache` key is set or an SDL file has `@cacheControl`. */
  enabled: boolean;
  /** The namespace (the gateway's KV prefix) in every key and tag. */
  namespace: string;
  /** `responseCache.keyFields`: entity key field per type (default `id`). */
  keyFields: Readonly<Record<string, string>>;
  /**
   * The policy of a document's operation for a schema, computed once per (schema object, document text,
   * operation name) and kept: the hit path of a known document does not parse it.
   * @param schema - the caller's role schema
   * @param text - the document's text
   * @param operationName - the requested operation
   * @returns the policy and the text's SHA-256 hex
   */
  policyOf(
    schema: GraphQLSchema,
    text: string,
    operationName: string | null | undefined,
  ): Promise<{ policy: CachePolicy; textHash: string }>;
  /**
   * The synthetic URL an answer is stored under: a SHA-256 over the namespace, the schema's hash (its printed
   * SDL, once per schema object), the config's hash, the document hash, the operation name, the variables (keys sorted), the
   * role and how the caller was identified, the Accept header, the client headers forwarded to upstreams, for PRIVATE the user id, and the values of
   * the session variables the selected fields' `@preset` arguments read.
   * @param input - the pieces
   * @returns the URL
   */
  answerKey(input: AnswerKeyInput): Promise<string>;
  /**
   * Purges, in this data centre, the answers a request names; and when `CF_API_TOKEN` and a zone are set,
   * their tags everywhere through Cloudflare's API (in `waitUntil`). `all` makes every answer of this data
   * centre stale (a new generation) and, through the API, purges the gateway's tag every stored answer
   * carries ({@link allTag}).
   * @param request - types, entities, all
   * @param env - the Worker's bindings
   * @param waitUntil - background work of the request
   * @param log - the request's logger
   * @returns how many answers were deleted here (not counting `all`) and whether the API was called
   */
  purge(
    request: PurgeRequest,
    env: Env,
    waitUntil: WaitUntil,
    log: Logger,
  ): Promise<{ deleted: number; tags: string[]; everywhere: boolean }>;
}

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** The merged hints (hints.ts). */
  hints: CacheHints;
  /** `responseCache`, or undefined without the key. */
  config: ResponseCacheConfig | undefined;
  /** Whether schemas/*.graphql hold any `@cacheControl`. */
  sdlHints: boolean;
  /** The gateway's KV prefix. @default "junction:" */
  namespace?: string;
  /** Fetch for Cloudflare's API. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The client headers some upstream receives (vary.ts's forwardedHeaders of the config). @default [] */
  forwardedHeaders?: ForwardedHeaders;
  /** `auth.sessionHeaderPrefix`. @default "x-hasura-" */
  sessionHeaderPrefix?: string;
  /**
   * The whole validated config (JSON-serialisable): part of every key, so a new config (limits,
   * permissions, remotes) never serves answers made under the old one. @default none
   */
  configFingerprint?: unknown;
}

/** JSON with object keys sorted, so variables given in another order share a key. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")}}`;
}

/**
 * Creates a gateway's response cache: hints, per-schema policies and key hashing, and purges. Storage is
 * the Cache API of the data centre (store.ts); nothing is cached while {@link ResponseCache.enabled} is false.
 * @param options - hints, config, namespace
 * @returns the cache
 */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const namespace = options.namespace ?? "junction:";
  const policies = new WeakMap<GraphQLSchema, Map<string, CachePolicy>>();
  const schemaHashes = new WeakMap<GraphQLSchema, Promise<string>>();
  const schemaHash = (schema: GraphQLSchema): Promise<string> => {
    let hash = schemaHashes.get(schema);
    if (hash === undefined) {
      hash = sha256Hex(printSchema(schema));
      schemaHashes.set(schema, hash);
    }
    return hash;
  };
  const hintsHash = JSON.stringify([
    [...options.hints.types].sort(),
    [...options.hints.fields].sort(),
    options.hints.defaultMaxAge,
  ]);
  // Hashed once per gateway, on the first key.
  let configDigest: Promise<string> | undefined;
  const configHash = (): Promise<string> => {
    configDigest ??= sha256Hex(JSON.stringify(options.configFingerprint ?? null));
    return configDigest;
  };
  return {
    enabled: options.config !== undefined || options.sdlHints,
    namespace,
    keyFields: options.config?.keyFields ?? {},
    async policyOf(schema, text, operationName) {
      const textHash = await sha256Hex(text);
      let table = policies.get(schema);
      if (table === undefined) {
        table = new Map();
        policies.set(schema, table);
      }
      const id = `${textHash}\n${operationName ?? ""}`;
      let policy = table.get(id);
      if (policy === undefined) {
        try {
          const document = parse(text, { noLocation: true });
          policy = operationPolicy(schema, document, operationName, options.hints, presetVariablesOf(schema));
        } catch {
          policy = { kind: null, maxAge: 0, scope: "PUBLIC", types: [], sessionVariables: [] };
        }
        if (table.size >= MAX_POLICIES) table.clear();
        table.set(id, policy);
      }
      return { policy, textHash };
    },
    async answerKey(input) {
      const user = input.policy.scope === "PRIVATE" ? (input.session.variables[USER_ID_VARIABLE] ?? "") : "";
      const digest = await sha256Hex(
        [
          namespace,
          await schemaHash(input.schema),
          await configHash(),
          hintsHash,
          input.textHash,
          input.operationName ?? "",
          canonicalJson(input.variables ?? null),
          input.session.source,
          input.session.role ?? "",
          input.accept,
          forwardedHeaderKey(input.headers, options.forwardedHeaders ?? [], options.sessionHeaderPrefix),
          input.policy.scope,
          user,
          canonicalJson(input.policy.sessionVariables.map((name) => [name, input.session.variables[name] ?? null])),
        ].join("\n"),
      );
      return `${CACHE_ORIGIN}/answers/${digest}`;
    },
    async purge(request, env, waitUntil, log) {
      const cache = defaultCache();
      const typeTags = (request.types ?? []).map((name) => typeTag(namespace, name));
      const entityTags = (request.entities ?? []).map((entity) => entityTag(namespace, entity));
      const tags = [...typeTags, ...entityTags];
      let deleted = 0;
      if (cache !== undefined) {
        // Types are not indexed here (see http.ts): purging one empties this data centre's answers.
        if (request.all === true || typeTags.length > 0) await purgeAll(cache, namespace, Date.now());
        if (entityTags.length > 0) deleted = await purgeTags(cache, namespace, entityTags);
      }
      const target = cloudflarePurgeTarget(env, options.config?.zoneId);
      const remote = request.all === true ? [...tags, allTag(namespace)] : tags;
      const everywhere = target !== undefined && remote.length > 0;
      if (everywhere) waitUntil(purgeTagsEverywhere(target, remote, log, options.fetch));
      return { deleted, tags, everywhere };
    },
  };
}
