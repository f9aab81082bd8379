import { getOperationAST, parse } from "graphql";
import { CloseCode, handleProtocols } from "graphql-ws";
import type { MiddlewareHandler } from "hono";
import type { OperationParams } from "../documents";
import type { AppEnv } from "../env";
import { GatewayError } from "../errors";
import { shardName } from "../events";
import { authenticateRequest, type Gateway } from "../gateway";
import { CLIENT_IP_HEADER, enforceRateLimits, rateLimited } from "../rate-limits";
import type { Session } from "../shared";
import { HOP_BY_HOP_HEADERS } from "../upstream";
import { CLIENT_NAME_FALLBACK_HEADER, CLIENT_NAME_HEADER } from "../usage";
import { REALTIME_HEADER, type RoutedConnection, shardIndex } from "./connection";
import { namedDocument } from "./trusted";

/** The headers that name the client, kept for the usage count of deprecated elements. */
const CLIENT_NAME_HEADERS: ReadonlySet<string> = new Set([CLIENT_NAME_HEADER, CLIENT_NAME_FALLBACK_HEADER]);

/**
 * What a gateway's upstreams may receive of a client's headers (`forwardClientHeaders` of remotes and
 * services): the names listed, and whether one forwards every header (`true`).
 */
const forwardable = new WeakMap<Gateway, { named: ReadonlySet<string>; all: boolean }>();

/**
 * The client headers a connection keeps for the upstream calls its events make: the ones some upstream
 * could receive. The upstream pipeline's header rules decide, per upstream, at each call, as for HTTP;
 * kept here is only what they could use: named headers, and with `true` every other header except the
 * hop-by-hop ones, the handshake's own (`sec-websocket-*`) and credentials (`true` never forwards
 * `authorization` or `cookie`; a list that names them does). The client's name headers are kept too
 * (`graphql-client-name`, `x-client-name`): the usage count of deprecated elements (src/usage) names the
 * client by them when the connection subscribes; upstream calls still get them only by their rules.
 */
function forwardedHeaders(gateway: Gateway, headers: Headers): Record<string, string> {
  let rules = forwardable.get(gateway);
  if (rules === undefined) {
    const lists = [...gateway.config.remotes, ...gateway.config.services].map(
      (upstream) => upstream.forwardClientHeaders,
    );
    rules = {
      named: new Set(lists.flatMap((list) => (list === true ? [] : list.map((name) => name.toLowerCase())))),
      all: lists.some((list) => list === true),
    };
    forwardable.set(gateway, rules);
  }
  const { named, all } = rules;
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name === REALTIME_HEADER || HOP_BY_HOP_HEADERS.has(name)) return;
    const unnamedOk = all && !name.startsWith("sec-websocket-") && name !== "authorization" && name !== "cookie";
    if (named.has(name) || unnamedOk || CLIENT_NAME_HEADERS.has(name)) out[name] = value;
  });
  return out;
}

/**
 * Routes a request to its shard with what the Worker decided, replacing any client copy of the internal
 * header; `document` is the id of the trusted document the request's query was read from.
 */
async function route(
  gateway: Gateway,
  env: Env,
  request: Request,
  requestId: string,
  auth: RoutedConnection["auth"],
  document?: string,
): Promise<Response> {
  const session = "session" in auth ? auth.session : undefined;
  const shard = shardName(shardIndex(session, request.headers, gateway.config.realtime.shards));
  const routed: RoutedConnection = {
    shard,
    requestId,
    auth,
    headers: forwardedHeaders(gateway, request.headers),
    ip: request.headers.get(CLIENT_IP_HEADER) ?? undefined,
    ...(document === undefined ? {} : { document }),
  };
  const headers = new Headers(request.headers);
  headers.set(REALTIME_HEADER, JSON.stringify(routed));
  const stub = env.REALTIME.get(env.REALTIME.idFromName(shard));
  return stub.fetch(new Request(request, { headers }));
}

/**
 * The headers an upgrade request is authenticated with. Browsers send cookies with a WebSocket opened
 * by any page, and WebSockets are outside CORS (cross-site WebSocket hijacking): a cookie counts only
 * when the page's `Origin` is the gateway's own or one of `cors.origins`, for a JWT read from a cookie
 * and for an auth webhook that receives the cookie (it may hold the caller's session). Other
 * credentials (headers, `connection_init`) are not sent by browsers on their own and always count.
 */
function credentialHeaders(gateway: Gateway, request: Request): Headers {
  const origin = request.headers.get("origin");
  const auth = gateway.config.auth;
  const hook = auth?.webhook;
  const cookieAuth =
    auth?.jwt?.header.type === "Cookie" ||
    (hook !== undefined && (hook.forwardHeaders === undefined || hook.forwardHeaders.includes("cookie")));
  if (origin === null || !cookieAuth) return request.headers;
  const allowed = gateway.config.cors?.origins;
  if (origin === new URL(request.url).origin || allowed === "*" || allowed?.includes(origin) === true) {
    return request.headers;
  }
  const headers = new Headers(request.headers);
  headers.delete("cookie");
  return headers;
}

