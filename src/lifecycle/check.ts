import { type GraphQLSchema, parse, validate } from "graphql";
import type { DeprecationConfig } from "../config";
import { type AllowedChange, type CheckedChange, checkChanges } from "./changes";
import { checkDeprecations, type DeprecationProblem } from "./deprecations";

/** A trusted document (persisted operation) to validate against the new schema. */
export interface CheckedDocument {
  /** Its id (`sha256:<hex>` or the manifest's key). */
  id: string;
  /** Where it comes from (a manifest file, the gateway's store). */
  source: string;
  /** The document text. */
  text: string;
}

/** A trusted document the new schema would break. */
export interface DocumentProblem {
  /** The document's id. */
  id: string;
  /** Where it comes from. */
  source: string;
  /** The parse or validation errors, joined. */
  message: string;
}

/** Options of {@link checkSchema}. */
export interface SchemaCheckOptions {
  /** The deprecation policy (`deprecation` of the config). */
  deprecation: DeprecationConfig;
  /** Today, `YYYY-MM-DD` (UTC). */
  today: string;
  /** Breaking changes accepted on purpose (`schemas/allowed-changes.json`). @default [] */
  allowedChanges?: readonly AllowedChange[];
  /** Trusted documents that must stay valid. @default [] */
  documents?: readonly CheckedDocument[];
  /** Which deprecations the format and date rules apply to (see {@link checkDeprecations}). @default "all" */
  scope?: "all" | "changed";
}

/** What {@link checkSchema} found. */
export interface SchemaCheckReport {
  /** Whether the new schema passes: no failing change, no deprecation problem, no broken document. */
  ok: boolean;
  /** Every change from the previous schema, judged. */
  changes: CheckedChange[];
  /** The `@deprecated` reasons the policy refuses. */
  deprecations: DeprecationProblem[];
  /** The trusted documents the new schema breaks. */
  documents: DocumentProblem[];
  /** One line: counts of changes by level, failures, deprecation problems and broken documents. */
  summary: string;
}

/**
 * The schema check of `npm run schema:check` and of the reload guard: the changes from `previous` to `next`
 * judged against the deprecation policy and `allowedChanges` (see checkChanges), the `@deprecated` reasons of
 * `next` against the format and dates (see checkDeprecations), and every trusted document validated against
 * `next` (graphql-js `validate`, the spec's rules).
 *
 * @param previous - the committed (or serving) schema; null when there is none (only the reasons and the
 *   documents are checked)
 * @param next - the new schema
 * @param options - policy, today, allowed changes, documents, scope
 * @returns the report
 * @see https://spec.graphql.org/September2025/#sec-Validation
 */
export async function checkSchema(
  previous: GraphQLSchema | null,
  next: GraphQLSchema,
  options: SchemaCheckOptions,
): Promise<SchemaCheckReport> {
  const changes = previous === null ? [] : await checkChanges(previous, next, options);
  const deprecations = checkDeprecations(previous, next, options);
  const documents = (options.documents ?? []).flatMap((document): DocumentProblem[] => {
    let errors: readonly { message: string }[];
    try {
      errors = validate(next, parse(document.text));
    } catch (error) {
      errors = [error as Error];
    }
    return errors.length === 0
      ? []
      : [{ id: document.id, source: document.source, message: errors.map((error) => error.message).join("; ") }];
  });
  const count = (level: CheckedChange["level"]) => changes.filter((change) => change.level === level).length;
  const failed = changes.filter((change) => !change.ok).length;
  const ok = failed === 0 && deprecations.length === 0 && documents.length === 0;
  const summary =
    `${ok ? "passed" : "failed"}: ${changes.length} change(s) (${count("breaking")} breaking, ` +
    `${count("dangerous")} dangerous, ${count("safe")} safe), ${failed} not allowed, ` +
    `${deprecations.length} deprecation problem(s), ${documents.length} broken document(s)` +
    (options.documents === undefined ? "" : ` of ${options.documents.length}`);
  return { ok, changes, deprecations, documents, summary };
}
