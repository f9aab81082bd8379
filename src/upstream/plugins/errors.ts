import { ErrorCode, GatewayError, UpstreamError } from "../../errors";
import type { UpstreamAnswer, UpstreamPlugin, UpstreamRequest } from "../types";

/**
 * The error of a call that got no usable answer: UPSTREAM_TIMEOUT when its timeout fired, else
 * UPSTREAM_UNAVAILABLE (refused, reset, DNS, a body that broke off).
 * @param request - the call
 * @param cause - what fetch or the body read threw (kept as `cause`, never sent)
 * @returns the error, with `serviceName` and the call's error extensions
 */
export function transportError(request: UpstreamRequest, cause: unknown): UpstreamError {
  const { upstream, label, errorExtensions: extensions } = request;
  if (request.timedOut?.() === true) {
    return new UpstreamError(
      ErrorCode.UPSTREAM_TIMEOUT,
      upstream.name,
      `${label} did not answer within ${upstream.timeoutMs} ms`,
      { cause, extensions },
    );
  }
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream.name, `${label} is unreachable`, {
    cause,
    extensions,
  });
}

/**
 * Reads an answer's body as text; a failure while reading (the timeout firing, the connection
 * breaking) becomes the same error as a failed fetch, and a body cut off by the response-size plugin
 * its UPSTREAM_RESPONSE_TOO_LARGE.
 * @param request - the call
 * @param response - its response
 * @returns the body
 * @throws UpstreamError UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE or UPSTREAM_RESPONSE_TOO_LARGE
 */
export function readText(request: UpstreamRequest, response: Response): Promise<string> {
  return readBody(request, () => response.text());
}

/**
 * {@link readText}'s error mapping around any reader of the body.
 * @param request - the call
 * @param read - reads the response's body
 * @returns what `read` gives
 * @throws UpstreamError as {@link readText}
 */
async function readBody<T>(request: UpstreamRequest, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    if (request.bodyError !== undefined) throw request.bodyError;
    if (cause instanceof GatewayError) throw cause;
    throw transportError(request, cause);
  }
}

/** Throws `error` after releasing the unread body. */
function refuse(response: Response, error: UpstreamError): never {
  response.body?.cancel().catch(() => undefined);
  throw error;
}

/**
 * Calls are sent with `redirect: "manual"`, so a redirect arrives as it is: a 3xx (or an opaque
 * redirect, status 0, where a runtime hides it) is refused for both kinds, never followed.
 */
function checkRedirect(request: UpstreamRequest, response: Response): void {
  const status = response.status;
  if (response.type !== "opaqueredirect" && (status < 300 || status > 399)) return;
  refuse(
    response,
    new UpstreamError(
      ErrorCode.UPSTREAM_HTTP_ERROR,
      request.upstream.name,
      `${request.label} answered with a redirect (HTTP ${status}), which the gateway does not follow`,
      { upstreamStatus: status, extensions: request.errorExtensions },
    ),
  );
}

/** A remote schema must answer JSON; a non-2xx JSON answer is a GraphQL response with errors and passes. */
function checkRemote(request: UpstreamRequest, response: Response): void {
  const { upstream, label } = request;
  const contentType = response.headers.get("content-type") ?? "";
  if (/\bjson\b/i.test(contentType)) return;
  const status = response.status;
  if (status >= 500) {
    refuse(
      response,
      new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream.name, `${label} failed with HTTP ${status}`, {
        upstreamStatus: status,
      }),
    );
  }
  if (!response.ok) {
    refuse(
      response,
      new UpstreamError(ErrorCode.UPSTREAM_HTTP_ERROR, upstream.name, `${label} answered HTTP ${status}`, {
        upstreamStatus: status,
      }),
    );
  }
  refuse(
    response,
    new UpstreamError(
      ErrorCode.UPSTREAM_INVALID_RESPONSE,
      upstream.name,
      `${label} answered with ${contentType.split(";")[0] || "no content type"}, not JSON`,
      { upstreamStatus: status },
    ),
  );
}

/** A REST service must answer 2xx; with `exposeErrors` its JSON `message`/`error` string is appended, nothing else. */
async function checkService(request: UpstreamRequest, response: Response): Promise<void> {
  if (response.ok) return;
  const { upstream, label } = request;
  const text = await readText(request, response);
  let detail = "";
  if (upstream.exposeErrors === true) {
    try {
      const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
      const message = typeof parsed.message === "string" ? parsed.message : parsed.error;
      if (typeof message === "string") detail = `: ${message}`;
    } catch {
      // not JSON: nothing to expose
    }
  }
  throw new UpstreamError(
    ErrorCode.UPSTREAM_HTTP_ERROR,
    upstream.name,
    `${label} answered HTTP ${response.status}${detail}`,
    {
      upstreamStatus: response.status,
      extensions: request.errorExtensions,
    },
  );
}

/**
 * Upstream plugin `errors`: every failure of a call becomes an {@link UpstreamError} with an UPSTREAM_*
 * code, `serviceName` and, when known, the upstream's `status`; the upstream body never goes into one.
 * Transport: UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE. Remote schemas: a non-JSON 5xx is
 * UPSTREAM_UNAVAILABLE, another non-JSON non-2xx UPSTREAM_HTTP_ERROR, a non-JSON 2xx
 * UPSTREAM_INVALID_RESPONSE. Services: any non-2xx is UPSTREAM_HTTP_ERROR. Both: a redirect (3xx; calls
 * never follow one) is UPSTREAM_HTTP_ERROR. A GatewayError thrown by an inner plugin
 * (UPSTREAM_CIRCUIT_OPEN, UPSTREAM_RESPONSE_TOO_LARGE, the gateway token's INVALID_CONFIG) passes unchanged.
 * @returns the plugin
 */
export function useUpstreamErrors(): UpstreamPlugin {
  return {
    name: "errors",
    async call(request, next) {
      let response: Response;
      try {
        response = await next(request);
      } catch (cause) {
        if (cause instanceof GatewayError) throw cause;
        throw transportError(request, cause);
      }
      checkRedirect(request, response);
      if (request.kind === "remote") checkRemote(request, response);
      else await checkService(request, response);
      return response;
    },
  };
}

/**
 * The answer of a call: its response and a body reader bound to the call's errors.
 * @param request - the call
 * @param response - the response the plugins let through
 */
export const answerOf = (request: UpstreamRequest, response: Response): UpstreamAnswer => ({
  response,
  text: () => readText(request, response),
  bytes: () => readBody(request, async () => new Uint8Array(await response.arrayBuffer())),
});
