import type { TraceAttributeValue } from "../shared";
import type { SpanData } from "./spans";

/** Where and how spans are exported: read from the Worker's env by {@link exportSettings}. */
export interface ExportSettings {
  /** The traces URL: `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces`, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as given. */
  url: string;
  /** Headers of every export request (`OTEL_EXPORTER_OTLP_HEADERS`) plus `content-type: application/json`. */
  headers: Record<string, string>;
  /** `service.name` of the resource (`OTEL_SERVICE_NAME`). @default "junction" */
  serviceName: string;
}

/** An env value that makes tracing impossible, with why: logged once per value by the caller. */
export interface ExportSettingsProblem {
  /** The variable at fault. */
  variable: string;
  /** What is wrong with it. */
  message: string;
}

/** Export requests give up after this long (OpenTelemetry's default `OTEL_EXPORTER_OTLP_TIMEOUT`), ms. */
export const EXPORT_TIMEOUT_MS = 10_000;

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;

/**
 * Reads `OTEL_EXPORTER_OTLP_HEADERS`: a comma-separated list of `key=value`, values percent-decoded
 * (OpenTelemetry's "Specifying headers via environment variables", the W3C Baggage format).
 * @param value - the variable's value
 * @returns lower-cased names -> values
 * @throws Error naming the first member that is not `key=value` or whose value cannot be decoded
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/#specifying-headers-via-environment-variables
 */
export function parseOtlpHeaders(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const raw of value.split(",")) {
    const member = raw.trim();
    if (member === "") continue;
    const eq = member.indexOf("=");
    const name = eq > 0 ? member.slice(0, eq).trim().toLowerCase() : "";
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) throw new Error(`"${member.slice(0, 40)}" is not key=value`);
    try {
      headers[name] = decodeURIComponent(member.slice(eq + 1).trim());
    } catch {
      throw new Error(`the value of "${name}" is not percent-encoded correctly`);
    }
  }
  return headers;
}

/**
 * The export settings of the env: none when neither `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` nor
 * `OTEL_EXPORTER_OTLP_ENDPOINT` is set (tracing off). The general endpoint gets `/v1/traces` appended (a
 * trailing `/` is not doubled); the traces endpoint is used as given (OTLP exporter spec, "Endpoint URLs for OTLP/HTTP").
 * @param env - the Worker's bindings
 * @returns the settings; null when tracing is off; a problem when a variable is set but unusable
 * @see https://opentelemetry.io/docs/specs/otel/protocol/exporter/#endpoint-urls-for-otlphttp
 */
export function exportSettings(env: Record<string, unknown>): ExportSettings | ExportSettingsProblem | null {
  const signal = text(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const base = text(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (signal === undefined && base === undefined) return null;
  const variable = signal === undefined ? "OTEL_EXPORTER_OTLP_ENDPOINT" : "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
  const url = signal ?? `${(base as string).replace(/\/+$/, "")}/v1/traces`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    return { variable, message: `is not an absolute http(s) URL: "${url.slice(0, 200)}"` };
  }
  let headers: Record<string, string> = {};
  const rawHeaders = text(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) ?? text(env.OTEL_EXPORTER_OTLP_HEADERS);
  if (rawHeaders !== undefined) {
    try {
      headers = parseOtlpHeaders(rawHeaders);
    } catch (error) {
      const name =
        text(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS) === undefined
          ? "OTEL_EXPORTER_OTLP_HEADERS"
          : "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
      return { variable: name, message: (error as Error).message };
    }
  }
  return {
    url,
    headers: { ...headers, "content-type": "application/json" },
    serviceName: text(env.OTEL_SERVICE_NAME) ?? "junction",
  };
}

/** One OTLP `AnyValue` in the JSON encoding (int64 as a decimal string, arrays as `arrayValue`). */
function anyValue(value: TraceAttributeValue): Record<string, unknown> {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") {
    return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  }
  return { arrayValue: { values: value.map((item) => ({ stringValue: item })) } };
}

const attributesOf = (attributes: Iterable<[string, TraceAttributeValue]>) =>
  Array.from(attributes, ([key, value]) => ({ key, value: anyValue(value) }));

/** ms since the epoch as OTLP's fixed64 nanoseconds, a decimal string. */
const nanos = (ms: number): string => `${Math.round(ms)}000000`;

/** The instrumentation scope of every span. */
const SCOPE = { name: "junction", version: "0.1.0" };

/**
 * Encodes ended spans as an OTLP `ExportTraceServiceRequest` in the JSON encoding of OTLP/HTTP: ids
 * as hex strings, enums as numbers, 64-bit integers as decimal strings, one resource and one scope.
 * @param spans - the spans (running ones are left out)
 * @param serviceName - `service.name` of the resource
 * @returns the request body
 * @see https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding
 */
export function encodeSpans(spans: readonly SpanData[], serviceName: string): string {
  const encoded = [];
  for (const span of spans) {
    if (span.endMs === undefined) continue;
    encoded.push({
      traceId: span.traceId,
      spanId: span.spanId,
      ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
      ...(span.traceState === undefined ? {} : { traceState: span.traceState }),
      name: span.name,
      kind: span.kind,
      startTimeUnixNano: nanos(span.startMs),
      endTimeUnixNano: nanos(span.endMs),
      attributes: attributesOf(span.attributes),
      // Status ERROR (2) with the code as message; UNSET (0) otherwise (the trace API's default).
      status: span.errorCode === undefined ? {} : { code: 2, message: span.errorCode },
    });
  }
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: attributesOf([["service.name", serviceName]]) },
        scopeSpans: [{ scope: SCOPE, spans: encoded }],
      },
    ],
  });
}

/**
 * Sends one request's spans: one POST of their OTLP JSON to the settings' URL, bounded by
 * {@link EXPORT_TIMEOUT_MS}. Never throws: a failure is returned for the caller to log.
 * @param settings - URL, headers, service name
 * @param spans - the spans (ended ones are sent)
 * @returns undefined when the collector took them (2xx), else what went wrong (status or the fetch error)
 */
export async function exportSpans(settings: ExportSettings, spans: readonly SpanData[]): Promise<string | undefined> {
  try {
    const res = await fetch(settings.url, {
      method: "POST",
      headers: settings.headers,
      body: encodeSpans(spans, settings.serviceName),
      signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
    });
    // The body is read (and dropped) so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? undefined : `the collector answered ${res.status}`;
  } catch (error) {
    return `the export failed: ${String(error).slice(0, 200)}`;
  }
}
