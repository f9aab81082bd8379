import type { EndpointConfig, ServiceConfig } from "../../config";
import { ErrorCode, UpstreamError } from "../../errors";
import type { FetchFn } from "../remote-graphql";
import { defaultFetch, exchangeText } from "../transport";
import { renderJsonTemplate, renderQueryValues, renderTemplate, type TemplateScope } from "./templates";

/** One HTTP request to a REST service, ready to send. */
export interface RestRequest {
  /** Absolute URL with path and query. */
  url: string;
  /** HTTP method. */
  method: string;
  /** Headers after every rule and header op. */
  headers: Headers;
  /** JSON text, or undefined for no body. */
  body: string | undefined;
}

const BODY_BY_DEFAULT = new Set(["POST", "PUT", "PATCH"]);

/**
 * Builds the request of one endpoint call: path template (values URL-encoded) appended to the
 * service URL; query parameters (left out when null or missing, repeated for a list, see renderQueryValues); body (the `body` template, else the
 * field's arguments for POST/PUT/PATCH, as Space Cloud does; none for GET and DELETE); headers with
 * the remotes' rules (configured > gateway token > session > x-request-id > forwarded client headers),
 * then the endpoint's header ops.
 *
 * @param service - the service's config
 * @param endpoint - the endpoint's config
 * @param scope - args, parent and session for the templates
 * @param baseHeaders - the request's headers for the service (see requestHeaders), before the endpoint's ops
 * @returns the request
 */
export function buildRestRequest(
  service: ServiceConfig,
  endpoint: EndpointConfig,
  scope: TemplateScope,
  baseHeaders: Readonly<Record<string, string>>,
): RestRequest {
  const url = new URL(service.url.replace(/\/+$/, "") + renderTemplate(endpoint.path, scope, encodeURIComponent));
  for (const [name, template] of Object.entries(endpoint.query ?? {})) {
    for (const value of renderQueryValues(template, scope)) url.searchParams.append(name, value);
  }
  const headers = new Headers(baseHeaders);
  let body: string | undefined;
  if (endpoint.body !== undefined) body = JSON.stringify(renderJsonTemplate(endpoint.body, scope));
  else if (BODY_BY_DEFAULT.has(endpoint.method)) body = JSON.stringify(scope.args);
  if (body !== undefined) headers.set("content-type", "application/json");
  headers.set("accept", "application/json");
  for (const op of endpoint.headers) {
    if (op.op === "del") headers.delete(op.key);
    else if (op.op === "set") headers.set(op.key, renderTemplate(op.value ?? "", scope));
    else headers.append(op.key, renderTemplate(op.value ?? "", scope));
  }
  return { url: url.toString(), method: endpoint.method, headers, body };
}

/** Options of {@link callRest}. */
export interface CallRestOptions {
  /** The fetch to use. @default globalThis.fetch */
  fetch?: FetchFn;
  /** Receives the response's Set-Cookie values. */
  cookies?: string[];
}

/**
 * Sends one request and parses the JSON answer, bounded by the service's `timeoutMs`.
 *
 * @param service - the service's config (name, timeoutMs, exposeErrors)
 * @param endpointName - for errors
 * @param request - from buildRestRequest
 * @param options - fetch and cookie sink
 * @returns the parsed JSON (null for an empty body)
 * @throws UpstreamError UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE (no connection), UPSTREAM_HTTP_ERROR
 *   (non-2xx; with `exposeErrors` the body's JSON `message`/`error` string is appended, nothing else),
 *   UPSTREAM_INVALID_RESPONSE (not JSON); every one with `serviceName`, `endpoint` and, when known, `status`
 */
export async function callRest(
  service: ServiceConfig,
  endpointName: string,
  request: RestRequest,
  options: CallRestOptions = {},
): Promise<unknown> {
  const label = `Service "${service.name}" endpoint "${endpointName}"`;
  const fail = (code: ErrorCode, message: string, status?: number, cause?: unknown): never => {
    throw new UpstreamError(code, service.name, message, {
      upstreamStatus: status,
      cause,
      extensions: { endpoint: endpointName },
    });
  };
  const answer = await exchangeText(
    options.fetch ?? defaultFetch,
    request.url,
    { method: request.method, headers: request.headers, body: request.body },
    service.timeoutMs,
    options.cookies,
  );
  if (!answer.ok) {
    if (answer.timedOut) {
      return fail(
        ErrorCode.UPSTREAM_TIMEOUT,
        `${label} did not answer within ${service.timeoutMs} ms`,
        undefined,
        answer.cause,
      );
    }
    return fail(ErrorCode.UPSTREAM_UNAVAILABLE, `${label} is unreachable`, undefined, answer.cause);
  }
  const { response, text } = answer;
  if (!response.ok) {
    let detail = "";
    if (service.exposeErrors) {
      try {
        const parsed = JSON.parse(text) as { message?: unknown; error?: unknown };
        const message = typeof parsed.message === "string" ? parsed.message : parsed.error;
        if (typeof message === "string") detail = `: ${message}`;
      } catch {
        // not JSON: nothing to expose
      }
    }
    return fail(ErrorCode.UPSTREAM_HTTP_ERROR, `${label} answered HTTP ${response.status}${detail}`, response.status);
  }
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch (cause) {
    return fail(
      ErrorCode.UPSTREAM_INVALID_RESPONSE,
      `${label} answered with a body that is not JSON`,
      response.status,
      cause,
    );
  }
}
