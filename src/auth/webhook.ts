import { HOP_BY_HOP_HEADERS, type WebhookConfig } from "../config";
import { AuthError, ErrorCode, GatewayError } from "../errors";
import type { Logger } from "../observability";
import { ADMIN_SECRET_HEADER, cappedStream, type FetchFn, type WaitUntil } from "../shared";
import type { HasuraClaims } from "./claims";
import { claimsOfAnswer, webhookFailed } from "./webhook-answer";
import { answerLifetimeSec, createWebhookCache, webhookCacheKey } from "./webhook-cache";

/** The GraphQL request a POST auth webhook is sent (Hasura's `request` object); absent outside /graphql. */
export interface WebhookRequest {
  /** The operation's text, when sent (absent for a stored document named by id). */
  query?: string;
  /** The operation's variables. */
  variables?: Record<string, unknown> | null;
  /** The operation's name. */
  operationName?: string | null;
}

/** Options of {@link createWebhookClient}. */
export interface WebhookClientOptions {
  /** Fetch for the hook. @default globalThis.fetch */
  fetch?: FetchFn;
  /** The isolate's logger. */
  log?: Logger;
  /** KV for `kvCache` (binding SCHEMA_CACHE). */
  kv?: KVNamespace;
  /** Prefix of the KV keys (tests isolate themselves with it). @default "" */
  kvPrefix?: string;
}

/** What one request gives the hook besides its headers. */
export interface WebhookCallInput {
  /** The GraphQL request (POST hooks only). */
  request?: WebhookRequest | null;
  /** Where background work (KV writes) is registered. */
  waitUntil?: WaitUntil;
}

/** Asks the auth webhook who the caller of one request is. */
export type WebhookClient = (headers: Headers, input?: WebhookCallInput) => Promise<HasuraClaims>;

/** The largest hook answer read, in bytes: session variables are a few hundred bytes. */
export const MAX_WEBHOOK_ANSWER_BYTES = 64 * 1024;

/**
 * Client headers never sent to the hook: hop-by-hop ones (and those a `Connection` header names, RFC
 * 9110 section 7.6.1), `host`, `content-length`, the WebSocket handshake's own, and the admin secret.
 */
const NEVER_FORWARDED: ReadonlySet<string> = new Set<string>([
  ...HOP_BY_HOP_HEADERS,
  "host",
  "content-length",
  ADMIN_SECRET_HEADER,
]);

/** How long past `timeoutMs` a request waits for an identical call under way before calling itself. */
const IN_FLIGHT_GRACE_MS = 100;

/**
 * Headers sent to the hook that carry no credentials and vary per request or per client software: left
 * out of the cache key, so repeated requests of one session share an entry. Every other header the
 * hook is sent keys it (an unknown header may be a credential: a hook reading `x-api-key` must never
 * answer one caller with another's session).
 */
const NOT_CREDENTIALS: ReadonlySet<string> = new Set([
  "accept",
  "accept-encoding",
  "accept-language",
  "baggage",
  "cache-control",
  "cdn-loop",
  "cf-connecting-ip",
  "cf-ipcountry",
  "cf-ray",
  "cf-visitor",
  "content-type",
  "dnt",
  "origin",
  "pragma",
  "priority",
  "referer",
  "traceparent",
  "tracestate",
  "true-client-ip",
  "user-agent",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-real-ip",
  "x-request-id",
]);

/** A request's outcome shared with identical requests that arrive while it runs. */
interface HookOutcome {
  claims?: HasuraClaims;
  /** Set when the answer was cached (only such an answer is handed to a request that joined). */
  cached?: boolean;
  error?: unknown;
}

