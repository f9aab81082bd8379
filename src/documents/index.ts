/**
 * documents/: trusted documents (persisted operations). The store (KV under the gateway's prefix, a
 * per-isolate memory cache; Apollo APQ registrations kept apart with a TTL), document ids (`sha256:<hex>`,
 * bare hex, opaque ids), manifests as graphql-codegen's client preset and Relay emit them, the Yoga
 * plugin for HTTP (useTrustedDocuments) and the same decision for the realtime shards
 * (resolveOperation). Modes: `trustedDocuments.mode` "off" | "allow" | "require".
 */
export { type DocumentId, ID_RULE, OPAQUE_ID, parseDocumentId } from "./ids";
export {
  checkManifest,
  type DocumentProblem,
  type DocumentWarning,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_DOCUMENTS,
  type ManifestCheck,
  validateDocuments,
} from "./manifest";
export {
  documentNotFound,
  lookupDocument,
  type OperationParams,
  queryRefused,
  type ResolvedOperation,
  type ResolveOptions,
  requestedDocumentId,
  resolveOperation,
  type TrustedDocumentsMode,
} from "./resolve";
export { createDocumentStore, type DocumentPage, type DocumentStore, type DocumentStoreOptions } from "./store";
export { type TrustedDocumentsOptions, useTrustedDocuments } from "./use-trusted-documents";
