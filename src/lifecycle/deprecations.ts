import type { GraphQLSchema } from "graphql";
import type { DeprecationConfig } from "../config";
import { addDays, daysBetween, slashed } from "./dates";
import { deprecatedElements, parseDeprecationReason, policyReason } from "./policy";

/** A `@deprecated` reason the policy refuses, with the fix spelled out. */
export interface DeprecationProblem {
  /** The element's schema coordinate (`Type.field`, `Type.field(arg:)`, `Input.field`, `Enum.VALUE`). */
  coordinate: string;
  /** The reason as written. */
  reason: string;
  /** What is wrong and how to fix it. */
  message: string;
  /** A reason that would pass, when one can be written. */
  suggestion?: string;
}

/** Options of {@link checkDeprecations}. */
export interface DeprecationCheckOptions {
  /** The policy (`deprecation` of the config). */
  deprecation: DeprecationConfig;
  /** Today, `YYYY-MM-DD` (UTC). */
  today: string;
  /**
   * "all": every deprecation of the new schema must follow the format (`npm run schema:check`); "changed":
   * only those new or changed since the previous schema (the reload guard, so a remote with old reasons can
   * still reload). @default "all"
   */
  scope?: "all" | "changed";
}

/**
 * The policy's rules on the `@deprecated` reasons of a new schema:
 * - with `reasonFormat: "policy"`, every reason reads "This {field|mutation} is deprecated and will be removed
 *   after YYYY/MM/DD." (optionally " Use the {x} {field|mutation} instead.");
 * - a deprecation that is new (the element was not deprecated in `previous`, or its reason there named no
 *   date) names a date at least `minimumDays` after today;
 * - a deprecation already in `previous` keeps its date: it may move later, never earlier;
 * - without a `previous` schema (the first `--write` of a project), dates are not checked: the deprecations
 *   are adopted as they stand.
 *
 * @param previous - the committed (or serving) schema; null when there is none
 * @param next - the new schema
 * @param options - policy, today, scope
 * @returns the problems, in the new schema's type-map order (empty when the policy is met)
 */
export function checkDeprecations(
  previous: GraphQLSchema | null,
  next: GraphQLSchema,
  options: DeprecationCheckOptions,
): DeprecationProblem[] {
  const { minimumDays, reasonFormat } = options.deprecation;
  const earliest = addDays(options.today, minimumDays);
  const before = new Map(
    (previous === null ? [] : deprecatedElements(previous)).map((element) => [element.coordinate, element.reason]),
  );
  const problems: DeprecationProblem[] = [];
  for (const element of deprecatedElements(next)) {
    const { coordinate, kind, reason } = element;
    const old = before.get(coordinate);
    if (options.scope === "changed" && old === reason) continue;
    const parsed = parseDeprecationReason(reason);
    if (parsed === null) {
      if (reasonFormat === "policy") {
        const suggestion = policyReason(kind, earliest);
        problems.push({
          coordinate,
          reason,
          message: `the reason of ${coordinate} does not follow the deprecation policy; write @deprecated(reason: "${suggestion}") (the date at least ${minimumDays} days from today; add " Use the <name> ${kind} instead." when there is a replacement)`,
          suggestion,
        });
      }
      continue;
    }
    const oldDate = old === undefined ? null : (parseDeprecationReason(old)?.removalDate ?? null);
    if (oldDate !== null) {
      if (parsed.removalDate < oldDate) {
        const suggestion = policyReason(parsed.kind, oldDate, parsed.replacement);
        problems.push({
          coordinate,
          reason,
          message: `${coordinate} was deprecated with removal after ${slashed(oldDate)}; a committed deprecation keeps its date (it may move later, never earlier): write "${suggestion}"`,
          suggestion,
        });
      }
      continue;
    }
    // Without a previous schema (a project adopting the check) every deprecation is taken as it stands.
    if (previous !== null && parsed.removalDate < earliest) {
      const suggestion = policyReason(parsed.kind, earliest, parsed.replacement);
      const days = daysBetween(options.today, parsed.removalDate);
      problems.push({
        coordinate,
        reason,
        message: `${coordinate} is newly deprecated with removal after ${slashed(parsed.removalDate)}, ${days} days from today; a new deprecation needs at least ${minimumDays} days: write "${suggestion}" or a later date`,
        suggestion,
      });
    }
  }
  return problems;
}
