export { type AllowedChange, type ChangeCheckOptions, type CheckedChange, checkChanges } from "./changes";
export {
  type CheckedDocument,
  checkSchema,
  type DocumentProblem,
  type SchemaCheckOptions,
  type SchemaCheckReport,
} from "./check";
export { addDays, daysBetween, utcDay } from "./dates";
export { checkDeprecations, type DeprecationCheckOptions, type DeprecationProblem } from "./deprecations";
export {
  type DeprecatedElement,
  type DeprecationKind,
  deprecatedElements,
  type PolicyReason,
  parseDeprecationReason,
  policyReason,
} from "./policy";
