import { isAsyncIterable } from "@graphql-tools/utils";
import { type DocumentNode, type ExecutionResult, GraphQLError, print } from "graphql";
import type { RemoteConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import { REMOTE_TOPIC_PREFIX, type StreamContext, type StreamSpec } from "../events";
import type { Gateway } from "../gateway";
import {
  type GatewayContext,
  type RemoteSubscribe,
  type RemoteSubscriptionRequest,
  ROLE_VARIABLE,
  sha256Hex,
} from "../shared";
import { enveloped, errorsOf, maskResult, type OperationRequest, type Prepared, parsed } from "./operations";
import type { StoredContext } from "./storage";

/**
 * Subscriptions on remote schemas, in the shard. The stitched schema delegates a remote's Subscription
 * field as it delegates a query; the request context's `remoteSubscribe` decides where the delegated
 * subscription goes:
 * - when a client subscribes, it is captured (never sent): the document and variables the stitched schema
 *   would send upstream, with the remote's name, make the stream's key; the stream is an internal topic
 *   `remote/<remote>/<hash>` whose hub starts the `RemoteStream` object holding the one upstream
 *   connection (src/streams);
 * - for each upstream result, the client's operation runs again with the result as the only value of the
 *   remote's stream, so stitching transforms it and resolves the fields of other sources (joins, merged
 *   types) exactly as for a query, once per sharing group.
 */

/** An async iterable of no values (a captured subscription sends nothing). */
async function* nothing(): AsyncGenerator<ExecutionResult> {}

/** An async iterable of one value. */
async function* once(value: ExecutionResult): AsyncGenerator<ExecutionResult> {
  yield value;
}

/** A context with the role alone (`x-hasura-role`): no user's variables, no client headers, no expiry. */
function roleContext(stored: StoredContext): StoredContext {
  const { source, role } = stored.session;
  return {
    session: { source, role, variables: role === null ? {} : { [ROLE_VARIABLE]: role } },
    headers: {},
    requestId: stored.requestId,
  };
}

/**
 * The context a remote stream connects with, reduced to its sharing scope: the subscriber's own with
 * `share: "session"`; with `"role"` the role alone (`x-hasura-role`), no client headers; with `"all"`
 * nobody's (no session variables, no client headers, no gateway token claims).
 */
function scopeContext(remote: RemoteConfig, stored: StoredContext): StreamContext {
  switch (remote.subscriptions.share) {
    case "all":
      return { session: { source: "none", role: null, variables: {} }, headers: {}, requestId: stored.requestId };
    case "role":
      return roleContext(stored);
    default: {
      const forward = remote.forwardClientHeaders;
      const headers =
        forward === true
          ? stored.headers
          : Object.fromEntries(Object.entries(stored.headers).filter(([name]) => forward.includes(name)));
      const { expiresAt: _expiresAt, ...scoped } = stored.session;
      return { session: scoped, headers, requestId: stored.requestId };
    }
  }
}

/**
 * A subscription operation on a remote's Subscription field, prepared: the stream it shares (its topic and
 * spec) and its sharing group on the shard.
 * @param gateway - the shard's gateway
 * @param run - the envelop run of the session (its role schema)
 * @param document - the validated operation
 * @param request - the client's operation
 * @param stored - the subscriber's stored context
 * @param groupOf - the sharing group key of the client's operation: by session, or by role (as for topics)
 * @returns the prepared subscription, errors (permissions, limits, arguments), or undefined when the
 *   operation's root field is not a remote's. With `share: "role"` or `"all"` the subscriptions of one
 *   role share one execution per event, run with the role alone (no user's session reaches the other
 *   sources either); with `"session"`, as for topics, per session.
 */
export async function prepareRemoteSubscription(
  gateway: Gateway,
  run: Awaited<ReturnType<typeof enveloped>>,
  document: DocumentNode,
  request: OperationRequest,
  stored: StoredContext,
  groupOf: (share: "session" | "role") => Promise<string>,
): Promise<Prepared | undefined> {
  let captured: { remote: string; request: RemoteSubscriptionRequest } | undefined;
  const remoteSubscribe: RemoteSubscribe = (remote, upstream) => {
    captured ??= { remote, request: upstream };
    return nothing();
  };
  const base = await run.contextFactory();
  const result = await run.subscribe({
    schema: run.schema,
    document,
    operationName: request.operationName ?? undefined,
    variableValues: request.variables ?? undefined,
    contextValue: { ...base, remoteSubscribe },
  });
  if (isAsyncIterable(result)) await result[Symbol.asyncIterator]().return?.();
  else if ((result as ExecutionResult).errors?.length) {
    return { kind: "errors", errors: [...(maskResult(result as ExecutionResult).errors as GraphQLError[])] };
  }
  if (captured === undefined) return undefined;
  const remote = gateway.config.remotes.find((candidate) => candidate.name === captured?.remote);
  if (remote === undefined) return undefined;
  if ((base.env as Partial<Env>).REMOTE_STREAMS === undefined) {
    const error = new GatewayError(
      ErrorCode.INVALID_CONFIG,
      "Subscriptions on remote schemas need the REMOTE_STREAMS Durable Object binding (class RemoteStream) in wrangler.toml.",
    );
    return { kind: "errors", errors: errorsOf(error) };
  }
  const spec: StreamSpec = {
    remote: remote.name,
    query: print(captured.request.document),
    operationName: captured.request.operationName ?? null,
    variables: captured.request.variables ?? {},
    context: scopeContext(remote, stored),
  };
  const { requestId: _requestId, ...scope } = spec.context;
  const key = await sha256Hex(
    JSON.stringify([spec.query, spec.operationName, spec.variables, remote.subscriptions.share, scope]),
  );
  const shared = remote.subscriptions.share !== "session";
  return {
    kind: "subscription",
    subscription: {
      topic: `${REMOTE_TOPIC_PREFIX}${remote.name}/${key}`,
      group: await groupOf(shared ? "role" : "session"),
      stream: spec,
      ...(shared ? { context: roleContext(stored) } : {}),
    },
  };
}

/**
 * Executes a stored subscription on a remote's field for one upstream result: the client's operation
 * runs with the result as its stream's one value, so stitching completes it (renames, other sources'
 * fields) as it completes a query's answer.
 * @param gateway - the shard's gateway
 * @param context - a fresh request context for the subscription's session
 * @param request - the stored operation
 * @param upstream - the upstream result (parsed JSON)
 * @returns the masked result for the clients
 */
export async function executeRemoteEvent(
  gateway: Gateway,
  context: GatewayContext,
  request: OperationRequest,
  upstream: ExecutionResult,
): Promise<ExecutionResult> {
  try {
    const run = await enveloped(gateway, context);
    const remoteSubscribe: RemoteSubscribe = () => once(upstream);
    const stream = await run.subscribe({
      schema: run.schema,
      document: parsed(run, request.query),
      operationName: request.operationName ?? undefined,
      variableValues: request.variables ?? undefined,
      contextValue: { ...(await run.contextFactory()), remoteSubscribe },
    });
    if (!isAsyncIterable(stream)) return maskResult(stream as ExecutionResult);
    const iterator = (stream as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
    const first = await iterator.next();
    await iterator.return?.();
    if (first.done === true) return { errors: [new GraphQLError("The remote's result could not be completed.")] };
    return maskResult(first.value);
  } catch (error) {
    return { errors: errorsOf(error) };
  }
}
