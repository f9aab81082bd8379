import { type Change, CriticalityLevel, diff } from "@graphql-inspector/core";
import { type GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType } from "graphql";
import type { DeprecationConfig } from "../config";
import { slashed } from "./dates";
import { parseDeprecationReason } from "./policy";

/** One entry of `schemas/allowed-changes.json`: a breaking change accepted on purpose. */
export interface AllowedChange {
  /** The change's path as graphql-inspector writes it (`Query.products.category`). */
  path: string;
  /** Why it is accepted (shown in the check's output). */
  reason: string;
}

/** One change between two schemas, classified and judged against the policy. */
export interface CheckedChange {
  /** graphql-inspector's change type (`FIELD_REMOVED`, `FIELD_ARGUMENT_ADDED`, ...). */
  type: string;
  /** graphql-inspector's path (`Type.field.argument`, `Enum.VALUE`); "" for schema-wide changes. */
  path: string;
  /** graphql-inspector's message. */
  message: string;
  /** graphql-inspector's criticality. */
  level: "breaking" | "dangerous" | "safe";
  /** Whether the change passes the check (dangerous and safe ones always do). */
  ok: boolean;
  /** Why a breaking change passes or fails, and how to make a failing one pass. */
  why?: string;
}

/** The removals the policy lets through once the removed element's deprecation date has passed. */
const REMOVALS = new Set(["FIELD_REMOVED", "FIELD_ARGUMENT_REMOVED", "ENUM_VALUE_REMOVED", "INPUT_FIELD_REMOVED"]);

const LEVELS: Record<string, CheckedChange["level"]> = {
  [CriticalityLevel.Breaking]: "breaking",
  [CriticalityLevel.Dangerous]: "dangerous",
  [CriticalityLevel.NonBreaking]: "safe",
};

/**
 * The `@deprecated` reason an element had in a schema.
 * @param schema - the schema
 * @param type - the change type, saying what the path names
 * @param path - graphql-inspector's path: `Type.field`, `Type.field.argument`, `Enum.VALUE`, `Input.field`
 * @returns the reason; null when the element was not deprecated; undefined when it was not found
 */
function deprecationAt(schema: GraphQLSchema, type: string, path: string): string | null | undefined {
  const [typeName = "", member = "", argument] = path.split(".");
  const named = schema.getType(typeName);
  if (named === undefined || named === null) return undefined;
  if (type === "ENUM_VALUE_REMOVED") {
    return isEnumType(named) ? (named.getValue(member)?.deprecationReason ?? null) : undefined;
  }
  if (isObjectType(named) || isInterfaceType(named) || isInputObjectType(named)) {
    const field = named.getFields()[member];
    if (field === undefined) return undefined;
    if (type === "FIELD_ARGUMENT_REMOVED") {
      const arg = "args" in field ? field.args.find((candidate) => candidate.name === argument) : undefined;
      return arg === undefined ? undefined : (arg.deprecationReason ?? null);
    }
    return field.deprecationReason ?? null;
  }
  return undefined;
}

/**
 * Whether the removal of a deprecated element is allowed today.
 * @returns ok and why
 */
function judgeRemoval(
  reason: string | null | undefined,
  today: string,
  format: DeprecationConfig["reasonFormat"],
): { ok: boolean; why: string } {
  if (reason === null || reason === undefined) {
    return {
      ok: false,
      why: "removed without being deprecated first: deprecate it with a removal date and remove it after that date",
    };
  }
  const parsed = parseDeprecationReason(reason);
  if (parsed === null) {
    if (format === "any") return { ok: true, why: "was deprecated (reasonFormat is any)" };
    return {
      ok: false,
      why: `was deprecated with a reason that names no removal date ("${reason}"): the policy lets it go only after the date its reason names`,
    };
  }
  if (today > parsed.removalDate) {
    return { ok: true, why: `was deprecated for removal after ${slashed(parsed.removalDate)}` };
  }
  return {
    ok: false,
    why: `removed before its date: its deprecation allows removal after ${slashed(parsed.removalDate)}`,
  };
}

