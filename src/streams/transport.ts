import type { ExecutionResult, GraphQLFormattedError } from "graphql";

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
 * @returns a function closing the connection (no report follows)
 */
export type StreamTransport = (
  url: string,
  headers: Record<string, string>,
  operation: UpstreamOperation,
  sink: StreamSink,
) => () => void;

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

/**
 * The GraphQL errors of a refused HTTP answer (a remote answering the subscription request with a JSON
 * GraphQL response, e.g. 400 on a validation error), or undefined when it is not one.
 * @param response - the answer
 */
export async function errorsOfAnswer(response: Response): Promise<GraphQLFormattedError[] | undefined> {
  if (!/\bjson\b/i.test(response.headers.get("content-type") ?? "")) return undefined;
  try {
    const body = (await response.json()) as { errors?: unknown };
    return Array.isArray(body.errors) && body.errors.length > 0 ? (body.errors as GraphQLFormattedError[]) : undefined;
  } catch {
    return undefined;
  }
}
