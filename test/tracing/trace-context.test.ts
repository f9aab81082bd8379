/**
 * W3C Trace Context parsing (https://www.w3.org/TR/trace-context/) and the OTLP exporter's env
 * variables (OpenTelemetry's exporter spec): what is accepted, what is ignored.
 */
import { describe, expect, it } from "vitest";
import {
  encodeSpans,
  exportSettings,
  formatTraceparent,
  parseOtlpHeaders,
  parseTraceparent,
  parseTracestate,
  startRequestTrace,
} from "../../src/tracing";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("traceparent", () => {
  it("reads version 00 and the sampled flag", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true);
  });

  it("reads a later version's first four fields", () => {
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01-what-the-future-holds`)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-01`)?.spanId).toBe(SPAN);
  });

  it.each([
    ["absent", null],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["version 00 with more fields", `00-${TRACE}-${SPAN}-01-extra`],
    ["a later version glued to more", `cc-${TRACE}-${SPAN}-01x`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["two headers joined", `00-${TRACE}-${SPAN}-01, 00-${TRACE}-${SPAN}-01`],
    ["wrong separators", `00_${TRACE}_${SPAN}_01`],
  ])("ignores %s", (_label, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("writes version 00", () => {
    expect(formatTraceparent(TRACE, SPAN, true)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent(TRACE, SPAN, false)).toBe(`00-${TRACE}-${SPAN}-00`);
  });
});

describe("tracestate", () => {
  it("keeps valid members in order, empty members dropped", () => {
    expect(parseTracestate("rojo=00f067aa0ba902b7, ,congo=t61rcWkgMzE")).toBe(
      "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    );
    expect(parseTracestate("tenant@vendor=x")).toBe("tenant@vendor=x");
  });

  it("drops the whole list when a member is invalid or there are more than 32", () => {
    expect(parseTracestate("Upper=x")).toBeUndefined();
    expect(parseTracestate("novalue")).toBeUndefined();
    expect(parseTracestate("a=b=c,d")).toBeUndefined();
    expect(parseTracestate(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(","))).toBeUndefined();
    expect(parseTracestate(null)).toBeUndefined();
  });
});

describe("exporter settings", () => {
  it("is off without an endpoint", () => {
    expect(exportSettings({})).toBeNull();
    expect(exportSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toBeNull();
  });

  it("appends /v1/traces to the endpoint, and takes the traces endpoint as given", () => {
    expect(exportSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" })).toMatchObject({
      url: "http://127.0.0.1:4318/v1/traces",
      serviceName: "junction",
      headers: { "content-type": "application/json" },
    });
    expect(
      exportSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://b/custom",
        OTEL_SERVICE_NAME: "edge",
      }),
    ).toMatchObject({ url: "https://b/custom", serviceName: "edge" });
  });

  it("reads OTEL_EXPORTER_OTLP_HEADERS as key=value pairs with percent-encoded values", () => {
    expect(parseOtlpHeaders("api-key=a%20b, X-Team = t1 ,")).toEqual({ "api-key": "a b", "x-team": "t1" });
    expect(() => parseOtlpHeaders("no-equals")).toThrow('"no-equals" is not key=value');
    expect(() => parseOtlpHeaders("k=%E0%A4%A")).toThrow("not percent-encoded correctly");
  });

  it("names the variable at fault", () => {
    expect(exportSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toMatchObject({
      variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
    });
    expect(exportSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c", OTEL_EXPORTER_OTLP_HEADERS: "=x" })).toMatchObject(
      { variable: "OTEL_EXPORTER_OTLP_HEADERS" },
    );
  });
});

describe("OTLP JSON encoding", () => {
  it("encodes ended spans with hex ids, numeric enums and nanosecond strings; running spans are left out", () => {
    const trace = startRequestTrace({ parent: { traceId: TRACE, spanId: SPAN, sampled: true }, tracestate: "a=b" });
    trace.nameOperation("Get", "query");
    trace.operation.setAttribute("http.response.status_code", 200);
    trace.operation.setAttribute("junction.error_codes", ["X"]);
    const call = trace.startSpan("POST users", "client");
    call.fail("UPSTREAM_TIMEOUT");
    call.end();
    trace.startSpan("still running", "internal");
    trace.operation.end();
    const body = JSON.parse(encodeSpans(trace.spans, "junction"));
    const spans = body.resourceSpans[0].scopeSpans[0].spans;
    expect(spans).toHaveLength(2);
    expect(spans[0]).toMatchObject({
      traceId: TRACE,
      parentSpanId: SPAN,
      traceState: "a=b",
      name: "query Get",
      kind: 2,
      status: {},
      attributes: expect.arrayContaining([
        { key: "http.response.status_code", value: { intValue: "200" } },
        { key: "junction.error_codes", value: { arrayValue: { values: [{ stringValue: "X" }] } } },
        { key: "graphql.operation.name", value: { stringValue: "Get" } },
      ]),
    });
    expect(spans[0].startTimeUnixNano).toMatch(/^\d{19}$/);
    expect(spans[1]).toMatchObject({
      parentSpanId: spans[0].spanId,
      kind: 3,
      status: { code: 2, message: "UPSTREAM_TIMEOUT" },
    });
    expect(body.resourceSpans[0].resource.attributes).toEqual([
      { key: "service.name", value: { stringValue: "junction" } },
    ]);
  });
});
