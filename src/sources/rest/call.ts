import type { EndpointConfig, ServiceConfig } from "../../config";
import { ErrorCode, UpstreamError, ValidationError } from "../../errors";
import type { UpstreamContext } from "../../shared";
import {
  renderJsonTemplate,
  renderPathTemplate,
  renderQueryValues,
  renderTemplate,
  type TemplateScope,
} from "../../templates";
import type { UpstreamPipeline } from "../../upstream";

/** One HTTP request to a REST service, ready for the upstream pipeline. */
export interface RestRequest {
  /** Absolute URL with path and query. */
  url: string;
  /** HTTP method. */
  method: string;
  /** The call's own headers (`content-type`, `accept`), above the header rules. */
  headers: Headers;
  /** The endpoint's header ops, applied over everything. */
  editHeaders: ((headers: Headers) => void) | undefined;
  /** JSON text, or undefined for no body. */
  body: string | undefined;
  /** What identifies the call within a request, for GET dedupe: method, URL and the call's own headers. */
  key: string;
}

const BODY_BY_DEFAULT = new Set(["POST", "PUT", "PATCH"]);

/** Each service's base URL, parsed once per isolate (every call is checked against it). */
const baseUrls = new WeakMap<ServiceConfig, URL>();
const baseUrlOf = (service: ServiceConfig): URL => {
  let base = baseUrls.get(service);
  if (base === undefined) {
    base = new URL(service.url);
    baseUrls.set(service, base);
  }
  return base;
};

/**
 * Whether `url` stays under the service's base URL: same origin, and a path equal to the base path or
 * below it (`/v1` covers `/v1` and `/v1/...`, not `/v10`).
 */
function isUnder(url: URL, base: URL): boolean {
  if (url.origin !== base.origin) return false;
  const basePath = base.pathname.replace(/\/+$/, "");
  return url.pathname === basePath || url.pathname.startsWith(`${basePath}/`);
}

/**
 * Builds the request of one endpoint call: path template (values URL-encoded; an empty, `.` or `..`
 * segment refused, see renderPathTemplate) appended to the service URL, which the result must stay
 * under; query parameters (left out when null or missing, `""` sent as `""`, repeated for a list, see
 * renderQueryValues); body (the `body` template, else the field's arguments for POST/PUT/PATCH, as
 * Space Cloud does; none for GET and DELETE); `content-type` and `accept`; then the endpoint's header
 * ops, which the pipeline applies over its header rules (configured > gateway token > session >
 * x-request-id > forwarded client headers).
 *
 * @param service - the service's config
 * @param endpoint - the endpoint's config
 * @param scope - args, parent and session for the templates
 * @returns the request
 * @throws ValidationError INVALID_ARGUMENT for a path segment that renders empty, `.` or `..`, or a URL
 *   that leaves the service's base URL; MISSING_SESSION_VARIABLE for a `{session.x}` the session lacks
 */
export function buildRestRequest(service: ServiceConfig, endpoint: EndpointConfig, scope: TemplateScope): RestRequest {
  const url = new URL(service.url.replace(/\/+$/, "") + renderPathTemplate(endpoint.path, scope));
  if (!isUnder(url, baseUrlOf(service))) {
    throw new ValidationError(
      ErrorCode.INVALID_ARGUMENT,
      `The path of endpoint "${endpoint.path}" leaves the base URL of service "${service.name}".`,
    );
  }
  for (const [name, template] of Object.entries(endpoint.query ?? {})) {
    for (const value of renderQueryValues(template, scope)) url.searchParams.append(name, value);
  }
  const headers = new Headers();
  let body: string | undefined;
  if (endpoint.body !== undefined) body = JSON.stringify(renderJsonTemplate(endpoint.body, scope));
  else if (BODY_BY_DEFAULT.has(endpoint.method)) body = JSON.stringify(scope.args);
  if (body !== undefined) headers.set("content-type", "application/json");
  headers.set("accept", "application/json");
  const ops = endpoint.headers.map((op) => ({ ...op, value: renderTemplate(op.value ?? "", scope) }));
  const editHeaders =
    ops.length === 0
      ? undefined
      : (target: Headers): void => {
          for (const op of ops) {
            if (op.op === "del") target.delete(op.key);
            else if (op.op === "set") target.set(op.key, op.value);
            else target.append(op.key, op.value);
          }
        };
  const own = new Headers(headers);
  editHeaders?.(own);
  const href = url.toString();
  return {
    url: href,
    method: endpoint.method,
    headers,
    editHeaders,
    body,
    key: `${href}\n${JSON.stringify([...own])}`,
  };
}

/**
 * Sends one request through the upstream pipeline and parses the JSON answer.
 *
 * @param service - the service's config (name, timeoutMs, exposeErrors)
 * @param endpointName - for errors
 * @param request - from buildRestRequest
 * @param pipeline - the isolate's upstream pipeline
 * @param context - the request served (headers, session, cookies), if any
 * @returns the parsed JSON (null for an empty body)
 * @throws UpstreamError UPSTREAM_TIMEOUT, UPSTREAM_UNAVAILABLE, UPSTREAM_HTTP_ERROR (see the pipeline's
 *   `errors` plugin), UPSTREAM_INVALID_RESPONSE (not JSON); every one with `serviceName`, `endpoint` and,
 *   when known, `status`
 */
export async function callRest(
  service: ServiceConfig,
  endpointName: string,
  request: RestRequest,
  pipeline: UpstreamPipeline,
  context: UpstreamContext | undefined,
): Promise<unknown> {
  const label = `Service "${service.name}" endpoint "${endpointName}"`;
  const answer = await pipeline.call({
    kind: "service",
    upstream: service,
    url: request.url,
    method: request.method,
    headers: request.headers,
    editHeaders: request.editHeaders,
    body: request.body,
    label,
    operation: endpointName,
    errorExtensions: { endpoint: endpointName },
    context,
  });
  const text = await answer.text();
  if (text.trim() === "") return null;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new UpstreamError(
      ErrorCode.UPSTREAM_INVALID_RESPONSE,
      service.name,
      `${label} answered with a body that is not JSON`,
      { upstreamStatus: answer.response.status, cause, extensions: { endpoint: endpointName } },
    );
  }
}
