/**
 * Manifests: `{ "<id>": "<GraphQL document>" }`, the format graphql-codegen's client preset
 * (`persisted-documents.json`) and Relay (`persisted_queries.json`) emit. Checked whole before anything is
 * stored, so a push stores every document or none.
 */
import { type DocumentNode, GraphQLError, type GraphQLSchema, Kind, parse, validate } from "graphql";
import { ErrorCode, ValidationError } from "../errors";
import { sha256Hex } from "../shared";
import { ID_RULE, parseDocumentId } from "./ids";

/** The most documents one `POST /admin/documents` takes (each is a KV read and a write; a Worker has 1000 KV operations per request). */
export const MAX_MANIFEST_DOCUMENTS = 200;
/** The largest manifest body (bytes) one `POST /admin/documents` takes. */
export const MAX_MANIFEST_BYTES = 1_048_576;

/** A document of a manifest that cannot be stored, and why. */
export interface DocumentProblem {
  /** The id as the manifest gives it. */
  id: string;
  /** What is wrong (does not parse, wrong hash, bad id, ...). */
  reason: string;
}

/** A stored document the current schema does not validate (it may target a schema not deployed yet). */
export interface DocumentWarning {
  /** The canonical id. */
  id: string;
  /** graphql-js's validation messages, joined. */
  message: string;
}

/** A checked manifest. */
export interface ManifestCheck {
  /** The documents that may be stored: canonical id, text, parsed document. */
  documents: { id: string; text: string; document: DocumentNode }[];
  /** Every document that may not, with its reason. */
  problems: DocumentProblem[];
}

/** Why a text is not a storable document, or its parsed document. */
function parseDocument(text: string): DocumentNode | string {
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: false });
  } catch (error) {
    return `does not parse: ${error instanceof GraphQLError ? error.message : String(error)}`;
  }
  const other = document.definitions.find(
    (definition) => definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION,
  );
  if (other !== undefined) return `is not an executable document: it contains a ${other.kind}`;
  if (!document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION)) {
    return "contains no operation";
  }
  return document;
}

/**
 * Checks a manifest: each id (see ids.ts), each text (a string that parses as an executable document
 * with at least one operation), each SHA-256 id against its text, and two keys naming one document
 * (`sha256:<hex>` and `<hex>`) with different texts.
 * @param body - the parsed JSON body
 * @returns the storable documents and the problems (store only when there are none)
 * @throws ValidationError BAD_REQUEST when the body is not an object of strings by id, or has more than
 *   {@link MAX_MANIFEST_DOCUMENTS} documents
 */
export async function checkManifest(body: unknown): Promise<ManifestCheck> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ValidationError(
      ErrorCode.BAD_REQUEST,
      'The manifest must be a JSON object { "<id>": "<GraphQL document>" } (graphql-codegen\'s persisted-documents.json, Relay\'s persisted_queries.json).',
    );
  }
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length > MAX_MANIFEST_DOCUMENTS) {
    throw new ValidationError(
      ErrorCode.BAD_REQUEST,
      `The manifest has ${entries.length} documents; at most ${MAX_MANIFEST_DOCUMENTS} per request: send it in parts (npm run documents:push does).`,
    );
  }
  const documents: ManifestCheck["documents"] = [];
  const problems: DocumentProblem[] = [];
  const seen = new Map<string, string>();
  for (const [given, text] of entries) {
    const id = parseDocumentId(given);
    if (id === null) {
      problems.push({ id: given, reason: `not a valid id: ${ID_RULE}` });
      continue;
    }
    if (typeof text !== "string") {
      problems.push({ id: given, reason: "its value is not a string (the document's text)" });
      continue;
    }
    const document = parseDocument(text);
    if (typeof document === "string") {
      problems.push({ id: given, reason: document });
      continue;
    }
    if (id.sha256 !== null) {
      const actual = await sha256Hex(text);
      if (actual !== id.sha256) {
        problems.push({ id: given, reason: `the SHA-256 of its text is ${actual}, not ${id.sha256}` });
        continue;
      }
    }
    const before = seen.get(id.id);
    if (before !== undefined) {
      if (before !== text) problems.push({ id: given, reason: `names ${id.id} again with another text` });
      continue;
    }
    seen.set(id.id, text);
    documents.push({ id: id.id, text, document });
  }
  return { documents, problems };
}

/**
 * Validates documents against a schema, for warnings: a document may target a schema not deployed yet,
 * so a failure does not refuse it.
 * @param schema - the gateway's composed schema
 * @param documents - canonical ids and parsed documents
 * @returns one warning per document that does not validate
 */
export function validateDocuments(
  schema: GraphQLSchema,
  documents: readonly { id: string; document: DocumentNode }[],
): DocumentWarning[] {
  const warnings: DocumentWarning[] = [];
  for (const { id, document } of documents) {
    const errors = validate(schema, document);
    if (errors.length > 0) warnings.push({ id, message: errors.map((error) => error.message).join(" ") });
  }
  return warnings;
}
