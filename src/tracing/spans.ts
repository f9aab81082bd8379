import type { RequestTrace, TraceAttributeValue, TraceSpan } from "../shared";
import { formatTraceparent, newSpanId, newTraceId, type ParentContext } from "./trace-context";

/** OpenTelemetry's span kinds as OTLP numbers them (opentelemetry-proto trace.proto, `Span.SpanKind`). */
export const SpanKind = { internal: 1, server: 2, client: 3 } as const;

/** A finished or running span: what the OTLP encoder reads (times in ms since the epoch). */
export interface SpanData {
  /** The trace's id, 32 hex digits (the client's, or one the gateway made). */
  traceId: string;
  /** This span's id, 16 hex digits. */
  spanId: string;
  /** The parent's span id; undefined for a root span. */
  parentSpanId: string | undefined;
  /** The `tracestate` the span was started under. */
  traceState: string | undefined;
  /** The span name (`query GetUser`, `POST users`). */
  name: string;
  /** OTLP's number, see {@link SpanKind}. */
  kind: number;
  /** Start, ms since the epoch (workerd's clock advances at I/O only). */
  startMs: number;
  /** End, ms since the epoch; undefined while running. */
  endMs: number | undefined;
  /** The attributes, in the order they were first set. */
  attributes: Map<string, TraceAttributeValue>;
  /** The first failure's code (status ERROR); undefined when the span did not fail. */
  errorCode: string | undefined;
}

/** One span of a request's trace; records only when the trace is sampled. */
class Span implements TraceSpan {
  readonly data: SpanData;
  readonly traceparent: string;

  constructor(data: SpanData, sampled: boolean) {
    this.data = data;
    this.traceparent = formatTraceparent(data.traceId, data.spanId, sampled);
  }

  setAttribute(key: string, value: TraceAttributeValue): void {
    if (this.data.endMs === undefined) this.data.attributes.set(key, value);
  }

  fail(code: string): void {
    if (this.data.endMs !== undefined || this.data.errorCode !== undefined) return;
    this.data.errorCode = code;
    this.data.attributes.set("error.type", code);
  }

  end(): void {
    if (this.data.endMs === undefined) this.data.endMs = Date.now();
  }
}

/** What {@link startRequestTrace} reads of the request. */
export interface RequestTraceInput {
  /** The client's parent context (a valid `traceparent`), or undefined to start a new trace. */
  parent: ParentContext | undefined;
  /** The client's `tracestate` (already validated), when it sent a valid `traceparent` too. */
  tracestate: string | undefined;
}

/** A request's trace with what the exporter needs: the spans, and whether they are to be exported. */
export interface RecordedTrace extends RequestTrace {
  /** Whether the trace is sampled: the client's flag, or true for a trace the gateway starts. */
  readonly sampled: boolean;
  /** The spans started so far, the operation span first. */
  readonly spans: readonly SpanData[];
}

/** At most this many spans per request: a request with more upstream calls keeps the first ones. */
export const MAX_SPANS_PER_REQUEST = 256;

/**
 * Starts the trace of one request: its operation span (kind SERVER, named `graphql.operation` until
 * {@link RequestTrace.nameOperation}), under the client's span when it sent a valid `traceparent`.
 * Sampling: the client's `sampled` flag is honoured; a trace the gateway starts is always sampled. An
 * unsampled trace still makes span ids, so upstreams receive a `traceparent` (flag `00`), but records nothing.
 * @param input - the client's parent context and `tracestate`
 * @returns the trace
 */
export function startRequestTrace(input: RequestTraceInput): RecordedTrace {
  const { parent } = input;
  const traceId = parent?.traceId ?? newTraceId();
  const sampled = parent?.sampled ?? true;
  const tracestate = parent === undefined ? undefined : input.tracestate;
  const spans: SpanData[] = [];
  const make = (name: string, kind: number, parentSpanId: string | undefined): Span => {
    const data: SpanData = {
      traceId,
      spanId: newSpanId(),
      parentSpanId,
      traceState: tracestate,
      name,
      kind,
      startMs: Date.now(),
      endMs: undefined,
      attributes: new Map(),
      errorCode: undefined,
    };
    if (sampled && spans.length < MAX_SPANS_PER_REQUEST) spans.push(data);
    return new Span(data, sampled);
  };
  const operation = make("graphql.operation", SpanKind.server, parent?.spanId);
  return {
    sampled,
    spans,
    operation,
    tracestate,
    nameOperation(name, type) {
      if (operation.data.endMs !== undefined) return;
      if (name !== undefined) operation.setAttribute("graphql.operation.name", name);
      if (type !== undefined) operation.setAttribute("graphql.operation.type", type);
      // OpenTelemetry's GraphQL span name: "<type> <name>", "<type>" for an anonymous operation.
      if (type !== undefined) operation.data.name = name === undefined ? type : `${type} ${name}`;
    },
    startSpan(name, kind) {
      return make(name, kind === "client" ? SpanKind.client : SpanKind.internal, operation.data.spanId);
    },
  };
}
