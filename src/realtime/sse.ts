import type { ExecutionResult, GraphQLError } from "graphql";
import { createHandler } from "graphql-sse/lib/use/fetch";
import type { OperationParams } from "../documents";
import { ERROR_TABLE, ErrorCode, GatewayError, statusOf } from "../errors";
import type { RoutedConnection } from "./connection";
import { errorsOf, type OperationRequest, prepareOperation } from "./operations";
import { createPushStream } from "./push-stream";
import type { ShardCore } from "./shard";
import { trustedOperation } from "./trusted";

/** An open SSE subscription stream of a shard. */
export interface OpenStream {
  /** Sends one event's result. */
  push(result: ExecutionResult): void;
  /** ms since the epoch: the session's expiry, if its token has one. */
  expiresAt?: number;
  /** Ends the stream because the token expired: an error result (`JWT_EXPIRED`), then `complete`. */
  expire(): void;
  /** Ends the stream (its remote stream ended): the result with the errors, if any, then `complete`. */
  finish(result?: ExecutionResult): void;
}

/**
 * An operation refused before any stream (trusted documents, parsing, validation), answered as a whole
 * with `status` and `{ errors }`, as /graphql answers it (graphql-sse's handler answers a [body, init]
 * pair as is; an `{ errors }` result without `data` it would read as arguments and answer "Unable to
 * detect operation AST").
 */
function refused(errors: readonly GraphQLError[], status: number): [string, ResponseInit] {
  return [JSON.stringify({ errors }), { status, headers: { "content-type": "application/json; charset=utf-8" } }];
}

/**
 * The HTTP status of an operation refused before any stream: its first error's code's (src/errors'
 * table, as /graphql answers it: 403 for FORBIDDEN and TOPIC_FORBIDDEN), else 400 (parse and
 * validation errors).
 * @param errors - the refusal's errors
 */
function refusalStatus(errors: readonly GraphQLError[]): number {
  const code = errors[0]?.extensions?.code;
  return typeof code === "string" && Object.hasOwn(ERROR_TABLE, code) ? statusOf(code as ErrorCode) : 400;
}

/**
 * Serves one GraphQL over SSE request (the graphql-sse protocol, distinct connections mode) routed to
 * the shard: graphql-sse's fetch handler reads the request and writes the stream (`next`, `complete`,
 * keep-alive comments); the operation is validated like every other, and a subscription is stored
 * (connection = the stream's id) and fed by the shard's deliveries until the client goes away. What runs
 * follows `trustedDocuments.mode` (see trustedOperation).
 * @param core - the shard
 * @param request - the SSE request
 * @param routed - what the Worker decided (session, headers, request id)
 * @returns the event stream, or the error answer
 * @see https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md
 */
export async function openEventStream(core: ShardCore, request: Request, routed: RoutedConnection): Promise<Response> {
  if ("error" in routed.auth) {
    return new GatewayError(routed.auth.error.code as ErrorCode, routed.auth.error.message).toGraphQLResponse();
  }
  const session = routed.auth.session;
  const id = crypto.randomUUID();
  const gone = request.signal;
  const stored = { session, headers: routed.headers, requestId: routed.requestId };
  const handler = createHandler({
    // Validation runs in onSubscribe, with the role schema and the limits.
    validate: () => [],
    // The handler awaits this and accepts a result, an async iterable or a [body, init] pair (its types list them apart).
    onSubscribe: (async (_req: unknown, params: OperationParams) => {
      const requestContext = await core.context(stored);
      let request: OperationRequest;
      try {
        // The id the Worker read the query from, when it routed a stored document (see routeEventStream).
        const sent =
          routed.document === undefined ? params : { ...params, query: undefined, documentId: routed.document };
        request = await trustedOperation(core.gateway(), sent, requestContext.executionCtx.waitUntil);
      } catch (error) {
        return refused(errorsOf(error), error instanceof GatewayError ? error.status : 400);
      }
      const prepared = await prepareOperation(core.gateway(), requestContext, request);
      if (prepared.kind === "errors") return refused(prepared.errors, refusalStatus(prepared.errors));
      if (prepared.kind === "execute") return prepared.run();
      if (!(await core.acquireSlot(session, id))) {
        const error = new GatewayError(
          ErrorCode.TOO_MANY_CONNECTIONS,
          `This user already holds ${core.gateway().config.realtime.maxConnectionsPerUser} connections (realtime.maxConnectionsPerUser).`,
        );
        // graphql-sse's handler answers a [body, init] pair as is.
        return [
          JSON.stringify({ errors: [error.toGraphQLError()] }),
          {
            status: 429,
            headers: { "content-type": "application/json; charset=utf-8" },
          },
        ] as [string, ResponseInit];
      }
      const { topic, group, stream: upstream, context } = prepared.subscription;
      const stream = createPushStream<ExecutionResult>(() => {
        core.streams.delete(id);
        for (const gone of core.store.remove(id)) void core.syncTopic(gone);
        core.releaseSlot(session, id);
      });
      core.streams.set(id, {
        push: (result) => stream.push(result),
        expiresAt: session.expiresAt,
        expire: () => {
          stream.push({ errors: errorsOf(new GatewayError(ErrorCode.JWT_EXPIRED, "The token expired.")) });
          stream.end();
        },
        finish: (result) => {
          if (result !== undefined) stream.push(result);
          stream.end();
        },
      });
      // With the `enable_request_signal` flag the request aborts when the client goes away (the Worker's
      // own request is cancelled, and with it this one): forget the stream now, not at a failed write.
      gone.addEventListener("abort", () => stream.end(), { once: true });
      core.store.add({ connection: id, id: "", topic, grp: group, request, context: context ?? stored });
      await core.syncTopic(topic, upstream);
      if (session.expiresAt !== undefined) await core.wakeAt(session.expiresAt);
      return stream;
    }) as unknown as NonNullable<Parameters<typeof createHandler>[0]["onSubscribe"]>,
  });
  return handler(request);
}
