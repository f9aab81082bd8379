import { DEFAULT_MAX_RESPONSE_BYTES } from "../../config";
import { ErrorCode, UpstreamError } from "../../errors";
import { cappedStream } from "../../shared";
import type { UpstreamPlugin, UpstreamRequest } from "../types";

/** The error of an answer over the limit. */
const tooLarge = (request: UpstreamRequest, limit: number, status: number): UpstreamError =>
  new UpstreamError(
    ErrorCode.UPSTREAM_RESPONSE_TOO_LARGE,
    request.upstream.name,
    `${request.label} answered more than its maxResponseBytes (${limit} bytes)`,
    { upstreamStatus: status, extensions: request.errorExtensions },
  );

/**
 * Upstream plugin `response-size`: no answer body over the upstream's `maxResponseBytes` (default
 * 10 MB) is ever held. A `Content-Length` above the limit is refused before the body is read; a body
 * without one (chunked), or a compressed one (the platform decompresses it, so its length says
 * nothing), is counted while it is read, and the read fails the moment the limit is passed (the rest
 * is never fetched). Either way the error is UPSTREAM_RESPONSE_TOO_LARGE with `serviceName`; a read
 * that fails reports it through the request's `bodyError`, so every reader (the answer's `text()`,
 * executor-http) sees the same code.
 * @returns the plugin
 */
export function useResponseSize(): UpstreamPlugin {
  return {
    name: "response-size",
    async call(request, next) {
      const response = await next(request);
      const body = response.body;
      if (body === null) return response;
      const limit = request.upstream.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
      const declared = response.headers.get("content-length");
      const encoding = response.headers.get("content-encoding");
      const plain = encoding === null || encoding.trim().toLowerCase() === "identity";
      if (declared !== null && /^\d+$/.test(declared.trim())) {
        if (Number(declared) > limit) {
          body.cancel().catch(() => undefined);
          throw tooLarge(request, limit, response.status);
        }
        // HTTP framing holds a plain body to its Content-Length: nothing to count.
        if (plain) return response;
      }
      const counted = cappedStream(body, limit, () => {
        request.bodyError = tooLarge(request, limit, response.status);
        return request.bodyError;
      });
      return new Response(counted, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    },
  };
}
