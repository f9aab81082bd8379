import type { ExecutionResult, GraphQLFormattedError } from "graphql";
import type { FetchFn } from "../shared";

/** The operation a remote stream sends upstream. */
export interface UpstreamOperation {
  query: string;
  operationName?: string | null;
  variables: Record<string, unknown>;
}

/**
 * What a transport reports of one upstream connection attempt. After `error`, `complete` or `lost` it
 * reports nothing more.
 */
export interface StreamSink {
  /** The subscription is established (SSE: the event stream answered; graphql-ws: `connection_ack` came and `subscribe` went). */
  opened(): void;
  /** One upstream result (`next`). */
  next(result: ExecutionResult): void;
  /** The upstream refused or ended the operation with GraphQL errors (terminal: the clients get them). */
  error(errors: readonly GraphQLFormattedError[]): void;
  /** The upstream completed the subscription. */
  complete(): void;
  /** The connection failed or dropped (worth reconnecting). */
  lost(reason: string): void;
}

/**
 * Opens one upstream subscription.
 * @param url - the http(s) URL
 * @param headers - every header of the request (the header rules' result)
 * @param operation - the operation to send
 * @param sink - where it reports
 * @param fetchFn - what sends the request: the platform's fetch, or a service binding's (a remote with
 *   `binding`) @default globalThis.fetch
 * @returns a function closing the connection (no report follows)
 */
export type StreamTransport = (
  url: string,
  headers: Record<string, string>,
  operation: UpstreamOperation,
  sink: StreamSink,
  fetchFn?: FetchFn,
) => () => void;

/**
 * Whether an upstream result is the operation refused rather than an event: errors and no data. GraphQL
 * over SSE servers send a subscribe resolver's error so (then `complete`), and graphql-ws servers too; a
 * result with data and errors is an ordinary event with field errors.
 * @param result - one upstream result
 * @returns its errors when it is a refusal, else undefined
 * @see https://spec.graphql.org/October2021/#sec-Response-Format ("data" absent or null when execution did not start)
 */
export function refusalOf(result: ExecutionResult): readonly GraphQLFormattedError[] | undefined {
  const refused = (result.errors?.length ?? 0) > 0 && (result.data === undefined || result.data === null);
  return refused ? result.errors : undefined;
}

/**
 * Wraps a sink so that it reports at most one terminal event (`error`, `complete`, `lost`) and nothing
 * after it, nor after the connection is closed by its owner.
 * @param sink - the sink
 * @returns the guarded sink and `close()`, which silences it
 */
export function onceSink(sink: StreamSink): { sink: StreamSink; close(): void } {
  let done = false;
  const end =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (done) return;
      done = true;
      fn(...args);
    };
  return {
    sink: {
      opened: () => {
        if (!done) sink.opened();
      },
      next: (result) => {
        if (!done) sink.next(result);
      },
      error: end(sink.error),
      complete: end(sink.complete),
      lost: end(sink.lost),
    },
    close: () => {
      done = true;
    },
  };
}

/** The most of a refused answer's body that is read for its errors, bytes. */
const REFUSAL_BYTES = 65_536;

/** Reads at most {@link REFUSAL_BYTES} of a body as text (the rest is cancelled). */
async function boundedText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < REFUSAL_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  reader.cancel().catch(() => undefined);
  const decoder = new TextDecoder();
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") + decoder.decode();
}

/** The errors of a GraphQL result given as JSON text, if it has any. */
function errorsOfJson(text: string): GraphQLFormattedError[] | undefined {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(body.errors) && body.errors.length > 0 ? (body.errors as GraphQLFormattedError[]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The GraphQL errors of a refused HTTP answer (a 4xx): a JSON GraphQL response with errors, or an event
 * stream whose `next` event carries them (graphql-yoga answers a refused SSE subscription with 400 and
 * `event: next` / `event: complete`). Reads at most 64 KiB of the body.
 * @param response - the answer
 * @returns the errors, or undefined when it carries none
 * @see https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md#distinct-connections-mode
 */
export async function errorsOfAnswer(response: Response): Promise<GraphQLFormattedError[] | undefined> {
  const type = response.headers.get("content-type") ?? "";
  const json = /\bjson\b/i.test(type);
  if (!json && !type.includes("text/event-stream")) return undefined;
  let text: string;
  try {
    text = await boundedText(response);
  } catch {
    return undefined;
  }
  if (json) return errorsOfJson(text);
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/);
    if (!lines.some((line) => /^event:\s*next\s*$/.test(line))) continue;
    const data = lines
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    const errors = errorsOfJson(data);
    if (errors !== undefined) return errors;
  }
  return undefined;
}
