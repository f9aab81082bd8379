import type { GraphQLError } from "graphql";
import { CloseCode, type Message, MessageType, stringifyMessage, validateMessage } from "graphql-ws";
import type { OperationParams } from "../documents";
import { ErrorCode, GatewayError } from "../errors";
import { authenticateRequest } from "../gateway";
import { CLIENT_IP_HEADER, enforceRateLimits, rateLimited } from "../rate-limits";
import type { Session } from "../shared";
import type { SocketState } from "./connection";
import { errorsOf, type OperationRequest, prepareOperation } from "./operations";
import type { ShardCore } from "./shard";
import { trustedOperation } from "./trusted";

/**
 * The `graphql-transport-ws` state machine of one socket, kept in the socket's attachment so it
 * survives hibernation (graphql-ws's own server keeps it in a closure with timers). Messages are
 * parsed and validated by graphql-ws's `parseMessage`; close codes are graphql-ws's `CloseCode`.
 * @see https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
 */

const encoder = new TextEncoder();

/** Whether a message is over `max` bytes (UTF-8 for text; a UTF-16 code unit is 1 to 3 bytes, so most need no encoding). */
function tooLarge(message: string | ArrayBuffer, max: number): boolean {
  if (typeof message !== "string") return message.byteLength > max;
  if (message.length * 3 <= max) return false;
  return message.length > max || encoder.encode(message).byteLength > max;
}

/**
 * A `subscribe` message naming a stored document (`documentId`, or `extensions` with Apollo's
 * `persistedQuery`) without a `query` gets `query: ""`, which graphql-ws's message validation requires
 * and {@link trustedOperation} reads as no query (with `trustedDocuments.mode` "allow" or "require"; with
 * "off" such a message is refused as before, 4400). Any other message is returned as is.
 */
function withQuery(message: unknown): unknown {
  if (message === null || typeof message !== "object") return message;
  const { type, payload } = message as { type?: unknown; payload?: Record<string, unknown> | null };
  if (type !== MessageType.Subscribe || payload === null || typeof payload !== "object") return message;
  if (payload.query !== undefined && payload.query !== null) return message;
  if (payload.documentId === undefined && payload.extensions === undefined) return message;
  return { ...message, payload: { ...payload, query: "" } };
}

/** Sends the protocol's `error` message: the GraphQL errors of one operation. */
function sendErrors(ws: WebSocket, id: string, errors: readonly GraphQLError[]): void {
  ws.send(JSON.stringify({ id, type: MessageType.Error, payload: errors }));
}

/**
 * Handles one message from a client.
 * @param core - the shard
 * @param ws - the socket
 * @param state - the socket's attachment
 * @param message - the raw message
 * @param inFlight - `<connection>/<id>` of operations being set up (a second subscribe with the id is 4409)
 */
export async function handleMessage(
  core: ShardCore,
  ws: WebSocket,
  state: SocketState,
  message: string | ArrayBuffer,
  inFlight: Set<string>,
): Promise<void> {
  const realtime = core.gateway().config.realtime;
  if (tooLarge(message, realtime.maxMessageBytes)) {
    return core.closeSocket(ws, state, CloseCode.BadRequest, "Message too large");
  }
  let parsed: Message;
  try {
    if (typeof message !== "string") throw new Error("Binary messages are not part of the protocol");
    const data: unknown = JSON.parse(message);
    parsed = validateMessage(core.gateway().config.trustedDocuments.mode === "off" ? data : withQuery(data));
  } catch (error) {
    return core.closeSocket(ws, state, CloseCode.BadRequest, (error as Error).message.slice(0, 120));
  }
  switch (parsed.type) {
    case MessageType.ConnectionInit:
      return init(core, ws, state, parsed.payload);
    case MessageType.Ping:
      ws.send(stringifyMessage({ type: MessageType.Pong, ...(parsed.payload ? { payload: parsed.payload } : {}) }));
      return;
    case MessageType.Pong:
      return;
    case MessageType.Subscribe:
      return subscribe(core, ws, state, parsed.id, parsed.payload as OperationParams, inFlight);
    case MessageType.Complete:
      for (const topic of core.store.remove(state.id, parsed.id)) void core.syncTopic(topic);
      return;
    default:
      return core.closeSocket(ws, state, CloseCode.BadRequest, `Unexpected message of type ${parsed.type} received`);
  }
}

/**
 * The session of a `connection_init`: from its payload when it carries credentials (`{ authorization }`,
 * or `{ headers }` with `authorization`, `x-admin-secret`, `cookie`, the JWT's configured header or one of
 * the auth webhook's `forwardHeaders`; the webhook is then asked with `request: null`;
 * `authorization` wins over `headers.authorization`; the payload's other headers, such as
 * `x-hasura-role`, come with them), else the one the Worker decided from the upgrade request.
 * @throws GatewayError the authentication error (the socket is then closed with 4403)
 */
