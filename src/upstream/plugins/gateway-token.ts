import { GatewayError, UpstreamError } from "../../errors";
import { wantsGatewayToken } from "../headers";
import type { UpstreamPlugin } from "../types";

/**
 * Upstream plugin `gateway-token`: puts this request's `x-gateway-token` for the upstream on the call
 * (signed at most once per upstream per request by the context's token source), unless the upstream
 * has `gatewayToken: false` or sets the header itself. Calls outside a request (introspection) carry none.
 * A token key that cannot be used fails only the calls that need a token: each with an UpstreamError
 * of the key's code (INVALID_CONFIG, the message naming the secret, never its value) and `serviceName`.
 * @returns the plugin
 * @throws UpstreamError INVALID_CONFIG (as a rejection) when the token key cannot be imported
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
        if (wants) {
          try {
            request.gatewayToken = await sign(request.upstream.name);
          } catch (cause) {
            if (!(cause instanceof GatewayError)) throw cause;
            // Only this call fails, as a field error naming the upstream; calls without a token go on.
            throw new UpstreamError(cause.code, request.upstream.name, cause.message, {
              cause,
              extensions: request.errorExtensions,
            });
          }
        }
      }
      return next(request);
    },
  };
}
