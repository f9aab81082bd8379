import { buildHTTPExecutor } from "@graphql-tools/executor-http";
import {
  type ExecutionRequest,
  type ExecutionResult,
  type Executor,
  getOperationASTFromRequest,
  isAsyncIterable,
} from "@graphql-tools/utils";
import { GraphQLError, type GraphQLFormattedError, type GraphQLResolveInfo, getOperationAST, print } from "graphql";
import type { RemoteConfig } from "../../config";
import { ErrorCode, GatewayError, UpstreamError } from "../../errors";
import {
  isUpstreamContext,
  type PassthroughAnswer,
  type PassthroughCall,
  type PassthroughExecutor,
  type UpstreamContext,
} from "../../shared";
import type { UpstreamAnswer, UpstreamConfig, UpstreamOperationType, UpstreamPipeline } from "../../upstream";
import { subscribeOverHttp } from "../rest";

/**
 * One call to a remote through the upstream pipeline (header rules, gateway token, timeout, cookies,
 * error mapping are the pipeline's plugins).
 * @param pipeline - the isolate's upstream pipeline
 * @param upstream - the remote's config (or its introspection variant)
 * @param context - the request served; undefined for introspection
 * @param input - URL (executor-http may hand a Request)
 * @param init - method, body, the caller's own headers, signal
 * @param operation - the client's operation name, if known
 * @param operationType - the type of the operation sent (only queries are retried)
 * @returns the answer, body unread
 * @throws UpstreamError UPSTREAM_* ; UpstreamError INVALID_CONFIG when the gateway token cannot be signed
 */
function callRemote(
  pipeline: UpstreamPipeline,
  upstream: UpstreamConfig,
  context: UpstreamContext | undefined,
  input: string | URL | Request,
  init: RequestInit | undefined,
  operation: string | undefined,
  operationType: UpstreamOperationType | undefined,
): Promise<UpstreamAnswer> {
  return pipeline.call({
    operation,
    operationType,
    kind: "remote",
    upstream,
    url: typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
    method: init?.method ?? "POST",
    headers: new Headers(init?.headers),
    body: init?.body,
    label: `Remote schema "${upstream.name}"`,
    context,
    signal: init?.signal ?? undefined,
  });
}

/** What a remote's `exposeErrorExtensions` lets through: extension keys besides `code`, or `true` for all. */
type ExposedExtensions = readonly string[] | true | undefined;

/** Extension keys that never reach a client, whatever `exposeErrorExtensions` says: stack traces. */
const NEVER_EXPOSED = new Set(["stacktrace", "stackTrace", "stack"]);

/**
 * The extensions of an upstream GraphQL error as the client sees them: `code` (when the upstream gave
 * one), the keys `exposeErrorExtensions` lists (all with `true`), then `serviceName`. A stack trace never
 * passes: `stacktrace`/`stack` keys are dropped, also inside an `exception` object (Apollo Server 2).
 * @param extensions - the upstream error's extensions
 * @param expose - the remote's `exposeErrorExtensions`
 * @param remoteName - the remote's name
 * @returns the public extensions
 */
function publicExtensions(
  extensions: Readonly<Record<string, unknown>> | undefined,
  expose: ExposedExtensions,
  remoteName: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = extensions ?? {};
  const keys = expose === true ? Object.keys(source) : ["code", ...(expose ?? [])];
  for (const key of keys) {
    if (NEVER_EXPOSED.has(key) || !Object.hasOwn(source, key)) continue;
    const value = source[key];
    if (key === "exception" && value !== null && typeof value === "object" && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).filter(([inner]) => !NEVER_EXPOSED.has(inner)));
    } else {
      out[key] = value;
    }
  }
  out.serviceName = remoteName;
  return out;
}

