/**
 * OpenTelemetry traces (docs/observability.md): with OTEL_EXPORTER_OTLP_ENDPOINT pointing at the
 * collector stub on loopback (fixtures/otlp-collector.ts), one `/graphql` request is exported as one
 * OTLP/HTTP JSON POST holding its operation span and a span per upstream call; the client's W3C
 * `traceparent` decides the trace id and the operation span's parent, and every upstream receives a
 * `traceparent` naming its own call span. Without the variable nothing is sent.
 */
import { describe, expect, it } from "vitest";
import { fastLaneCounters } from "../../src/fastlane";
import { createLogger } from "../../src/observability";
import { type TestGatewayOptions, testGateway } from "../fixtures/gateways";
import type { ReceivedExport } from "../fixtures/otlp-collector";
import { control, type GraphQLBody, stats, type TestGateway, uniqueId, upstreamBase } from "../helpers";

const SDL = `
  type Echo { headers: String! }
  extend type Query { echoed: Echo @rest(service: "echo", endpoint: "headers") }
`;

/** A REST endpoint whose answer holds the headers it received; its query string carries a "secret". */
const ECHO = {
  name: "echo",
  endpoints: { headers: { method: "GET", path: "/echo/headers", query: { key: "query-string-secret" } } },
};

/** The collector URL of test `id`. */
const collector = (id: string): string => `${upstreamBase()}/otlp/${id}`;

/** A gateway over test `id`'s accounts remote and echo service, exporting to the stub unless `env` says otherwise. */
function tracedGateway(id: string, env: Record<string, unknown> = {}, options: TestGatewayOptions = {}): TestGateway {
  return testGateway(
    id,
    { remotes: ["accounts"], services: [ECHO] },
    {
      ...options,
      files: { "schemas/echo.graphql": SDL },
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector(id),
        OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=k%20one",
        ...env,
      },
    },
  );
}

/** The exports the stub received for test `id`. */
async function exportsOf(id: string): Promise<ReceivedExport[]> {
  return (await (await fetch(`${collector(id)}/received`)).json()) as ReceivedExport[];
}

/** One OTLP JSON span, as the stub received it. */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code?: number; message?: string };
}

