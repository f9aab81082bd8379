/**
 * What a request names and what runs: the document id of a request's parameters (`documentId`, or
 * Apollo's `extensions.persistedQuery.sha256Hash`), the lookup of its text, Apollo's APQ registration,
 * and the one decision every entry point takes (Yoga's onParams through useTrustedDocuments; WebSocket
 * and SSE operations of the realtime shards through {@link resolveOperation}).
 */
import type { TrustedDocumentsConfig } from "../config";
import { ErrorCode, GatewayError, ValidationError } from "../errors";
import { sha256Hex, type WaitUntil } from "../shared";
import { type DocumentId, ID_RULE, parseDocumentId } from "./ids";
import type { DocumentStore } from "./store";

/** `trustedDocuments.mode`. */
export type TrustedDocumentsMode = TrustedDocumentsConfig["mode"];

/** The GraphQL parameters of one operation as a client sent them (HTTP body or query string, subscribe payload). */
export interface OperationParams {
  query?: unknown;
  /** GraphQL over HTTP persisted documents: the document's id. */
  documentId?: unknown;
  operationName?: unknown;
  variables?: unknown;
  /** May carry Apollo's `persistedQuery: { version: 1, sha256Hash }`. */
  extensions?: unknown;
}

/** What a request runs: its query text, and the id of the stored document it came from. */
export interface ResolvedOperation {
  /** The GraphQL text to parse, validate and execute. */
  query: string;
  /** The canonical id of the document it came from (trusted, or APQ in "allow" mode); absent for a sent query. */
  documentId?: string;
}

/** The query text a request sends, or undefined when it sends none (absent or ""). */
export function sentQuery(params: OperationParams): string | undefined {
  return typeof params.query === "string" && params.query !== "" ? params.query : undefined;
}

/** Apollo's `extensions.persistedQuery`, or undefined when the request has none. */
function persistedQueryOf(params: OperationParams): unknown {
  const extensions = params.extensions;
  if (extensions === null || typeof extensions !== "object") return undefined;
  return (extensions as Record<string, unknown>).persistedQuery ?? undefined;
}

/**
 * The document id a request names: `documentId` (GraphQL over HTTP) or Apollo's
 * `extensions.persistedQuery` (`{ version: 1, sha256Hash: <64 hex> }`); when both are given they must
 * name the same document.
 * @param params - the request's parameters
 * @returns the id, or null when the request names none
 * @throws ValidationError BAD_REQUEST for a malformed id or persistedQuery, or two ids that differ
 */
export function requestedDocumentId(params: OperationParams): DocumentId | null {
  let fromDocumentId: DocumentId | null = null;
  if (params.documentId !== undefined && params.documentId !== null) {
    fromDocumentId = parseDocumentId(params.documentId);
    if (fromDocumentId === null) {
      throw new ValidationError(ErrorCode.BAD_REQUEST, `documentId ${JSON.stringify(params.documentId)}: ${ID_RULE}.`);
    }
  }
  const persistedQuery = persistedQueryOf(params);
  if (persistedQuery === undefined) return fromDocumentId;
  const { version, sha256Hash } = (persistedQuery ?? {}) as { version?: unknown; sha256Hash?: unknown };
  const fromApollo =
    typeof sha256Hash === "string" && /^[0-9a-fA-F]{64}$/.test(sha256Hash) ? parseDocumentId(sha256Hash) : null;
  if (typeof persistedQuery !== "object" || version !== 1 || fromApollo === null) {
    throw new ValidationError(
      ErrorCode.BAD_REQUEST,
      'extensions.persistedQuery must be { "version": 1, "sha256Hash": "<64 hex digits>" }.',
    );
  }
  if (fromDocumentId !== null && fromDocumentId.id !== fromApollo.id) {
    throw new ValidationError(
      ErrorCode.BAD_REQUEST,
      "documentId and extensions.persistedQuery.sha256Hash name different documents: send one of them.",
    );
  }
  return fromApollo;
}

/**
 * The text of the document a request names: a trusted document, or in "allow" mode an APQ registration
 * (never in "require" mode).
 * @param id - the id
 * @param mode - `trustedDocuments.mode`
 * @param store - the store
 * @returns the text, or null when unknown
 */