/**
 * Rewrites the errors of one upstream result: our own errors (UPSTREAM_*, the gateway token's
 * INVALID_CONFIG) stay, also when executor-http wrapped one it met reading the body (the response-size
 * plugin's UPSTREAM_RESPONSE_TOO_LARGE): then only ours is kept, never executor-http's extensions;
 * executor-http's parse/transport errors (which embed the upstream body) become
 * UPSTREAM_INVALID_RESPONSE or UPSTREAM_UNAVAILABLE; upstream GraphQL errors keep message and path, and
 * of their extensions only `code` and what `exposeErrorExtensions` lists (see publicExtensions), plus
 * `extensions.serviceName`.
 */
function labelErrors(result: ExecutionResult, remoteName: string, expose: ExposedExtensions): ExecutionResult {
  if (result.errors === undefined || result.errors.length === 0) return result;
  const errors = result.errors.map((error) => {
    const original = error.originalError;
    if (original instanceof GatewayError) {
      return error.extensions?.code === original.code ? error : original.toGraphQLError(error.path);
    }
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
      extensions: publicExtensions(error.extensions, expose, remoteName),
    });
  });
  return { ...result, errors };
}

/**
 * The errors a remote's subscription ended with, as clients see them: the message, and the extensions
 * of {@link publicExtensions} (`code`, what `exposeErrorExtensions` lists, `serviceName`). Paths and
 * locations are the upstream document's, meaningless to the client, and dropped.
 * @param errors - the upstream's errors (an `error` message's payload, or a result's `errors`)
 * @param remote - the remote's name and `exposeErrorExtensions`
 * @returns the errors to send
 */
export function publicRemoteErrors(
  errors: readonly GraphQLFormattedError[],
  remote: { name: string; exposeErrorExtensions?: readonly string[] | true },
): GraphQLFormattedError[] {
  return errors.map((error) => ({
    message: typeof error?.message === "string" ? error.message : "Subscription failed",
    extensions: publicExtensions(error?.extensions, remote.exposeErrorExtensions, remote.name),
  }));
}

/**
 * A subscription the stitched schema delegates to a remote goes to the request's `remoteSubscribe` (the
 * realtime shard's), called at once (so a shard capturing the request sees it without iterating), each
 * result's errors labelled like a query's.
 * @param remote - the remote's config
 * @param request - the delegated subscription
 * @param subscribe - the request context's `remoteSubscribe`
 * @returns the labelled results
 */
function subscribeRemote(
  remote: RemoteConfig,
  request: ExecutionRequest,
  subscribe: NonNullable<UpstreamContext["remoteSubscribe"]>,
): AsyncIterable<ExecutionResult> {
  const results = subscribe(remote.name, {
    document: request.document,
    variables: request.variables as Record<string, unknown> | undefined,
    operationName: request.operationName,
  });
  return (async function* labelled() {
    for await (const result of results) yield labelErrors(result, remote.name, remote.exposeErrorExtensions);
  })();
}

/** What executor-http hands our fetch as its context: the one call's facts. */
interface RemoteCall {
  operationType: UpstreamOperationType;
}

/**
 * Builds an executor for one remote schema with @graphql-tools/executor-http, its fetch being the
 * upstream pipeline. In-flight dedupe across requests is off: a Worker must not share I/O between requests.
 *
 * @param remote - the remote's config (for introspection: its introspection headers, nothing forwarded);
 *   `exposeErrorExtensions` (default: only `code`) says which upstream error extensions pass
 * @param pipeline - the isolate's upstream pipeline
 * @param context - the request context it serves; absent for introspection
 * @returns an executor whose errors carry `extensions.serviceName` and UPSTREAM_* codes
 * @see https://the-guild.dev/graphql/tools/docs/remote-schemas
 */