async function initSession(core: ShardCore, state: SocketState, payload: unknown): Promise<Session> {
  const given = (payload ?? {}) as { authorization?: unknown; headers?: unknown };
  const headers = new Headers();
  if (given.headers !== null && typeof given.headers === "object") {
    for (const [name, value] of Object.entries(given.headers)) if (typeof value === "string") headers.set(name, value);
  }
  if (typeof given.authorization === "string") headers.set("authorization", given.authorization);
  const auth = core.gateway().config.auth;
  const jwtHeader = auth?.jwt?.header;
  const credentials = ["authorization", "x-admin-secret", "cookie", ...(auth?.webhook?.forwardHeaders ?? [])];
  if (jwtHeader !== undefined && "name" in jwtHeader && jwtHeader.type !== "Cookie") credentials.push(jwtHeader.name);
  if (credentials.some((name) => headers.has(name))) {
    return authenticateRequest(core.gateway(), headers, core.bindings);
  }
  if ("error" in state.routed.auth) {
    throw new GatewayError(state.routed.auth.error.code as ErrorCode, state.routed.auth.error.message);
  }
  return state.routed.auth.session;
}

async function init(core: ShardCore, ws: WebSocket, state: SocketState, payload: unknown): Promise<void> {
  if (state.init)
    return core.closeSocket(ws, state, CloseCode.TooManyInitialisationRequests, "Too many initialisation requests");
  state.init = true;
  ws.serializeAttachment(state);
  let session: Session;
  try {
    session = await initSession(core, state, payload);
  } catch (error) {
    core.log.info({ code: (error as GatewayError).code }, "realtime connection refused by authentication");
    return core.closeSocket(ws, state, CloseCode.Forbidden, "Forbidden");
  }
  if (session.expiresAt !== undefined && session.expiresAt <= Date.now()) {
    return core.closeSocket(ws, state, CloseCode.Forbidden, "Token expired");
  }
  if (!(await core.acquireSlot(session, state.id))) {
    return core.closeSocket(ws, state, CloseCode.TooManyInitialisationRequests, "Too many connections");
  }
  state.acked = true;
  state.session = session;
  ws.serializeAttachment(state);
  if (session.expiresAt !== undefined) await core.wakeAt(session.expiresAt);
  ws.send(stringifyMessage({ type: MessageType.ConnectionAck }));
}

async function subscribe(
  core: ShardCore,
  ws: WebSocket,
  state: SocketState,
  id: string,
  params: OperationParams,
  inFlight: Set<string>,
): Promise<void> {
  if (!state.acked || state.session === undefined)
    return core.closeSocket(ws, state, CloseCode.Unauthorized, "Unauthorized");
  const key = `${state.id}/${id}`;
  if (inFlight.has(key) || core.store.has(state.id, id)) {
    return core.closeSocket(ws, state, CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
  }
  inFlight.add(key);
  try {
    const rules = core.gateway().config.rateLimits;
    const ip = new Headers(state.routed.ip === undefined ? {} : { [CLIENT_IP_HEADER]: state.routed.ip });
    const rule = await enforceRateLimits(rules, core.bindings, state.session, ip, core.log);
    if (rule !== undefined) return sendErrors(ws, id, errorsOf(rateLimited(rule)));
    const stored = { session: state.session, headers: state.routed.headers, requestId: state.routed.requestId };
    const requestContext = await core.context(stored);
    let request: OperationRequest;
    try {
      request = await trustedOperation(core.gateway(), params, requestContext.executionCtx.waitUntil);
    } catch (error) {
      return sendErrors(ws, id, errorsOf(error));
    }
    const prepared = await prepareOperation(core.gateway(), requestContext, request);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (prepared.kind === "errors") return sendErrors(ws, id, prepared.errors);
    if (prepared.kind === "execute") {
      const result = await prepared.run();
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(JSON.stringify({ id, type: MessageType.Next, payload: result }));
      ws.send(stringifyMessage({ id, type: MessageType.Complete }));
      return;
    }
    const limit = core.gateway().config.realtime.maxSubscriptionsPerConnection;
    if (core.store.countOf(state.id) >= limit) {
      const error = new GatewayError(
        ErrorCode.TOO_MANY_SUBSCRIPTIONS,
        `This connection already holds ${limit} subscriptions (realtime.maxSubscriptionsPerConnection).`,
      );
      return sendErrors(ws, id, errorsOf(error));
    }
    const { topic, group, stream, context } = prepared.subscription;
    core.store.add({ connection: state.id, id, topic, grp: group, request, context: context ?? stored });
    await core.syncTopic(topic, stream);
  } finally {
    inFlight.delete(key);
  }
}
