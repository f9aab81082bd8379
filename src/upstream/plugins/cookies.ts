import type { UpstreamPlugin } from "../types";

/**
 * Upstream plugin `cookies`: every `Set-Cookie` of every upstream response (error answers too) goes
 * to the request's `responseCookies`, in arrival order, for the client's response (see the Yoga plugin
 * `useUpstreamCookies`). Entry points without a response to set them on (WebSocket, SSE) have none.
 * @returns the plugin
 */
export function useUpstreamCookies(): UpstreamPlugin {
  return {
    name: "cookies",
    async call(request, next) {
      const response = await next(request);
      const sink = request.context?.responseCookies;
      if (sink !== undefined) sink.push(...response.headers.getSetCookie());
      return response;
    },
  };
}