export function createRemoteExecutor(
  remote: UpstreamConfig & { url: string; exposeErrorExtensions?: readonly string[] | true },
  pipeline: UpstreamPipeline,
  context: UpstreamContext | undefined,
): Executor {
  // executor-http calls fetch with the execution request's context and info as third and fourth
  // arguments; remoteExecutor below makes that context the call's own (its operation type).
  const fetchThroughPipeline = async (
    input: string | URL | Request,
    init?: RequestInit,
    call?: unknown,
    info?: GraphQLResolveInfo,
  ): Promise<Response> => {
    const operationType = (call as RemoteCall | undefined)?.operationType;
    try {
      return (await callRemote(pipeline, remote, context, input, init, info?.operation.name?.value, operationType))
        .response;
    } catch (error) {
      // executor-http passes GraphQLErrors through unchanged; anything else it would wrap.
      if (error instanceof GatewayError) throw error.toGraphQLError();
      throw error;
    }
  };
  const executor = buildHTTPExecutor({
    endpoint: remote.url,
    fetch: fetchThroughPipeline,
    deduplicateInflightRequests: false,
  });
  return async function remoteExecutor(request: ExecutionRequest) {
    // The type of the operation sent upstream (a merged-type lookup inside a mutation is a query).
    const call: RemoteCall = { operationType: request.operationType ?? getOperationASTFromRequest(request).operation };
    const result = await executor({ ...request, context: call });
    if (isAsyncIterable(result)) return result;
    return labelErrors(result, remote.name, remote.exposeErrorExtensions);
  } as Executor;
}

/**
 * The executor a subschema keeps for the life of the isolate. It holds no I/O itself: per request
 * context it builds (once) a {@link createRemoteExecutor} bound to that request, so abort
 * controllers and streams never cross requests ("Cannot perform I/O on behalf of a different request").
 * A call without a request context (introspection) gets a fresh one. A subscription never goes out from
 * here: it goes to the request context's `remoteSubscribe` (the realtime shards hold one upstream
 * subscription per distinct subscription, src/streams).
 *
 * @param remote - the remote's validated config
 * @param pipeline - the isolate's upstream pipeline
 * @returns an executor to put in the subschema config
 * @throws GraphQLError SUBSCRIPTION_TRANSPORT_REQUIRED (HTTP 400) for a subscription outside the realtime shards
 */
export function createContextualExecutor(remote: RemoteConfig, pipeline: UpstreamPipeline): Executor {
  const perContext = new WeakMap<object, Executor>();
  return function contextualExecutor(request: ExecutionRequest) {
    const context = isUpstreamContext(request.context) ? request.context : undefined;
    if ((request.operationType ?? getOperationASTFromRequest(request).operation) === "subscription") {
      // Outside the realtime shards (a plain HTTP request), subscriptions are refused.
      if (context?.remoteSubscribe === undefined) subscribeOverHttp();
      return subscribeRemote(remote, request, context.remoteSubscribe);
    }
    if (context === undefined) return createRemoteExecutor(remote, pipeline, undefined)(request);
    let executor = perContext.get(context);
    if (executor === undefined) {
      executor = createRemoteExecutor(remote, pipeline, context);
      perContext.set(context, executor);
    }
    return executor(request);
  };
}

const GRAPHQL_ACCEPT = "application/graphql-response+json, application/json";

/** Decodes answers as `Response.text()` does: a BOM is dropped, malformed bytes become U+FFFD. */
const UTF8 = new TextDecoder();
/** Decodes answers that may go on as bytes: a BOM is kept (it fails DATA_FIRST), malformed bytes throw. */
const EXACT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The text of an answer, and whether that text is exactly its bytes (well-formed UTF-8, no BOM), so
 * the bytes may stand for it.
 * @param bytes - the answer's bytes
 */
function decode(bytes: Uint8Array<ArrayBuffer>): { text: string; exact: boolean } {
  try {
    const text = EXACT_UTF8.decode(bytes);
    if (text.charCodeAt(0) !== 0xfeff) return { text, exact: true };
  } catch {
    // Malformed UTF-8: decoded leniently below, never passed on as bytes.
  }
  return { text: UTF8.decode(bytes), exact: false };
}

