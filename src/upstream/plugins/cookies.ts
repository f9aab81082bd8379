import type { UpstreamPlugin } from "../types";

/** Options of {@link useUpstreamCookies}. */
export interface UpstreamCookiesOptions {
  /**
   * Cookie names no upstream may set: the cookie the gateway reads the JWT from (`auth.jwt.header`
   * `{ type: "Cookie", name }`). Matched case-insensitively, also with the `__Host-` and `__Secure-`
   * prefixes (RFC 6265bis section 4.1.3). @default []
   */
  protectedCookies?: readonly string[];
}

/** The name of a `Set-Cookie` value: the text before its first `=` (RFC 6265 section 5.2), trimmed. */
const cookieName = (setCookie: string): string => {
  const pair = setCookie.split(";", 1)[0] ?? "";
  const equals = pair.indexOf("=");
  return (equals < 0 ? "" : pair.slice(0, equals)).trim().toLowerCase();
};

/**
 * Upstream plugin `cookies`: every `Set-Cookie` of every upstream response (error answers too) goes
 * to the request's `responseCookies`, in arrival order, for the client's response (see the Yoga plugin
 * `useUpstreamCookies`), except a cookie named in `protectedCookies` (or its `__Host-`/`__Secure-`
 * form): an upstream can never overwrite the cookie the gateway reads the JWT from. Entry points
 * without a response to set them on (WebSocket, SSE) have none.
 * @param options - the protected cookie names
 * @returns the plugin
 */
export function useUpstreamCookies(options: UpstreamCookiesOptions = {}): UpstreamPlugin {
  const blocked = new Set(
    (options.protectedCookies ?? []).flatMap((name) => {
      const lower = name.toLowerCase();
      return [lower, `__host-${lower}`, `__secure-${lower}`];
    }),
  );
  return {
    name: "cookies",
    async call(request, next) {
      const response = await next(request);
      const sink = request.context?.responseCookies;
      if (sink !== undefined) {
        for (const cookie of response.headers.getSetCookie()) {
          if (blocked.size === 0 || !blocked.has(cookieName(cookie))) sink.push(cookie);
        }
      }
      return response;
    },
  };
}
