import { usePersistedOperations } from "@graphql-yoga/plugin-persisted-operations";
import type { GraphQLParams, Plugin } from "graphql-yoga";
import type { GatewayContext } from "../shared";
import { parseDocumentId } from "./ids";
import {
  documentNotFound,
  lookupDocument,
  nothingToRun,
  type OperationParams,
  queryRefused,
  registerApq,
  requestedDocumentId,
  sentQuery,
  type TrustedDocumentsMode,
} from "./resolve";
import type { DocumentStore } from "./store";

/** Options of {@link useTrustedDocuments}. */
export interface TrustedDocumentsOptions {
  /** `trustedDocuments.mode`: "allow" or "require" (with "off" the plugin is left out of the list). */
  mode: Exclude<TrustedDocumentsMode, "off">;
  /** The gateway's document store. */
  store: DocumentStore;
}

/**
 * Yoga plugin: trusted documents (persisted operations) for GraphQL over HTTP, POST and GET, built on
 * `@graphql-yoga/plugin-persisted-operations`. A request names a stored document with `documentId`
 * (GraphQL over HTTP persisted documents; body or query string) or Apollo's
 * `extensions.persistedQuery.sha256Hash`; its text replaces the parameters' `query` before parsing, so
 * it is validated against the caller's role schema and runs through every execution plugin like a sent
 * query.
 *
 * - "allow": sent queries run as before; an id runs the trusted document, else the text an Apollo client
 *   registered with APQ (query + `extensions.persistedQuery`: the hash is verified and the text kept in
 *   KV apart from the trusted documents, with a TTL). A query with `documentId` is refused (400).
 * - "require": only trusted documents run. A query is refused with `PERSISTED_QUERY_ONLY` (400), APQ
 *   registration with it; APQ texts are never consulted.
 * An unknown id is `PERSISTED_QUERY_NOT_FOUND` (404, as Yoga's APQ plugin and Apollo Router answer it;
 * Apollo Client retries with the full query on the code, whatever the status).
 *
 * @param options - mode and store
 * @returns the plugin
 * @see https://github.com/graphql/graphql-over-http/blob/main/rfcs/PersistedDocuments.md
 * @see https://www.apollographql.com/docs/apollo-server/performance/apq
 */
export function useTrustedDocuments(options: TrustedDocumentsOptions): Plugin<Record<string, unknown>, GatewayContext> {
  const { mode, store } = options;
  const persisted = usePersistedOperations<GatewayContext>({
    allowArbitraryOperations: mode === "allow",
    extractPersistedOperationId: (params) => requestedDocumentId(params as OperationParams)?.id ?? null,
    getPersistedOperation: (key) => {
      const id = parseDocumentId(key);
      return id === null ? null : lookupDocument(id, mode, store);
    },
    customErrors: {
      notFound: (payload) => documentNotFound(requestedDocumentId(payload.params as OperationParams)?.id, mode),
      persistedQueryOnly: () => queryRefused(),
      keyNotFound: () => nothingToRun(mode),
    },
  });
  return {
    onPluginInit({ addPlugin }) {
      // Right after this plugin: its onParams (APQ registration) runs first. (Envelop types addPlugin with
      // Yoga's initial context only; the plugin reads nothing of ours.)
      addPlugin(persisted as never);
    },
    // Yoga's GET parser keeps only query, variables, operationName and extensions: add documentId.
    onRequestParse({ request }) {
      if (request.method !== "GET") return;
      const documentId = new URL(request.url).searchParams.get("documentId");
      if (documentId === null) return;
      return {
        onRequestParseDone({ requestParserResult, setRequestParserResult }) {
          if (Array.isArray(requestParserResult)) return;
          setRequestParserResult({ ...requestParserResult, documentId } as GraphQLParams);
        },
      };
    },
    async onParams({ params, context }) {
      const query = sentQuery(params as OperationParams);
      // "require" refuses every query in the persisted-operations plugin; "allow" may register one.
      if (mode !== "allow" || query === undefined) return;
      await registerApq(query, params as OperationParams, store, (promise) => context.executionCtx.waitUntil(promise));
    },
  };
}
