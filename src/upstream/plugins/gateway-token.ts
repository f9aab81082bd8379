import { wantsGatewayToken } from "../headers";
import type { UpstreamPlugin } from "../types";

/**
 * Upstream plugin `gateway-token`: puts this request's `x-gateway-token` for the upstream on the call
 * (signed at most once per upstream per request by the context's token source), unless the upstream
 * has `gatewayToken: false` or sets the header itself. Calls outside a request (introspection) carry none.
 * @returns the plugin
 * @throws GatewayError INVALID_CONFIG (as a rejection) when the token key cannot be imported
 */
export function useGatewayToken(): UpstreamPlugin {
  const wanted = new WeakMap<object, boolean>();
  return {
    name: "gateway-token",
    async call(request, next) {
      const sign = request.context?.gatewayToken;
      if (sign !== undefined) {
        let wants = wanted.get(request.upstream);
        if (wants === undefined) {
          wants = wantsGatewayToken(request.upstream);
          wanted.set(request.upstream, wants);
        }
        if (wants) request.gatewayToken = await sign(request.upstream.name);
      }
      return next(request);
    },
  };
}