/** An answer that starts as a GraphQL response with data (JSON whitespace only before it). */
const DATA_FIRST = /^[ \t\r\n]*\{[ \t\r\n]*"data"[ \t\r\n]*:/;

/**
 * Whether an answer certainly has no errors and no extensions: it starts as `{"data":`, neither word
 * appears anywhere in it as a JSON string, and it has no `\u` escape (which could spell either key
 * another way), so it can go to the client byte for byte. Anything else is parsed.
 * @param text - the upstream's JSON answer
 */
const isRawAnswer = (text: string): boolean =>
  DATA_FIRST.test(text) && !text.includes('"errors"') && !text.includes('"extensions"') && !text.includes("\\u");

/**
 * An answer of {@link isRawAnswer} as a result: Yoga writes it with the result's own `stringify` (the
 * answer's text), and `data` is parsed only if something reads it.
 * @param text - the upstream's JSON answer
 * @returns the result
 */
function rawResult(text: string): ExecutionResult {
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
 * plugin): one POST of the operation's source text through the upstream pipeline (same headers,
 * gateway token, timeout, cookies and error rules as {@link createContextualExecutor}), the JSON
 * answer parsed at most once (not at all when it has no errors, see isRawAnswer), without executor-http's
 * per-request setup.
 * Its `send` is the same call for the fast lane (src/fastlane), which gives an answer without errors
 * to the client unread, and for query plans (src/plans), which ask it to parse every answer (`parse`).
 *
 * @param remote - the remote's validated config
 * @param pipeline - the isolate's upstream pipeline
 * @returns an executor whose result's errors carry `extensions.serviceName`; upstream failures come
 *   back as a result with one unlocated UPSTREAM_* error (never a rejection); it rejects with the
 *   gateway token's GatewayError INVALID_CONFIG
 */
export function createPassthroughExecutor(remote: RemoteConfig, pipeline: UpstreamPipeline): PassthroughExecutor {
  async function send(call: PassthroughCall): Promise<PassthroughAnswer> {
    try {
      const body = JSON.stringify({ query: call.query, variables: call.variables, operationName: call.operationName });
      const init = { method: "POST", headers: { "content-type": "application/json", accept: GRAPHQL_ACCEPT }, body };
      const answer = await callRemote(
        pipeline,
        remote,
        call.context,
        remote.url,
        init,
        call.operationName,
        call.operationType,
      );
      // Bytes, decoded once to look for errors: an answer without them goes on as the bytes read.
      const bytes = await answer.bytes();
      const { text, exact } = decode(bytes);
      // A query plan reads every answer (`parse`): parse it here, where a broken body gets its code.
      if (call.parse !== true && exact && isRawAnswer(text)) return { raw: text, bytes };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed === null || typeof parsed !== "object" || (!("data" in parsed) && !("errors" in parsed))) {
        const status = answer.response.status;
        const unavailable = status >= 500;
        throw new UpstreamError(
          unavailable ? ErrorCode.UPSTREAM_UNAVAILABLE : ErrorCode.UPSTREAM_INVALID_RESPONSE,
          remote.name,
          unavailable
            ? `Remote schema "${remote.name}" failed with HTTP ${status}`
            : `Remote schema "${remote.name}" answered with a body that is not a GraphQL response`,
          { upstreamStatus: status },
        );
      }
      return { result: labelErrors(parsed as ExecutionResult, remote.name, remote.exposeErrorExtensions) };
    } catch (error) {
      if (error instanceof UpstreamError) return { result: { errors: [error.toGraphQLError()] } };
      throw error;
    }
  }
  async function passthroughExecutor(request: ExecutionRequest): Promise<ExecutionResult> {
    const operationType = request.operationType ?? getOperationAST(request.document, request.operationName)?.operation;
    const answer = await send({
      query: request.document.loc?.source.body ?? print(request.document),
      variables: request.variables,
      operationName: request.operationName,
      operationType: operationType === "subscription" ? undefined : operationType,
      context: isUpstreamContext(request.context) ? request.context : undefined,
    });
    return answer.raw === undefined ? answer.result : rawResult(answer.raw);
  }
  return Object.assign(passthroughExecutor as Executor, { send });
}
