/**
 * lifecycle/: the schema check shared by `npm run schema:check` and the reload guard: graphql-inspector's
 * changes judged against the deprecation policy and schemas/allowed-changes.json (changes.ts), the rules on
 * `@deprecated` reasons (deprecations.ts, policy.ts), trusted documents validated, the report (check.ts).
 */
export type { AllowedChange, CheckedChange } from "./changes";
export {
  type CheckedDocument,
  checkSchema,
  type DocumentProblem,
  type SchemaCheckOptions,
  type SchemaCheckReport,
} from "./check";
export { utcDay } from "./dates";
export type { DeprecationProblem } from "./deprecations";
export {
  type DeprecatedElement,
  type DeprecationKind,
  deprecatedElements,
  type PolicyReason,
  parseDeprecationReason,
} from "./policy";