/**
 * Creates the isolate's auth webhook client (Hasura's webhook mode).
 *
 * - GET: a GET to `url` with the client's headers, all but hop-by-hop ones, `host`, `content-length`,
 *   `sec-websocket-*` and `x-admin-secret`; with `forwardHeaders` only those (still never the admin
 *   secret). POST: a POST of `{ headers: { <the same, names lower-case> }, request }` where `request`
 *   is `{ query, variables, operationName }` or null (WebSocket connections, routes other than /graphql).
 *   Redirects are not followed (a 3xx fails), so credentials never go to another host.
 * - 200 with a JSON object: the session (see {@link claimsOfAnswer}); 401: the caller is refused; anything
 *   else, a timeout (`timeoutMs`, body included) or a network error fails the request with 500
 *   `AUTH_WEBHOOK_FAILED`, the details logged (status, never the body or credentials).
 * - Cache: 200 answers only, for the lifetime their `Cache-Control: max-age` or `Expires` gives (see
 *   {@link answerLifetimeSec}), at most `maxCacheSec`; key: SHA-256 of the method, the URL and the
 *   headers the hook is sent (all of `forwardHeaders`, or every forwarded header but those of
 *   {@link NOT_CREDENTIALS} and `sec-*`; the asked role included). In memory (1,000
 *   entries) and with `kvCache` in KV. Identical requests that arrive while a call runs wait for it and
 *   take its answer if it was cached, or its failure if the hook failed; otherwise they call the hook.
 *
 * @param config - the validated `auth.webhook`
 * @param options - fetch, logger, KV, the session header prefix
 * @returns the client; it rejects with AuthError `UNAUTHENTICATED` (401) when the hook answers 401 and
 *   `AUTH_WEBHOOK_FAILED` (500) as above
 * @see https://hasura.io/docs/latest/auth/authentication/webhook/
 */