/**
 * Hono middleware for `GET /graphql` with `Upgrade: websocket`: a `graphql-transport-ws` socket is
 * routed to its connection shard (by user, else IP) with the session decided from the upgrade
 * request's headers or cookie (a cookie only from an allowed `Origin`, see credentialHeaders; an
 * authentication error is kept for `connection_init`, whose payload may bring credentials); any other
 * subprotocol is accepted and closed with 4406. Other requests pass on.
 * @returns the middleware
 * @see https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
 */
export function realtimeUpgrade(): MiddlewareHandler<AppEnv> {
  return async function realtimeUpgradeMiddleware(c, next) {
    // RFC 6455 section 4.1: an opening handshake is a GET with Upgrade: websocket.
    if (c.req.method !== "GET" || c.req.header("upgrade")?.toLowerCase() !== "websocket") return next();
    if (handleProtocols(c.req.header("sec-websocket-protocol") ?? "") === false) {
      const { 0: client, 1: server } = new WebSocketPair();
      server.accept();
      server.close(CloseCode.SubprotocolNotAcceptable, "Subprotocol not acceptable");
      return new Response(null, { status: 101, webSocket: client });
    }
    const gateway = c.get("gateway");
    let auth: RoutedConnection["auth"];
    try {
      // An auth webhook gets no GraphQL request for a connection (`request: null`).
      auth = {
        session: await authenticateRequest(gateway, credentialHeaders(gateway, c.req.raw), c.env, {
          request: null,
          waitUntil: (promise) => c.executionCtx.waitUntil(promise),
        }),
      };
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      auth = { error: { code: error.code, message: error.message } };
    }
    // The handshake counts as one request under the `rateLimits` rules (so does each operation on the socket).
    if ("session" in auth) {
      const rule = await enforceRateLimits(
        gateway.config.rateLimits,
        c.env,
        auth.session,
        c.req.raw.headers,
        c.get("log"),
      );
      if (rule !== undefined) return rateLimited(rule).toGraphQLResponse({ "retry-after": String(rule.periodSec) });
    }
    return route(gateway, c.env, c.req.raw, c.get("requestId"), auth);
  };
}

/** The GraphQL parameters of a GET's query string or a POST's JSON body, or undefined when the body is not JSON. */
async function requestParams(request: Request): Promise<OperationParams | undefined> {
  if (request.method === "GET") {
    const url = new URL(request.url);
    const extensions = url.searchParams.get("extensions");
    let parsedExtensions: unknown;
    try {
      parsedExtensions = extensions === null ? undefined : JSON.parse(extensions);
    } catch {
      parsedExtensions = undefined;
    }
    return {
      query: url.searchParams.get("query"),
      operationName: url.searchParams.get("operationName"),
      documentId: url.searchParams.get("documentId"),
      extensions: parsedExtensions,
    };
  }
  try {
    const body = (await request.clone().json()) as OperationParams | null;
    return body !== null && typeof body === "object" ? body : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON query-string parameter of a GET (`variables`), or undefined when absent or not JSON. */
function jsonParam(request: Request, name: string): unknown {
  const value = new URL(request.url).searchParams.get(name);
  try {
    return value === null ? undefined : JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** The operation type of a query text, or undefined when it does not parse. */
function operationType(query: unknown, operationName: unknown): string | undefined {
  if (typeof query !== "string") return undefined;
  try {
    return getOperationAST(parse(query), typeof operationName === "string" ? operationName : undefined)?.operation;
  } catch {
    return undefined;
  }
}

/**
 * For `/graphql` after authentication: a subscription asked for as an event stream (`Accept:
 * text/event-stream`, the graphql-sse protocol's distinct connections mode, as graphql-sse's client and
 * GraphiQL send it) is routed to its connection shard; anything else (queries over SSE too) goes on to Yoga.
 * A subscription named by a stored document's id (`documentId`, Apollo's `extensions.persistedQuery`) is
 * routed with the document's text as its query and the id in the routed connection (the shard reads the
 * document again); an unknown id goes to Yoga, which answers PERSISTED_QUERY_NOT_FOUND.
 * @param gateway - the isolate's gateway
 * @param env - the bindings
 * @param request - the request
 * @param requestId - its id
 * @param session - its session (authentication already refused bad credentials with 401)
 * @returns the shard's answer, or undefined to go on
 * @see https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md
 */
export async function routeEventStream(
  gateway: Gateway,
  env: Env,
  request: Request,
  requestId: string,
  session: Session,
): Promise<Response | undefined> {
  if (!request.headers.get("accept")?.includes("text/event-stream")) return undefined;
  const params = await requestParams(request);
  if (params === undefined) return undefined;
  // A stored document's id (trustedDocuments): its text decides, and the shard gets it as the query.
  const document = await namedDocument(gateway, params);
  const query = document?.text ?? params.query;
  if (operationType(query, params.operationName) !== "subscription") return undefined;
  // graphql-sse's handler streams only for exactly this Accept.
  const headers = new Headers(request.headers);
  headers.set("accept", "text/event-stream");
  if (document === null) {
    return route(gateway, env, new Request(request, { headers }), requestId, { session });
  }
  headers.set("content-type", "application/json");
  const body = JSON.stringify({
    query: document.text,
    operationName: params.operationName,
    variables: request.method === "GET" ? jsonParam(request, "variables") : params.variables,
  });
  const rewritten = new Request(request.url, { method: "POST", headers, body, signal: request.signal });
  return route(gateway, env, rewritten, requestId, { session }, document.id);
}
