import type { ExecutionResult, GraphQLFormattedError } from "graphql";
import { GRAPHQL_TRANSPORT_WS_PROTOCOL, MessageType, parseMessage, stringifyMessage } from "graphql-ws";
import { errorsOfAnswer, onceSink, refusalOf, type StreamTransport } from "./transport";

/** How long (ms) the remote may take to acknowledge `connection_init` (graphql-ws's server default is 3 s to receive it). */
const ACK_TIMEOUT_MS = 10_000;

/** The id of the one subscription each upstream connection carries. */
const OPERATION_ID = "1";

/**
 * Transport `graphql-ws`: the `graphql-transport-ws` protocol over an outgoing WebSocket opened with
 * `fetch` and `Upgrade: websocket` on the http(s) URL (so the header rules' headers go on the upgrade
 * request; `new WebSocket(url)` takes none). `connection_init` carries the same headers as
 * `{ headers }` for servers that read them from the payload (Hasura, Apollo). Messages are built and
 * checked with graphql-ws's own `stringifyMessage` / `parseMessage`; one subscription per connection.
 * The remote's pings are answered; an `error` message, or a result with errors and no data, is terminal;
 * a close before `complete` is a lost connection.
 * @see https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md
 * @see https://developers.cloudflare.com/workers/examples/websockets/#write-a-websocket-client
 */
export const graphqlWsTransport: StreamTransport = (url, headers, operation, given, fetchFn = fetch) => {
  const { sink, close } = onceSink(given);
  const controller = new AbortController();
  let socket: WebSocket | undefined;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  const shut = (code: number, reason: string): void => {
    clearTimeout(ackTimer);
    try {
      socket?.close(code, reason);
    } catch {
      // already closed
    }
  };
  const open = async (): Promise<void> => {
    let response: Response;
    try {
      response = await fetchFn(url, {
        headers: { ...headers, upgrade: "websocket", "sec-websocket-protocol": GRAPHQL_TRANSPORT_WS_PROTOCOL },
        signal: controller.signal,
      });
    } catch (error) {
      return sink.lost(error instanceof Error ? error.message : String(error));
    }
    const ws = response.webSocket;
    if (ws === null || ws === undefined) {
      const errors = response.status >= 400 && response.status < 500 ? await errorsOfAnswer(response) : undefined;
      if (errors !== undefined) return sink.error(errors);
      response.body?.cancel().catch(() => undefined);
      return sink.lost(`HTTP ${response.status} instead of a WebSocket upgrade`);
    }
    ws.accept();
    if (controller.signal.aborted) {
      // Closed by its owner while the upgrade was in flight.
      ws.close(1000, "Normal Closure");
      return;
    }
    socket = ws;
    ws.addEventListener("message", (event) => {
      let message: ReturnType<typeof parseMessage>;
      try {
        message = parseMessage(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data));
      } catch (error) {
        shut(4400, "Invalid message");
        return sink.lost(`invalid message: ${(error as Error).message}`);
      }
      switch (message.type) {
        case MessageType.ConnectionAck:
          clearTimeout(ackTimer);
          ws.send(
            stringifyMessage({
              id: OPERATION_ID,
              type: MessageType.Subscribe,
              payload: {
                query: operation.query,
                variables: operation.variables,
                ...(operation.operationName ? { operationName: operation.operationName } : {}),
              },
            }),
          );
          return sink.opened();
        case MessageType.Ping:
          return ws.send(stringifyMessage({ type: MessageType.Pong }));
        case MessageType.Next: {
          const result = message.payload as ExecutionResult;
          const refusal = refusalOf(result);
          if (refusal === undefined) return sink.next(result);
          shut(1000, "Normal Closure");
          return sink.error(refusal);
        }
        case MessageType.Error:
          shut(1000, "Normal Closure");
          return sink.error(message.payload as readonly GraphQLFormattedError[]);
        case MessageType.Complete:
          shut(1000, "Normal Closure");
          return sink.complete();
        default:
          return;
      }
    });
    ws.addEventListener("close", (event) => sink.lost(`closed ${event.code} ${event.reason}`.trim()));
    ws.addEventListener("error", () => sink.lost("socket error"));
    ackTimer = setTimeout(() => {
      shut(4504, "Connection acknowledgement timeout");
      sink.lost("no connection_ack");
    }, ACK_TIMEOUT_MS);
    ws.send(stringifyMessage({ type: MessageType.ConnectionInit, payload: { headers } }));
  };
  void open();
  return () => {
    close();
    controller.abort();
    if (socket !== undefined && socket.readyState === WebSocket.OPEN) {
      try {
        socket.send(stringifyMessage({ id: OPERATION_ID, type: MessageType.Complete }));
      } catch {
        // closing anyway
      }
    }
    shut(1000, "Normal Closure");
  };
};
