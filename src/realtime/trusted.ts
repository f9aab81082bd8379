import { lookupDocument, type OperationParams, requestedDocumentId, resolveOperation } from "../documents";
import type { Gateway } from "../gateway";
import type { WaitUntil } from "../shared";
import type { OperationRequest } from "./operations";

/**
 * The operation a WebSocket `subscribe` or an SSE request runs under `trustedDocuments.mode`, decided as
 * for HTTP (documents' resolveOperation): with "off" the sent query; with "allow" the sent query or the
 * stored document an id names (`documentId`, or Apollo's `extensions.persistedQuery`); with "require"
 * only a trusted document. The stored subscription keeps the resolved text.
 * @param gateway - the shard's gateway
 * @param params - the operation as the client sent it
 * @param waitUntil - where an APQ registration's KV write runs
 * @returns the operation to prepare
 * @throws GatewayError PERSISTED_QUERY_ONLY, PERSISTED_QUERY_NOT_FOUND, BAD_REQUEST (see resolveOperation)
 */
export async function trustedOperation(
  gateway: Gateway,
  params: OperationParams,
  waitUntil: WaitUntil,
): Promise<OperationRequest> {
  const mode = gateway.config.trustedDocuments.mode;
  const { query } = await resolveOperation(params, { mode, store: gateway.documents, waitUntil });
  return {
    query,
    operationName: typeof params.operationName === "string" ? params.operationName : null,
    variables:
      params.variables !== null && typeof params.variables === "object"
        ? (params.variables as Record<string, unknown>)
        : null,
  };
}

/**
 * The text of the document an SSE request names, read on the Worker before routing (the Worker must
 * know the operation type, and graphql-sse's handler needs a `query`); null when the request names no
 * document, the mode is "off", or the store does not hold it (Yoga then answers the request, with its
 * error).
 * @param gateway - the isolate's gateway
 * @param params - the request's parameters
 * @returns the canonical id and the text, or null
 */
export async function namedDocument(
  gateway: Gateway,
  params: OperationParams,
): Promise<{ id: string; text: string } | null> {
  const mode = gateway.config.trustedDocuments.mode;
  if (mode === "off" || (typeof params.query === "string" && params.query !== "")) return null;
  let id: ReturnType<typeof requestedDocumentId>;
  try {
    id = requestedDocumentId(params);
  } catch {
    return null;
  }
  if (id === null) return null;
  const text = await lookupDocument(id, mode, gateway.documents);
  return text === null ? null : { id: id.id, text };
}
