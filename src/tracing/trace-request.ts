import type { GatewayContext } from "../shared";
import { type ExportSettings, type ExportSettingsProblem, exportSettings, exportSpans } from "./otlp";
import { startRequestTrace } from "./spans";
import { parseTraceparent, parseTracestate } from "./trace-context";

/** The settings read last, by the env values they were read from (env vars do not change within an isolate). */
let cached: { key: string; settings: ExportSettings | ExportSettingsProblem | null } | undefined;

/** The variables {@link exportSettings} reads, in a fixed order (their values make the cache key). */
const VARIABLES = [
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  "OTEL_SERVICE_NAME",
] as const;

/** The export settings of `env`, read once per distinct set of values; a problem is logged once. */
function settingsOf(env: Record<string, unknown>, context: GatewayContext): ExportSettings | null {
  const key = VARIABLES.map((name) => String(env[name] ?? "")).join("\n");
  if (cached?.key !== key) {
    cached = { key, settings: exportSettings(env) };
    const settings = cached.settings;
    if (settings !== null && "variable" in settings) {
      context.log.error(
        { variable: settings.variable, code: "INVALID_CONFIG" },
        `${settings.variable} ${settings.message}; traces are not exported`,
      );
    }
  }
  const settings = cached.settings;
  return settings === null || "variable" in settings ? null : settings;
}

/**
 * Traces one `/graphql` request when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * is set: starts the operation span under the client's `traceparent` (W3C Trace Context; an invalid one
 * is ignored and a new trace starts), puts the trace on the context (Yoga's `useTracing`, the fast lane and
 * the upstream plugin `tracing` fill it), runs the request, ends the span when the response's headers are
 * ready (a streamed body is not waited for), and exports the request's spans in one OTLP/HTTP JSON POST
 * in `waitUntil`, after the answer. With neither variable set it only runs the request: no span objects
 * are made. A failed export is logged (warn) and never affects the answer.
 * @param request - the client's request (its `traceparent`, `tracestate` and method are read)
 * @param context - the request's context (env, session, log, waitUntil); gets `trace`
 * @param run - answers the request
 * @returns run's response
 * @throws whatever run throws (the span records it first)
 */
export async function traceOperation(
  request: Request,
  context: GatewayContext,
  run: () => Promise<Response>,
): Promise<Response> {
  const env = context.env as unknown as Record<string, unknown>;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined && env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT === undefined) {
    return run();
  }
  const settings = settingsOf(env, context);
  if (settings === null) return run();
  const parent = parseTraceparent(request.headers.get("traceparent"));
  const trace = startRequestTrace({
    parent,
    tracestate: parent === undefined ? undefined : parseTracestate(request.headers.get("tracestate")),
  });
  context.trace = trace;
  const span = trace.operation;
  span.setAttribute("http.request.method", request.method);
  span.setAttribute("url.path", "/graphql");
  if (context.session.role !== null) span.setAttribute("junction.role", context.session.role);
  span.setAttribute("junction.request_id", context.requestId);
  try {
    const response = await run();
    span.setAttribute("http.response.status_code", response.status);
    if (response.status >= 500) span.fail(String(response.status));
    return response;
  } catch (error) {
    span.fail(error instanceof Error ? error.name : "Error");
    throw error;
  } finally {
    span.end();
    if (trace.sampled) {
      const spans = trace.spans;
      context.executionCtx.waitUntil(
        exportSpans(settings, spans).then((problem) => {
          if (problem !== undefined) context.log.warn({ url: settings.url }, `trace export: ${problem}`);
        }),
      );
    }
  }
}