/** The spans of one export, with the resource's attributes. */
function spansOf(received: ReceivedExport): { resource: Record<string, unknown>; spans: OtlpSpan[] } {
  const body = received.body as {
    resourceSpans: { resource: { attributes: OtlpSpan["attributes"] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
  };
  expect(body.resourceSpans).toHaveLength(1);
  const [resourceSpans] = body.resourceSpans as [(typeof body.resourceSpans)[number]];
  expect(resourceSpans.scopeSpans).toHaveLength(1);
  return {
    resource: attributes({ attributes: resourceSpans.resource.attributes } as OtlpSpan),
    spans: (resourceSpans.scopeSpans[0] as { spans: OtlpSpan[] }).spans,
  };
}

/** A span's attributes as key -> plain value (intValue as a number, arrays as arrays). */
function attributes(span: Pick<OtlpSpan, "attributes">): Record<string, unknown> {
  const plain = (value: Record<string, unknown>): unknown => {
    if ("intValue" in value) return Number(value.intValue);
    if ("arrayValue" in value) return (value.arrayValue as { values: Record<string, unknown>[] }).values.map(plain);
    return Object.values(value)[0];
  };
  return Object.fromEntries(span.attributes.map(({ key, value }) => [key, plain(value)]));
}

/** Random lower-case hex of `bytes` bytes. */
const hex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

/** POSTs an operation with extra headers; returns status and body. */
async function post(
  gw: TestGateway,
  query: string,
  headers: Record<string, string>,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLBody }> {
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLBody };
}

const PROBE = "query Probe($v: String!) { echo(value: $v) requestHeaders echoed { headers } }";
const SECRET_VARIABLE = "variable-secret-value";

/** Runs PROBE; returns the headers the accounts remote and the echo service received. */
async function probe(gw: TestGateway, headers: Record<string, string>) {
  const { status, body } = await post(gw, PROBE, headers, { v: SECRET_VARIABLE });
  expect(body.errors, JSON.stringify(body)).toBeUndefined();
  expect(status).toBe(200);
  const data = body.data as { requestHeaders: string; echoed: { headers: string } };
  return {
    accounts: JSON.parse(data.requestHeaders) as Record<string, string | undefined>,
    echo: JSON.parse(data.echoed.headers) as Record<string, string | undefined>,
  };
}

describe("OpenTelemetry traces over OTLP/HTTP", () => {
  it("exports the operation span under the client's span, and one child span per upstream call that the upstream sees as parent", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    const clientTrace = hex(16);
    const clientSpan = hex(8);
    const received = await probe(gw, {
      traceparent: `00-${clientTrace}-${clientSpan}-01`,
      tracestate: "vendor=abc, other@sys=x1",
    });

    const exports = await exportsOf(id);
    expect(exports).toHaveLength(1);
    const [sent] = exports as [ReceivedExport];
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers["x-collector-key"]).toBe("k one");
    const { resource, spans } = spansOf(sent);
    expect(resource["service.name"]).toBe("junction");
    expect(spans).toHaveLength(3);

    const operation = spans.find((span) => span.kind === 2) as OtlpSpan;
    expect(operation.name).toBe("query Probe");
    expect(operation.traceId).toBe(clientTrace);
    expect(operation.parentSpanId).toBe(clientSpan);
    expect(operation.traceState).toBe("vendor=abc,other@sys=x1");
    expect(operation.status).toEqual({});
    expect(attributes(operation)).toMatchObject({
      "graphql.operation.name": "Probe",
      "graphql.operation.type": "query",
      "http.request.method": "POST",
      "http.response.status_code": 200,
    });
    expect(BigInt(operation.endTimeUnixNano) >= BigInt(operation.startTimeUnixNano)).toBe(true);

    const calls = spans.filter((span) => span.kind === 3);
    expect(calls.map((span) => span.name).sort()).toEqual(["GET echo", "POST accounts"]);
    for (const call of calls) {
      expect(call.traceId).toBe(clientTrace);
      expect(call.parentSpanId).toBe(operation.spanId);
      expect(call.spanId).not.toBe(operation.spanId);
    }
    const accounts = calls.find((span) => span.name === "POST accounts") as OtlpSpan;
    const echo = calls.find((span) => span.name === "GET echo") as OtlpSpan;
    expect(attributes(accounts)).toMatchObject({
      "junction.upstream.name": "accounts",
      "junction.upstream.kind": "graphql",
      "http.request.method": "POST",
      "http.response.status_code": 200,
      "url.full": `${upstreamBase()}/t/${id}/accounts/graphql`,
    });
    expect(attributes(echo)).toMatchObject({
      "junction.upstream.name": "echo",
      "junction.upstream.kind": "rest",
      "http.request.method": "GET",
      "http.response.status_code": 200,
      "url.full": `${upstreamBase()}/r/${id}/echo/headers`,
    });

    // Each upstream sees the client's trace id with its own call span as parent, and the client's tracestate.
    expect(received.accounts.traceparent).toBe(`00-${clientTrace}-${accounts.spanId}-01`);
    expect(received.echo.traceparent).toBe(`00-${clientTrace}-${echo.spanId}-01`);
    expect(received.accounts.tracestate).toBe("vendor=abc,other@sys=x1");

    // Never variables, query strings or documents.
    const text = JSON.stringify(sent.body);
    expect(text).not.toContain(SECRET_VARIABLE);
    expect(text).not.toContain("query-string-secret");
    expect(text).not.toContain("requestHeaders");
  });

  it("starts a new trace when the client's traceparent is invalid, and ignores its tracestate", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    const clientTrace = hex(16);
    // Upper-case hex is invalid (W3C Trace Context 3.2.2.3).
    const received = await probe(gw, {
      traceparent: `00-${clientTrace.toUpperCase()}-${hex(8)}-01`,
      tracestate: "vendor=abc",
    });
    const [sent] = (await exportsOf(id)) as [ReceivedExport];
    const { spans } = spansOf(sent);
    const operation = spans.find((span) => span.kind === 2) as OtlpSpan;
    expect(operation.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(operation.traceId).not.toBe(clientTrace);
    expect(operation.parentSpanId).toBeUndefined();
    expect(operation.traceState).toBeUndefined();
    for (const call of spans.filter((span) => span.kind === 3)) expect(call.traceId).toBe(operation.traceId);
    const accounts = spans.find((span) => span.name === "POST accounts") as OtlpSpan;
    expect(received.accounts.traceparent).toBe(`00-${operation.traceId}-${accounts.spanId}-01`);
    expect(received.accounts.tracestate).toBeUndefined();
  });

  it("starts a sampled trace of its own without a traceparent", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    const received = await probe(gw, {});
    const [sent] = (await exportsOf(id)) as [ReceivedExport];
    const { spans } = spansOf(sent);
    const operation = spans.find((span) => span.kind === 2) as OtlpSpan;
    expect(operation.parentSpanId).toBeUndefined();
    const echo = spans.find((span) => span.name === "GET echo") as OtlpSpan;
    expect(received.echo.traceparent).toBe(`00-${operation.traceId}-${echo.spanId}-01`);
  });

  it("exports nothing for a client that does not sample, yet passes its trace id on", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    const clientTrace = hex(16);
    const clientSpan = hex(8);
    const received = await probe(gw, { traceparent: `00-${clientTrace}-${clientSpan}-00` });
    expect(await exportsOf(id)).toEqual([]);
    expect(received.accounts.traceparent).toMatch(new RegExp(`^00-${clientTrace}-[0-9a-f]{16}-00$`));
    expect(received.accounts.traceparent).not.toContain(clientSpan);
  });

  it("sends nothing and adds no traceparent when OTEL_EXPORTER_OTLP_ENDPOINT is unset", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id, { OTEL_EXPORTER_OTLP_ENDPOINT: undefined });
    const received = await probe(gw, { traceparent: `00-${hex(16)}-${hex(8)}-01` });
    expect(await exportsOf(id)).toEqual([]);
    // Not forwarded either: forwardClientHeaders defaults to none.
    expect(received.accounts.traceparent).toBeUndefined();
    expect(received.echo.traceparent).toBeUndefined();
  });

  it("traces an operation the fast lane answers: named from its decision, with its upstream call", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    const query = "query Lane { requestHeaders }";
    // The first requests of a cold gateway may run on the remote's own schema (see the fast lane's tests' warm()).
    expect((await post(gw, "{ __typename }", {})).status).toBe(200);
    expect((await post(gw, query, {})).status).toBe(200);
    const before = fastLaneCounters.served;
    const clientTrace = hex(16);
    const { status, body } = await post(gw, query, { traceparent: `00-${clientTrace}-${hex(8)}-01` });
    expect(status).toBe(200);
    expect(fastLaneCounters.served - before).toBe(1);
    const exports = await exportsOf(id);
    expect(exports).toHaveLength(3);
    const { spans } = spansOf(exports[2] as ReceivedExport);
    expect(spans).toHaveLength(2);
    const operation = spans.find((span) => span.kind === 2) as OtlpSpan;
    const call = spans.find((span) => span.kind === 3) as OtlpSpan;
    expect(operation.name).toBe("query Lane");
    expect(operation.traceId).toBe(clientTrace);
    expect(attributes(operation)).toMatchObject({
      "graphql.operation.name": "Lane",
      "graphql.operation.type": "query",
    });
    expect(call.parentSpanId).toBe(operation.spanId);
    const headers = JSON.parse((body.data as { requestHeaders: string }).requestHeaders) as Record<string, string>;
    expect(headers.traceparent).toBe(`00-${clientTrace}-${call.spanId}-01`);
  });

  it("records a failed upstream call's code on its span and the operation's error codes", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    await control(id, "accounts", { mode: "500" });
    const { body } = await post(gw, "query Broken { requestHeaders }", {});
    expect(body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_UNAVAILABLE");
    const [sent] = (await exportsOf(id)) as [ReceivedExport];
    const { spans } = spansOf(sent);
    const operation = spans.find((span) => span.kind === 2) as OtlpSpan;
    const call = spans.find((span) => span.kind === 3) as OtlpSpan;
    expect(call.status).toEqual({ code: 2, message: "UPSTREAM_UNAVAILABLE" });
    expect(attributes(call)).toMatchObject({ "error.type": "UPSTREAM_UNAVAILABLE", "http.response.status_code": 500 });
    expect(operation.status).toEqual({ code: 2, message: "UPSTREAM_UNAVAILABLE" });
    expect(attributes(operation)["junction.error_codes"]).toEqual(["UPSTREAM_UNAVAILABLE"]);
  });

  it("makes one span per call however many attempts: a retried query is one span, both attempts under it", async () => {
    const id = uniqueId("trace");
    const gw = tracedGateway(id);
    expect((await post(gw, "{ __typename }", {})).status).toBe(200);
    await control(id, "accounts", { failures: 1, failMode: "503" });
    const { body } = await post(gw, "query Retried { requestHeaders }", {});
    expect(body.errors).toBeUndefined();
    expect((await stats(id, "accounts")).operations).toBe(2);
    const exports = await exportsOf(id);
    const { spans } = spansOf(exports[exports.length - 1] as ReceivedExport);
    const calls = spans.filter((span) => span.kind === 3);
    expect(calls).toHaveLength(1);
    const call = calls[0] as OtlpSpan;
    expect(call.status).toEqual({});
    expect(attributes(call)["http.response.status_code"]).toBe(200);
    const headers = JSON.parse((body.data as { requestHeaders: string }).requestHeaders) as Record<string, string>;
    expect(headers.traceparent).toBe(`00-${call.traceId}-${call.spanId}-01`);
  });

  it("logs an unusable endpoint once with the variable's name, and answers without tracing", async () => {
    const id = uniqueId("trace");
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({ sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const gw = tracedGateway(id, { OTEL_EXPORTER_OTLP_ENDPOINT: `collector-${id}:4318` }, { log });
    for (let i = 0; i < 2; i++) {
      const received = await probe(gw, { traceparent: `00-${hex(16)}-${hex(8)}-01` });
      expect(received.accounts.traceparent).toBeUndefined();
    }
    const errors = lines.filter((line) => line.level === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      variable: "OTEL_EXPORTER_OTLP_ENDPOINT",
      code: "INVALID_CONFIG",
      msg: `OTEL_EXPORTER_OTLP_ENDPOINT is not an absolute http(s) URL: "collector-${id}:4318/v1/traces"; traces are not exported`,
    });
    expect(await exportsOf(id)).toEqual([]);
  });

  it("answers as usual when the collector refuses the export", async () => {
    const id = uniqueId("trace");
    await fetch(`${collector(id)}/control`, { method: "POST", body: JSON.stringify({ status: 503 }) });
    const gw = tracedGateway(id);
    const { status, body } = await post(gw, '{ echo(value: "x") }', {});
    expect(status).toBe(200);
    expect(body.data).toEqual({ echo: "x" });
    expect(await exportsOf(id)).toHaveLength(1);
  });
});
