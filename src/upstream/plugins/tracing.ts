import { GatewayError } from "../../errors";
import type { UpstreamPlugin } from "../types";

/** The URL as a span may show it: no query string, fragment or credentials (they may carry secrets). */
function spanUrl(url: string): { full: string; host: string; port: number } | undefined {
  try {
    const parsed = new URL(url);
    const port = parsed.port === "" ? (parsed.protocol === "https:" ? 443 : 80) : Number(parsed.port);
    return { full: `${parsed.origin}${parsed.pathname}`, host: parsed.hostname, port };
  } catch {
    return undefined;
  }
}

/**
 * Upstream plugin `tracing`: a span per upstream call of a traced request (src/tracing; kind CLIENT,
 * child of the operation span, named `<METHOD> <upstream>`), around the retries (one span per call,
 * however many attempts). Sends `traceparent` (the request's trace id, this span as parent, the
 * sampled flag) and the client's `tracestate`, over any forwarded by `forwardClientHeaders`. Attributes:
 * `junction.upstream.name`, `junction.upstream.kind` (`graphql` | `rest`), `http.request.method`,
 * `url.full` (without query string), `server.address`, `server.port`, `http.response.status_code`,
 * `error.type` (the UPSTREAM_* code of a failed call). Without a trace on the context (export off,
 * introspection) the call goes on untouched.
 * @returns the plugin
 */
export function useUpstreamTracing(): UpstreamPlugin {
  return {
    name: "tracing",
    async call(request, next) {
      const trace = request.context?.trace;
      if (trace === undefined) return next(request);
      const span = trace.startSpan(`${request.method} ${request.upstream.name}`, "client");
      span.setAttribute("junction.upstream.name", request.upstream.name);
      span.setAttribute("junction.upstream.kind", request.kind === "remote" ? "graphql" : "rest");
      span.setAttribute("http.request.method", request.method);
      const url = spanUrl(request.url);
      if (url !== undefined) {
        span.setAttribute("url.full", url.full);
        span.setAttribute("server.address", url.host);
        span.setAttribute("server.port", url.port);
      }
      // The caller's own headers win over forwarded client headers (header-rules), so these replace a
      // client's traceparent; a copy, so a Headers object the caller shares is not changed.
      const headers = new Headers(request.headers);
      headers.set("traceparent", span.traceparent);
      if (trace.tracestate === undefined) headers.delete("tracestate");
      else headers.set("tracestate", trace.tracestate);
      request.headers = headers;
      try {
        const response = await next(request);
        span.setAttribute("http.response.status_code", response.status);
        if (response.status >= 400) span.fail(String(response.status));
        return response;
      } catch (error) {
        if (error instanceof GatewayError) {
          const status = error.extensions.status;
          if (typeof status === "number") span.setAttribute("http.response.status_code", status);
          span.fail(error.code);
        } else span.fail(error instanceof Error ? error.name : "Error");
        throw error;
      } finally {
        span.end();
      }
    },
  };
}