/**
 * Whether removing a whole type is allowed. A type that is not a root type is reached only through fields,
 * arguments and input fields of other types, whose removal or type change is a change of its own, judged on
 * its own: its removal passes. A root type (Query, Mutation, Subscription) is reached by clients directly:
 * each of its fields must be removable.
 */
function judgeTypeRemoval(
  previous: GraphQLSchema,
  name: string,
  options: ChangeCheckOptions,
): { ok: boolean; why: string } {
  const roots = [previous.getQueryType(), previous.getMutationType(), previous.getSubscriptionType()];
  const root = roots.find((type) => type?.name === name);
  if (root === undefined || root === null) {
    return { ok: true, why: "the fields that returned it are judged on their own" };
  }
  const blocked = Object.values(root.getFields()).flatMap((field) => {
    const verdict = judgeRemoval(field.deprecationReason, options.today, options.deprecation.reasonFormat);
    return verdict.ok ? [] : [`${name}.${field.name}: ${verdict.why}`];
  });
  if (blocked.length === 0) return { ok: true, why: "every field of the root type was removable" };
  return { ok: false, why: `a root type whose fields were not all removable (${blocked.join("; ")})` };
}

/** Options of {@link checkChanges}. */
export interface ChangeCheckOptions {
  /** The policy (`deprecation` of the config); only `reasonFormat` is read here. */
  deprecation: Pick<DeprecationConfig, "reasonFormat">;
  /** Today, `YYYY-MM-DD` (UTC). */
  today: string;
  /** Breaking changes accepted on purpose (`schemas/allowed-changes.json`). @default [] */
  allowedChanges?: readonly AllowedChange[];
}

/**
 * Diffs two schemas with graphql-inspector and judges each change:
 * - a removal of a field, argument, enum value or input field passes only when the element was deprecated
 *   in `previous` with a reason in the policy's format whose date has passed (with `reasonFormat: "any"`,
 *   any deprecation whose reason names no date);
 * - a removed type passes when nothing that stays refers to it (every field that returned it went too);
 * - any other breaking change (type changes, new required arguments or input fields, nullability
 *   tightened) fails;
 * - a breaking change whose path is listed in `allowedChanges` passes, with the listed reason;
 * - dangerous and safe changes pass.
 *
 * @param previous - the committed (or serving) schema
 * @param next - the new schema
 * @param options - policy, today, allowed changes
 * @returns every change, in graphql-inspector's order
 * @see https://the-guild.dev/graphql/inspector/docs/essentials/diff
 */
export async function checkChanges(
  previous: GraphQLSchema,
  next: GraphQLSchema,
  options: ChangeCheckOptions,
): Promise<CheckedChange[]> {
  const changes: Change[] = await diff(previous, next);
  const allowed = new Map((options.allowedChanges ?? []).map((entry) => [entry.path, entry.reason]));
  return changes.map((change): CheckedChange => {
    const base = {
      type: String(change.type),
      path: change.path ?? "",
      message: change.message,
      level: LEVELS[change.criticality.level] ?? "breaking",
    };
    if (base.level !== "breaking") return { ...base, ok: true };
    const listed = allowed.get(base.path);
    if (listed !== undefined) return { ...base, ok: true, why: `allowed in schemas/allowed-changes.json: ${listed}` };
    const unlisted = `list "${base.path}" in schemas/allowed-changes.json with a reason to accept it`;
    if (REMOVALS.has(base.type)) {
      const verdict = judgeRemoval(
        deprecationAt(previous, base.type, base.path),
        options.today,
        options.deprecation.reasonFormat,
      );
      return { ...base, ok: verdict.ok, why: verdict.ok ? verdict.why : `${verdict.why}; or ${unlisted}` };
    }
    if (base.type === "TYPE_REMOVED") {
      const verdict = judgeTypeRemoval(previous, base.path, options);
      return { ...base, ok: verdict.ok, why: verdict.ok ? verdict.why : `${verdict.why}; or ${unlisted}` };
    }
    return { ...base, ok: false, why: `a breaking change the policy cannot let through; ${unlisted}` };
  });
}
