import { ADMIN_SECRET_HEADER, GATEWAY_TOKEN_HEADER, SESSION_VARIABLE_PREFIX, type UpstreamContext } from "../shared";

/**
 * Hop-by-hop header fields: meaningful for one connection only, never forwarded by a proxy
 * (RFC 9110, section 7.6.1; `proxy-connection`, `keep-alive` and `trailer` from RFC 7230/2616 practice).
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Headers `forwardClientHeaders: true` never forwards: those that describe the client-to-gateway
 * message itself (the gateway builds its own request body and negotiates its own encoding), and the
 * client's credentials, `authorization` and `cookie`, which reach an upstream only when named in a list.
 */
export const MESSAGE_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "content-type",
  "content-encoding",
  "accept",
  "accept-encoding",
  "authorization",
  "cookie",
  ADMIN_SECRET_HEADER,
]);

/** Inputs of {@link buildUpstreamHeaders}. */
export interface UpstreamHeaderInputs {
  /** The remote's configured `headers` (highest precedence). */
  configured: Readonly<Record<string, string>>;
  /** Session variables as headers (middle precedence), already named with the forwarding prefix. @default {} */
  session?: Readonly<Record<string, string>>;
  /**
   * `auth.sessionHeaderPrefix`: client headers starting with it, or with `x-hasura-`, are never
   * forwarded, so a client cannot forge session variables. @default "x-hasura-"
   */
  sessionHeaderPrefix?: string;
  /** The client's request headers; forwarded per `forward` (lowest precedence). */
  client?: Headers;
  /**
   * The remote's `forwardClientHeaders`: header names, or `true` for all but the excluded ones
   * (`authorization` and `cookie` among them: name them to forward them).
   */
  forward: readonly string[] | true;
  /** The request id sent as `x-request-id`, unless configured headers override it. */
  requestId?: string;
  /** The gateway token for this upstream, sent as `x-gateway-token` unless configured headers set it. */
  gatewayToken?: string;
}

/**
 * Computes the headers of one upstream request, with Hasura's precedence: configured `headers` >
 * gateway token > session variables > `x-request-id` > forwarded client headers. A client's own
 * `x-gateway-token` and session headers (`x-hasura-*`, `<sessionHeaderPrefix>*`) are never forwarded:
 * upstreams receive only the session the gateway resolved. Hop-by-hop headers (including any named in the
 * client's `Connection` header, RFC 9110 section 7.6.1) are never forwarded; with `forward: true`,
 * neither are `host`, `content-length`, `content-type`, `accept`, `*-encoding`, `x-admin-secret`, nor the
 * client's credentials `authorization` and `cookie` (forwarded only when a list names them).
 *
 * @param inputs - configured, session and client headers and the forwarding rule
 * @returns lower-cased header name -> value
 * @see https://hasura.io/docs/latest/remote-schemas/adding-schema/ (forward client headers)
 */
export function buildUpstreamHeaders(inputs: UpstreamHeaderInputs): Record<string, string> {
  const out: Record<string, string> = {};
  const client = inputs.client;
  if (client !== undefined) {
    const connectionListed = new Set(
      (client.get("connection") ?? "")
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    );
    const sessionPrefix = inputs.sessionHeaderPrefix ?? SESSION_VARIABLE_PREFIX;
    const blocked = (name: string): boolean =>
      HOP_BY_HOP_HEADERS.has(name) ||
      connectionListed.has(name) ||
      name === ADMIN_SECRET_HEADER ||
      name === GATEWAY_TOKEN_HEADER ||
      name.startsWith(SESSION_VARIABLE_PREFIX) ||
      name.startsWith(sessionPrefix);
    if (inputs.forward === true) {
      client.forEach((value, name) => {
        if (!blocked(name) && !MESSAGE_HEADERS.has(name)) out[name] = value;
      });
    } else {
      for (const raw of inputs.forward) {
        const name = raw.toLowerCase();
        const value = client.get(name);
        if (value !== null && !blocked(name)) out[name] = value;
      }
    }
  }
  if (inputs.requestId !== undefined) out["x-request-id"] = inputs.requestId;
  for (const [name, value] of Object.entries(inputs.session ?? {})) out[name.toLowerCase()] = value;
  if (inputs.gatewayToken !== undefined) out[GATEWAY_TOKEN_HEADER] = inputs.gatewayToken;
  for (const [name, value] of Object.entries(inputs.configured)) out[name.toLowerCase()] = value;
  return out;
}

/**
 * Whether calls to an upstream should carry a signed `x-gateway-token`: its `gatewayToken` switch is on
 * and its configured `headers` do not set the header themselves (configured headers win, so signing
 * would be wasted).
 * @param upstream - a remote's or service's `gatewayToken` and `headers`
 * @returns true when each call should be signed
 */
export function wantsGatewayToken(upstream: {
  gatewayToken: boolean;
  headers: Readonly<Record<string, string>>;
}): boolean {
  return (
    upstream.gatewayToken && !Object.keys(upstream.headers).some((name) => name.toLowerCase() === GATEWAY_TOKEN_HEADER)
  );
}

/** Per session variables object: its headers by prefix (one request, one session, usually one prefix). */
const asHeaders = new WeakMap<object, { prefix: string; headers: Record<string, string> }>();

/**
 * The session as upstream request headers: `x-hasura-foo` goes as `<prefix>foo` (Hasura forwards
 * session variables to remote schemas as headers). Computed once per session.
 * @param variables - the session variables by Hasura name
 * @param prefix - `auth.sessionHeaderPrefix` @default "x-hasura-"
 * @returns lower-case header name -> value ({} without a session)
 */
export function sessionAsHeaders(
  variables: Readonly<Record<string, string>> | undefined,
  prefix: string = SESSION_VARIABLE_PREFIX,
): Record<string, string> {
  if (variables === undefined) return {};
  const known = asHeaders.get(variables);
  if (known !== undefined && known.prefix === prefix) return known.headers;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    headers[`${prefix}${name.slice(SESSION_VARIABLE_PREFIX.length)}`] = value;
  }
  asHeaders.set(variables, { prefix, headers });
  return headers;
}

/**
 * The headers of one request's calls to an upstream (a remote or a REST service): its configured
 * `headers` and `forwardClientHeaders` with the request's session, client headers and request id, in
 * the precedence of {@link buildUpstreamHeaders}.
 * @param upstream - the remote's or service's config
 * @param context - the request's upstream context; undefined for calls outside a request (introspection)
 * @param gatewayToken - this request's `x-gateway-token` for the upstream, if any
 * @returns header name -> value
 */
export function requestHeaders(
  upstream: { headers: Readonly<Record<string, string>>; forwardClientHeaders: readonly string[] | true },
  context: UpstreamContext | undefined,
  gatewayToken: string | undefined,
): Record<string, string> {
  return buildUpstreamHeaders({
    configured: upstream.headers,
    session: sessionAsHeaders(context?.session?.variables, context?.sessionHeaderPrefix),
    sessionHeaderPrefix: context?.sessionHeaderPrefix,
    client: context?.clientHeaders,
    forward: upstream.forwardClientHeaders,
    requestId: context?.requestId,
    gatewayToken,
  });
}
