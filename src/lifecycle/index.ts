export {
  type DeprecatedElement,
  type DeprecationKind,
  deprecatedElements,
  type PolicyReason,
  parseDeprecationReason,
  policyReason,
} from "./policy";
