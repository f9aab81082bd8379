import { requestMemo } from "../../shared";
import { requestHeaders } from "../headers";
import type { UpstreamPlugin } from "../types";

/**
 * Upstream plugin `header-rules`: the headers of the call, lowest precedence first: forwarded client
 * headers (`forwardClientHeaders`), `x-request-id`, session variables, the gateway token, configured
 * `headers` (see buildUpstreamHeaders), then the caller's own (`content-type`, `accept`), then the
 * caller's edits (a REST endpoint's header ops). The rules' part is computed once per request and upstream.
 * @returns the plugin
 * @see https://hasura.io/docs/latest/remote-schemas/adding-schema/ (forward client headers)
 */
export function useHeaderRules(): UpstreamPlugin {
  return {
    name: "header-rules",
    call(request, next) {
      const { context, upstream, gatewayToken } = request;
      const build = () => requestHeaders(upstream, context, gatewayToken);
      const rules =
        context === undefined ? build() : requestMemo(context, upstream, `headers\n${gatewayToken ?? ""}`, build);
      const headers = new Headers(rules);
      for (const [name, value] of request.headers) headers.set(name, value);
      request.editHeaders?.(headers);
      request.headers = headers;
      return next(request);
    },
  };
}
