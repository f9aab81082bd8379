/**
 * Document ids: what a request or a manifest may name a trusted document by, and the one canonical form
 * the store keeps it under.
 *
 * - `sha256:<64 hex>` and a bare 64-hex id are the SHA-256 of the document's text (GraphQL over HTTP's
 *   prefixed document identifier; Apollo's `sha256Hash`; graphql-codegen's client preset). Both name the
 *   same document; the canonical form is `sha256:<lower-case hex>`, and a write verifies the hash.
 * - Any other id (Relay's MD5 ids, custom ids) is an opaque string matching {@link OPAQUE_ID}: up to
 *   128 characters of letters, digits and `_ . : ~ -`, starting with a letter, digit or `_`. Nothing
 *   about its text is verified; it is kept as given.
 *
 * @see https://github.com/graphql/graphql-over-http/blob/main/rfcs/PersistedDocuments.md
 */

/** An opaque (not SHA-256) document id: 1 to 128 characters, no `/`, no spaces. */
export const OPAQUE_ID = /^[A-Za-z0-9_][A-Za-z0-9_.:~-]{0,127}$/;

const HEX_64 = /^[0-9a-fA-F]{64}$/;
const SHA256_PREFIX = "sha256:";

/** A parsed document id. */
export interface DocumentId {
  /** The canonical id the store keeps the document under (`sha256:<hex>` for SHA-256 ids). */
  id: string;
  /** The lower-case hex SHA-256 the text must have, for SHA-256 ids; null for opaque ids. */
  sha256: string | null;
}

/**
 * Reads a document id as a request or a manifest gives it.
 * @param raw - the id (`sha256:<hex>`, a bare 64-hex SHA-256, or an opaque id)
 * @returns the canonical id and the hash to verify, or null when `raw` is not a valid id (a `sha256:`
 *   prefix without 64 hex digits is invalid, not opaque)
 */
export function parseDocumentId(raw: unknown): DocumentId | null {
  if (typeof raw !== "string") return null;
  if (raw.slice(0, SHA256_PREFIX.length).toLowerCase() === SHA256_PREFIX) {
    const hex = raw.slice(SHA256_PREFIX.length);
    return HEX_64.test(hex) ? { id: `${SHA256_PREFIX}${hex.toLowerCase()}`, sha256: hex.toLowerCase() } : null;
  }
  if (HEX_64.test(raw)) return { id: `${SHA256_PREFIX}${raw.toLowerCase()}`, sha256: raw.toLowerCase() };
  return OPAQUE_ID.test(raw) ? { id: raw, sha256: null } : null;
}

/** The reason {@link parseDocumentId} refused an id, for error messages. */
export const ID_RULE =
  'a document id is "sha256:<64 hex digits>", 64 hex digits, or an opaque id of up to 128 letters, digits and _ . : ~ -';
