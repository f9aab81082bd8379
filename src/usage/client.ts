/** The header a client names itself with (Apollo's convention, also sent by GraphQL Hive's clients). */
export const CLIENT_NAME_HEADER = "graphql-client-name";
/** The fallback header for the client's name. */
export const CLIENT_NAME_FALLBACK_HEADER = "x-client-name";
/** The client of a request that names none. */
export const UNKNOWN_CLIENT = "unknown";
/** The longest client name kept (longer names are cut). */
export const MAX_CLIENT_NAME_LENGTH = 64;

/** Characters a client name keeps; any other becomes `_` (so names cannot collide with `(other)` or carry markup). */
const DISALLOWED = /[^A-Za-z0-9._:@/+ -]/g;

/**
 * The name usage is counted under for a request: the `graphql-client-name` header, else `x-client-name`,
 * else "unknown". The name is trimmed, cut to {@link MAX_CLIENT_NAME_LENGTH} characters, and every
 * character other than letters, digits, space and `. _ - : @ / +` becomes `_`; a header empty after
 * trimming counts as absent.
 * @param headers - the client's headers (HTTP request, or a WebSocket's upgrade request)
 * @returns the client name
 * @see https://www.apollographql.com/docs/graphos/platform/insights/client-awareness
 */
export function clientName(headers: Headers): string {
  for (const header of [CLIENT_NAME_HEADER, CLIENT_NAME_FALLBACK_HEADER]) {
    const value = headers.get(header)?.trim();
    if (value) return value.slice(0, MAX_CLIENT_NAME_LENGTH).replace(DISALLOWED, "_");
  }
  return UNKNOWN_CLIENT;
}
