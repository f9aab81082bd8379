import type { ExecutionResult } from "graphql";
import { createClient, NetworkError } from "graphql-sse";
import { errorsOfAnswer, onceSink, refusalOf, type StreamTransport } from "./transport";

/**
 * Transport `sse`: GraphQL over SSE in distinct connections mode (one POST with
 * `Accept: text/event-stream` per subscription), as graphql-yoga and Hive Gateway serve it, with
 * graphql-sse's own client (no retries of its own: the stream object reconnects). A result with errors and
 * no data is the upstream refusing the operation (terminal); a non-2xx JSON answer with errors too.
 * @see https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md#distinct-connections-mode
 */
export const sseTransport: StreamTransport = (url, headers, operation, given, fetchFn = fetch) => {
  const { sink, close } = onceSink(given);
  const client = createClient({
    url,
    singleConnection: false,
    retryAttempts: 0,
    headers: () => headers,
    // workerd implements neither `credentials` nor `referrer*`: pass only what a Worker's fetch takes.
    fetchFn: async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await fetchFn(input, {
        method: init?.method,
        headers: init?.headers,
        body: init?.body,
        signal: init?.signal,
        redirect: "manual",
      });
      const type = response.headers.get("content-type") ?? "";
      if (response.ok && type.includes("text/event-stream")) sink.opened();
      return response;
    },
  });
  const dispose = client.subscribe(
    { query: operation.query, variables: operation.variables, operationName: operation.operationName ?? undefined },
    {
      next: (result: ExecutionResult) => {
        const refusal = refusalOf(result);
        if (refusal === undefined) sink.next(result);
        else sink.error(refusal);
      },
      complete: () => sink.complete(),
      error: (error: unknown) => {
        const response = error instanceof NetworkError ? (error.response as Response | undefined) : undefined;
        if (response === undefined) return sink.lost(error instanceof Error ? error.message : String(error));
        if (response.status >= 400 && response.status < 500) {
          void errorsOfAnswer(response).then((errors) =>
            errors === undefined ? sink.lost(`HTTP ${response.status}`) : sink.error(errors),
          );
          return;
        }
        response.body?.cancel().catch(() => undefined);
        sink.lost(`HTTP ${response.status}`);
      },
    },
  );
  return () => {
    close();
    dispose();
    client.dispose();
  };
};