export async function lookupDocument(id: DocumentId, mode: TrustedDocumentsMode, store: DocumentStore) {
  const text = await store.get(id.id);
  if (text !== null || mode !== "allow" || id.sha256 === null) return text;
  return store.apqGet(id.sha256);
}

/** PERSISTED_QUERY_NOT_FOUND (404) for an id the store does not hold. */
export function documentNotFound(id: string | undefined, mode: TrustedDocumentsMode): GatewayError {
  const where = mode === "allow" ? "trusted or registered with APQ" : "trusted";
  return new GatewayError(
    ErrorCode.PERSISTED_QUERY_NOT_FOUND,
    `No ${where} document has the id ${JSON.stringify(id ?? "")}.`,
    { extensions: { documentId: id ?? null } },
  );
}

/** PERSISTED_QUERY_ONLY (400): "require" mode and the request sends a query. */
export function queryRefused(): GatewayError {
  return new GatewayError(
    ErrorCode.PERSISTED_QUERY_ONLY,
    'This gateway runs only trusted documents (trustedDocuments.mode "require"): send the id of a stored document as documentId (or Apollo\'s extensions.persistedQuery), not a query.',
  );
}

/** BAD_REQUEST (400): neither a query nor a document id. */
export function nothingToRun(mode: TrustedDocumentsMode): ValidationError {
  const what = mode === "require" ? "a document id" : "a query or a document id";
  return new ValidationError(
    ErrorCode.BAD_REQUEST,
    `The request names nothing to run: send ${what} (documentId, or extensions.persistedQuery.sha256Hash).`,
  );
}

/**
 * A query sent together with a document id, in "allow" mode: with `documentId` it is refused (send one
 * of them); with Apollo's `extensions.persistedQuery` it is an APQ registration: the hash is verified and
 * the text stored apart from the trusted documents, in the background.
 * @param query - the sent query
 * @param params - the request's parameters
 * @param store - the store
 * @param waitUntil - where the KV write runs
 * @throws ValidationError BAD_REQUEST when documentId comes with a query, or the hash is not the query's SHA-256
 */
export async function registerApq(
  query: string,
  params: OperationParams,
  store: DocumentStore,
  waitUntil: WaitUntil,
): Promise<void> {
  const id = requestedDocumentId(params);
  if (id === null) return;
  if (params.documentId !== undefined && params.documentId !== null) {
    throw new ValidationError(ErrorCode.BAD_REQUEST, "Send either query or documentId, not both.");
  }
  const hash = await sha256Hex(query);
  if (hash !== id.sha256) {
    throw new ValidationError(
      ErrorCode.BAD_REQUEST,
      "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query: the query was not registered.",
    );
  }
  waitUntil(store.apqPut(hash, query));
}

/** Options of {@link resolveOperation}. */
export interface ResolveOptions {
  /** `trustedDocuments.mode` ("off" runs what was sent, unchanged). */
  mode: TrustedDocumentsMode;
  /** The gateway's store. */
  store: DocumentStore;
  /** Where an APQ registration's KV write runs. */
  waitUntil: WaitUntil;
}

/**
 * Decides what one operation runs, for entry points outside Yoga (the realtime shards' WebSocket and SSE
 * operations). The same rules as useTrustedDocuments for HTTP: "off" runs the sent query; "allow" runs a
 * sent query (registering it for APQ when it comes with a hash) or the stored document an id names;
 * "require" runs only trusted documents.
 * @param params - the operation as sent
 * @param options - mode, store, waitUntil
 * @returns the text to run and the document id it came from
 * @throws GatewayError PERSISTED_QUERY_ONLY (a query in "require" mode), PERSISTED_QUERY_NOT_FOUND (an
 *   unknown id), ValidationError BAD_REQUEST (malformed ids, nothing to run, a wrong APQ hash)
 */
export async function resolveOperation(params: OperationParams, options: ResolveOptions): Promise<ResolvedOperation> {
  const { mode, store } = options;
  const query = sentQuery(params);
  if (mode === "off") return { query: query ?? "" };
  if (query !== undefined) {
    if (mode === "require") throw queryRefused();
    await registerApq(query, params, store, options.waitUntil);
    return { query };
  }
  const id = requestedDocumentId(params);
  if (id === null) throw nothingToRun(mode);
  const text = await lookupDocument(id, mode, store);
  if (text === null) throw documentNotFound(id.id, mode);
  return { query: text, documentId: id.id };
}
