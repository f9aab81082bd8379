import { buildHTTPExecutor } from "@graphql-tools/executor-http";
import { type ExecutionRequest, type ExecutionResult, type Executor, isAsyncIterable } from "@graphql-tools/utils";
import { GraphQLError, print } from "graphql";
import type { RemoteConfig } from "../../config";
import { ErrorCode, UpstreamError } from "../../errors";
import { defaultFetch, exchangeText } from "../transport";
import { requestHeaders, wantsGatewayToken } from "./headers";

/** A `fetch` with the standard signature; injected so tests and benchmarks can wrap it. */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * What an upstream call needs from the GraphQL context of the request it serves. The gateway's
 * GraphQL context implements it (see `src/graphql/context.ts`).
 */
export interface UpstreamContext {
  /** The client's request headers (for `forwardClientHeaders`). */
  clientHeaders: Headers;
  /** Sent to upstreams as `x-request-id`. */
  requestId: string;
  /** Receives every `Set-Cookie` value of every upstream response, in arrival order. */
  responseCookies: string[];
  /** The caller's session variables as headers, named with the forwarding prefix (`x-hasura-user-id`). */
  sessionHeaders?: Record<string, string>;
  /** `auth.sessionHeaderPrefix`; client headers with it are never forwarded. @default "x-hasura-" */
  sessionHeaderPrefix?: string;
  /** The caller's session variables by Hasura name (`x-hasura-user-id`), for REST `{session.x}` templates. */
  session?: { readonly variables: Readonly<Record<string, string>> };
  /**
   * The `x-gateway-token` for the upstream named `audience` (a JWT signed by the gateway, `aud` =
   * `audience`), signed at most once per audience per request. Resolves `undefined` when the gateway has
   * no token key (neither `GATEWAY_TOKEN_SECRET` nor `GATEWAY_TOKEN_PRIVATE_KEY` is set).
   *
   * @throws GatewayError `INVALID_CONFIG` (as a rejection) when the key cannot be imported
   * @see src/auth/gateway-token.ts
   */
  gatewayToken?: (audience: string) => Promise<string | undefined>;
}

/** Whether a GraphQL context carries what upstream calls need (the gateway's does; introspection's has none). */
export const isUpstreamContext = (value: unknown): value is UpstreamContext =>
  typeof value === "object" && value !== null && "clientHeaders" in value && "responseCookies" in value;

/** Options of {@link createRemoteExecutor}. */
export interface RemoteExecutorOptions {
  /** The fetch used for upstream calls. @default globalThis.fetch */
  fetch?: FetchFn;
  /** Headers for this executor; when absent they are computed per request context. */
  headers?: Record<string, string>;
  /**
   * Sent as `x-gateway-token` when `headers` is absent, unless the remote's configured `headers` set that
   * header. A client's own `x-gateway-token` is never forwarded. @default none
   */
  gatewayToken?: string;
}

/** One upstream exchange that answered JSON: its status, content type and body text. */
interface JsonAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * One HTTP exchange with a remote ({@link exchangeText}: bounded by `timeoutMs`, `Set-Cookie` collected),
 * its transport failures and non-JSON answers turned into GraphQL errors with an UPSTREAM_* code and
 * `serviceName`. The upstream body is never put into an error.
 * @throws GraphQLError UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE (no connection, or 5xx that is not JSON),
 *   UPSTREAM_HTTP_ERROR (other non-2xx that is not JSON), UPSTREAM_INVALID_RESPONSE (2xx that is not JSON)
 */
