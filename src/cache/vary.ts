import { CSRF_HEADERS } from "../browser";
import type { GatewayConfig } from "../config";
import { HOP_BY_HOP_HEADERS, MESSAGE_HEADERS } from "../upstream";

/**
 * The client headers an answer may depend on besides the role and the session: those some remote or
 * service receives (`forwardClientHeaders`). Their values are part of every answer's key, so an answer made
 * for one `Accept-Language` (say) is never served to another.
 */

/** What {@link forwardedHeaders} found: header names (lower-case), or every header (`forwardClientHeaders: true`). */
export type ForwardedHeaders = readonly string[] | "all";

/**
 * The union of every remote's and service's `forwardClientHeaders`.
 * @param config - the validated config
 * @returns the names (lower-case, sorted), or "all" when one upstream forwards every header
 */
export function forwardedHeaders(config: Pick<GatewayConfig, "remotes" | "services">): ForwardedHeaders {
  const names = new Set<string>();
  for (const upstream of [...config.remotes, ...config.services]) {
    if (upstream.forwardClientHeaders === true) return "all";
    for (const name of upstream.forwardClientHeaders) names.add(name.toLowerCase());
  }
  return [...names].sort();
}

/**
 * Headers left out of the key under "all": the ones `forwardClientHeaders: true` never forwards
 * (hop-by-hop, the message's own, credentials; session variables are keyed apart), conditional and
 * CSRF headers, and what the platform or tracing adds per request (client address, request and trace
 * ids), which would make every request its own key.
 */
const NOT_KEYED: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  ...MESSAGE_HEADERS,
  "if-none-match",
  "if-modified-since",
  ...CSRF_HEADERS,
  "x-request-id",
  "traceparent",
  "tracestate",
  "x-real-ip",
  "true-client-ip",
  "cdn-loop",
]);

const NOT_KEYED_PREFIXES = ["cf-", "x-forwarded-", "x-hasura-"];

/**
 * The part of a key that comes from the client's headers: `name=value` of each forwarded header, sorted.
 * @param headers - the client's request headers
 * @param forwarded - {@link forwardedHeaders} of the gateway
 * @param sessionPrefix - `auth.sessionHeaderPrefix` (never forwarded from clients) @default "x-hasura-"
 * @returns a string for the key ("" when nothing is forwarded)
 */
export function forwardedHeaderKey(headers: Headers, forwarded: ForwardedHeaders, sessionPrefix = "x-hasura-"): string {
  if (forwarded !== "all") {
    return forwarded.map((name) => `${name}=${headers.get(name) ?? ""}`).join("\n");
  }
  const parts: string[] = [];
  for (const [name, value] of headers) {
    if (NOT_KEYED.has(name) || name.startsWith(sessionPrefix)) continue;
    if (NOT_KEYED_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    parts.push(`${name}=${value}`);
  }
  return parts.sort().join("\n");
}
