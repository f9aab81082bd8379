import type { Plugin } from "graphql-yoga";
import type { GatewayContext } from "../../shared";

/**
 * Yoga plugin: appends every `Set-Cookie` value the upstreams sent during this request to the
 * client's response, each as its own header line (Hasura forwards remote `Set-Cookie` the same way;
 * RFC 6265 section 3 forbids folding them into one line).
 *
 * @returns the plugin
 */
export function useUpstreamCookies(): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    onResponse({ response, serverContext }) {
      const cookies = serverContext?.responseCookies;
      if (cookies === undefined || cookies.length === 0) return;
      for (const cookie of cookies) response.headers.append("set-cookie", cookie);
    },
  };
}