async function exchange(
  remote: RemoteConfig,
  fetchFn: FetchFn,
  cookies: string[] | undefined,
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<JsonAnswer> {
  const fail = (code: ErrorCode, message: string, status?: number, cause?: unknown): never => {
    throw new UpstreamError(code, remote.name, message, { upstreamStatus: status, cause }).toGraphQLError();
  };
  const answer = await exchangeText(fetchFn, input, init, remote.timeoutMs, cookies);
  if (!answer.ok) {
    if (answer.timedOut) {
      return fail(
        ErrorCode.UPSTREAM_TIMEOUT,
        `Remote schema "${remote.name}" did not answer within ${remote.timeoutMs} ms`,
        undefined,
        answer.cause,
      );
    }
    return fail(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `Remote schema "${remote.name}" is unreachable`,
      undefined,
      answer.cause,
    );
  }
  const { response, text } = answer;
  const contentType = response.headers.get("content-type") ?? "";
  const json = /\bjson\b/i.test(contentType);
  if (!json && response.status >= 500) {
    return fail(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `Remote schema "${remote.name}" failed with HTTP ${response.status}`,
      response.status,
    );
  }
  if (!json && !response.ok) {
    return fail(
      ErrorCode.UPSTREAM_HTTP_ERROR,
      `Remote schema "${remote.name}" answered HTTP ${response.status}`,
      response.status,
    );
  }
  if (!json) {
    return fail(
      ErrorCode.UPSTREAM_INVALID_RESPONSE,
      `Remote schema "${remote.name}" answered with ${contentType.split(";")[0] || "no content type"}, not JSON`,
      response.status,
    );
  }
  return { status: response.status, contentType, text };
}

/**
 * The `fetch` given to executor-http: {@link exchange}, its JSON answer handed back as a Response
 * (executor-http passes the GraphQLErrors it throws through unchanged).
 */
function createUpstreamFetch(remote: RemoteConfig, fetchFn: FetchFn, cookies?: string[]): FetchFn {
  return async function upstreamFetch(input, init) {
    const answer = await exchange(remote, fetchFn, cookies, input, init);
    return new Response(answer.text, { status: answer.status, headers: { "content-type": answer.contentType } });
  };
}

/**
 * Rewrites the errors of one upstream result: our own UPSTREAM_* errors stay; executor-http's
 * parse/transport errors (which embed the upstream body) become UPSTREAM_INVALID_RESPONSE or
 * UPSTREAM_UNAVAILABLE; upstream GraphQL errors keep message, path and extensions and gain
 * `extensions.serviceName`.
 */
function labelErrors(result: ExecutionResult, remoteName: string): ExecutionResult {
  if (result.errors === undefined || result.errors.length === 0) return result;
  const errors = result.errors.map((error) => {
    if (error.originalError instanceof UpstreamError) return error;
    const code = error.extensions?.code;
    if (code === "RESPONSE_VALIDATION_FAILED" || code === "SUBREQUEST_HTTP_ERROR") {
      const response = error.extensions?.response as { status?: number } | undefined;
      const status = response?.status;
      const unavailable = code === "SUBREQUEST_HTTP_ERROR" || (status !== undefined && status >= 500);
      return new UpstreamError(
        unavailable ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_INVALID_RESPONSE,
        remoteName,
        unavailable
          ? `Remote schema "${remoteName}" failed${status === undefined ? "" : ` with HTTP ${status}`}`
          : `Remote schema "${remoteName}" answered with a body that is not a GraphQL response`,
        { upstreamStatus: status },
      ).toGraphQLError(error.path);
    }
    return new GraphQLError(error.message, {
      path: error.path,
      extensions: { ...error.extensions, serviceName: remoteName },
    });
  });
  return { ...result, errors };
}

/**
 * Builds an executor for one remote schema with @graphql-tools/executor-http. In-flight dedupe across
 * requests is off: a Worker must not share I/O between requests.
 *
 * Headers, highest precedence first: configured `headers` > `x-gateway-token` (`options.gatewayToken`) >
 * session variables > `x-request-id` > forwarded client headers; a client's `x-gateway-token` is dropped.
 *
 * @param remote - the remote's validated config
 * @param context - the request context it serves (headers, cookies); absent for introspection
 * @param options - fetch, fixed headers, and the gateway token of this request
 * @returns an executor whose errors carry `extensions.serviceName` and UPSTREAM_* codes
 * @see https://the-guild.dev/graphql/tools/docs/remote-schemas
 */
export function createRemoteExecutor(
  remote: RemoteConfig,
  context: UpstreamContext | undefined,
  options: RemoteExecutorOptions = {},
): Executor {
  const headers = options.headers ?? requestHeaders(remote, context, options.gatewayToken);
  const executor = buildHTTPExecutor({
    endpoint: remote.url,
    headers,
    fetch: createUpstreamFetch(remote, options.fetch ?? defaultFetch, context?.responseCookies),
    deduplicateInflightRequests: false,
  });
  return async function remoteExecutor(request: ExecutionRequest) {
    const result = await executor(request);
    if (isAsyncIterable(result)) return result;
    return labelErrors(result, remote.name);
  } as Executor;
}

/**
 * The executor a subschema keeps for the life of the isolate. It holds no I/O itself: per request
 * context it builds (once) a {@link createRemoteExecutor} bound to that request, so abort
 * controllers and streams never cross requests ("Cannot perform I/O on behalf of a different request").
 *
 * Unless the remote has `gatewayToken: false` (or configures `x-gateway-token` in its `headers`), that
 * per-request executor is built after awaiting `context.gatewayToken(remote.name)` once, and every call
 * of the request sends the token as `x-gateway-token`. A call without a request context (introspection)
 * carries no token.
 *
 * @param remote - the remote's validated config
 * @param fetchFn - the fetch for upstream calls
 * @returns an executor to put in the subschema config; it rejects with the signer's GatewayError
 *   (`INVALID_CONFIG`) when the token cannot be signed
 */
export function createContextualExecutor(remote: RemoteConfig, fetchFn?: FetchFn): Executor {
  const perContext = new WeakMap<object, Executor | Promise<Executor>>();
  const wantsToken = wantsGatewayToken(remote);
  return function contextualExecutor(request: ExecutionRequest) {
    const context = isUpstreamContext(request.context) ? request.context : undefined;
    if (context === undefined) return createRemoteExecutor(remote, undefined, { fetch: fetchFn })(request);
    let executor = perContext.get(context);
    if (executor === undefined) {
      const sign = wantsToken ? context.gatewayToken : undefined;
      executor =
        sign === undefined
          ? createRemoteExecutor(remote, context, { fetch: fetchFn })
          : sign(remote.name).then((gatewayToken) =>
              createRemoteExecutor(remote, context, { fetch: fetchFn, gatewayToken }),
            );
      perContext.set(context, executor);
    }
    return typeof executor === "function" ? executor(request) : executor.then((ready) => ready(request));
  };
}

const GRAPHQL_ACCEPT = "application/graphql-response+json, application/json";

/** An answer that starts as a GraphQL response with data. */
const DATA_FIRST = /^\s*\{\s*"data"\s*:/;

/**
 * An answer that certainly has no errors and no extensions (neither word appears anywhere in it) is
 * given to the client byte for byte: Yoga writes it with the result's own `stringify` (the answer's
 * text), and `data` is parsed only if something reads it. Anything else is parsed and checked.
 * @param text - the upstream's JSON answer
 * @returns the result, or undefined when the answer needs parsing
 */
function rawResult(text: string): ExecutionResult | undefined {
  if (!DATA_FIRST.test(text) || text.includes('"errors"') || text.includes('"extensions"')) return undefined;
  let data: ExecutionResult["data"];
  return {
    get data() {
      data ??= (JSON.parse(text) as ExecutionResult).data;
      return data;
    },
    stringify: () => text,
  } as ExecutionResult;
}

/**
 * A lean executor for operations sent to a remote as the client wrote them (see the passthrough
 * plugin): one POST of the operation's source text, the JSON answer parsed at most once (not at all
 * when it has no errors, see rawResult), with the same headers,
 * gateway token, timeout, cookies and error rules as {@link createContextualExecutor}, without
 * executor-http's per-request setup.
 *
 * @param remote - the remote's validated config
 * @param fetchFn - the fetch for upstream calls
 * @returns an executor whose result's errors carry `extensions.serviceName`; transport failures come
 *   back as a result with one unlocated UPSTREAM_* error (never a rejection)
 */
export function createPassthroughExecutor(remote: RemoteConfig, fetchFn: FetchFn = defaultFetch): Executor {
  const wantsToken = wantsGatewayToken(remote);
  return async function passthroughExecutor(request: ExecutionRequest): Promise<ExecutionResult> {
    const context = isUpstreamContext(request.context) ? request.context : undefined;
    try {
      const gatewayToken = wantsToken ? await context?.gatewayToken?.(remote.name) : undefined;
      const headers = requestHeaders(remote, context, gatewayToken);
      const body = JSON.stringify({
        query: request.document.loc?.source.body ?? print(request.document),
        variables: request.variables,
        operationName: request.operationName,
      });
      const answer = await exchange(remote, fetchFn, context?.responseCookies, remote.url, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", accept: GRAPHQL_ACCEPT },
        body,
      });
      const raw = rawResult(answer.text);
      if (raw !== undefined) return raw;
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.text);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== "object" || (!("data" in parsed) && !("errors" in parsed))) {
        const unavailable = answer.status >= 500;
        throw new UpstreamError(
          unavailable ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_INVALID_RESPONSE,
          remote.name,
          unavailable
            ? `Remote schema "${remote.name}" failed with HTTP ${answer.status}`
            : `Remote schema "${remote.name}" answered with a body that is not a GraphQL response`,
          { upstreamStatus: answer.status },
        ).toGraphQLError();
      }
      return labelErrors(parsed as ExecutionResult, remote.name);
    } catch (error) {
      if (error instanceof GraphQLError) return { errors: [error] };
      throw error;
    }
  };
}