export function createWebhookClient(config: WebhookConfig, options: WebhookClientOptions): WebhookClient {
  const log = options.log;
  const cache = createWebhookCache({
    kv: config.kvCache ? options.kv : undefined,
    kvPrefix: options.kvPrefix,
    log,
  });
  /** Calls under way by cache key, each with the time (ms) by which it must have settled. */
  const inFlight = new Map<string, { outcome: Promise<HookOutcome>; until: number }>();
  const where = safeUrl(config.url);

  /** The client headers the hook receives, names lower-case. */
  const forwarded = (headers: Headers): Array<[string, string]> => {
    const pairs: Array<[string, string]> = [];
    if (config.forwardHeaders !== undefined) {
      for (const name of config.forwardHeaders) {
        const value = headers.get(name);
        if (value !== null && !NEVER_FORWARDED.has(name)) pairs.push([name, value]);
      }
      return pairs;
    }
    const named = (headers.get("connection") ?? "").split(",").map((name) => name.trim().toLowerCase());
    headers.forEach((value, name) => {
      if (NEVER_FORWARDED.has(name) || named.includes(name) || name.startsWith("sec-websocket-")) return;
      pairs.push([name, value]);
    });
    return pairs;
  };

  /**
   * The headers whose values key the cache: every header the hook is sent, except those that never
   * carry credentials and change from request to request ({@link NOT_CREDENTIALS}, `sec-*`). A hook
   * reading any other header (an API key, a tenant id) so keys its answers by it too.
   */
  const credentials = (pairs: ReadonlyArray<[string, string]>): Array<[string, string]> =>
    pairs.filter(([name]) => !NOT_CREDENTIALS.has(name) && !name.startsWith("sec-"));

  /** One call of the hook, uncached, with the client headers it is sent (see `forwarded`). */
  const call = async (
    pairs: Array<[string, string]>,
    request: WebhookRequest | null,
  ): Promise<{ claims: HasuraClaims; lifetimeSec: number }> => {
    const init: RequestInit =
      config.method === "GET"
        ? { method: "GET", headers: pairs }
        : {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/json" },
            body: JSON.stringify({ headers: Object.fromEntries(pairs), request }),
          };
    const doFetch = options.fetch ?? globalThis.fetch;
    let response: Response;
    let text: string;
    try {
      response = await doFetch(config.url, {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      if (response.status === 401) {
        await response.body?.cancel();
        throw new AuthError(ErrorCode.UNAUTHENTICATED, "The auth webhook refused the request's credentials.");
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        log?.warn({ url: where, status: response.status, statusText: response.statusText }, "auth webhook failed");
        throw webhookFailed(`it answered ${response.status}`);
      }
      text = await readAnswer(response);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      log?.warn({ url: where, error: String(error), timedOut }, "auth webhook failed");
      throw webhookFailed(timedOut ? `no answer within ${config.timeoutMs} ms` : "it could not be reached", error);
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch (error) {
      log?.warn(
        { url: where, status: 200, contentType: response.headers.get("content-type") },
        "auth webhook answered no JSON",
      );
      throw webhookFailed("its answer is not JSON", error);
    }
    if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
      log?.warn({ url: where, status: 200 }, "auth webhook answered JSON that is not an object");
      throw webhookFailed("its answer is not a JSON object");
    }
    const claims = claimsOfAnswer(answer as Record<string, unknown>);
    const lifetimeSec = Math.min(answerLifetimeSec(response.headers, Date.now()) ?? 0, config.maxCacheSec);
    return { claims, lifetimeSec };
  };

  /** Calls the hook and caches a cacheable answer; never rejects (the outcome carries the error). */
  const callAndCache = async (
    key: string,
    pairs: Array<[string, string]>,
    input: WebhookCallInput | undefined,
  ): Promise<HookOutcome> => {
    try {
      const { claims, lifetimeSec } = await call(pairs, input?.request ?? null);
      if (lifetimeSec <= 0) return { claims };
      cache.set(key, claims, Date.now() + lifetimeSec * 1000, input?.waitUntil);
      return { claims, cached: true };
    } catch (error) {
      return { error };
    }
  };

  return async function askWebhook(headers, input) {
    const pairs = forwarded(headers);
    const key = webhookCacheKey(config.method, config.url, credentials(pairs));
    const hit = await cache.get(key);
    if (hit !== undefined) return hit;
    let running = inFlight.get(key);
    if (running !== undefined && Date.now() >= running.until) {
      // Past its own timeout: the request that started it went away (its promises may never settle).
      inFlight.delete(key);
      running = undefined;
    }
    if (running !== undefined) {
      // Wait for the identical call under way, at most until its own timeout.
      const shared = await Promise.race([running.outcome, delay(running.until - Date.now())]);
      if (shared?.cached === true && shared.claims !== undefined) return shared.claims;
      const failure = shared?.error;
      if (failure instanceof GatewayError && failure.code === ErrorCode.AUTH_WEBHOOK_FAILED) throw failure;
    }
    const outcome = callAndCache(key, pairs, input);
    if (!inFlight.has(key)) {
      const entry = { outcome, until: Date.now() + config.timeoutMs + IN_FLIGHT_GRACE_MS };
      inFlight.set(key, entry);
      void outcome.then(() => {
        if (inFlight.get(key) === entry) inFlight.delete(key);
      });
    }
    const { claims, error } = await outcome;
    if (claims === undefined) throw error;
    return claims;
  };
}

/** Resolves with undefined after `ms`. */
const delay = (ms: number): Promise<undefined> =>
  new Promise((resolve) => setTimeout(() => resolve(undefined), Math.max(0, ms)));

/** The hook's URL for logs: origin and path, never its query string or user info (they may hold secrets). */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

/**
 * The hook's answer as text, at most {@link MAX_WEBHOOK_ANSWER_BYTES}.
 * @throws AuthError `AUTH_WEBHOOK_FAILED` for a larger answer (not read past the limit)
 */
async function readAnswer(response: Response): Promise<string> {
  const tooLarge = () => webhookFailed(`its answer is larger than ${MAX_WEBHOOK_ANSWER_BYTES} bytes`);
  if (Number(response.headers.get("content-length") ?? "0") > MAX_WEBHOOK_ANSWER_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return "";
  return new Response(cappedStream(response.body, MAX_WEBHOOK_ANSWER_BYTES, tooLarge)).text();
}
