import {
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
} from "graphql";

/** What a deprecated element is, in the words of the policy's reason ("This field is deprecated ..."). */
export type DeprecationKind = "field" | "mutation" | "argument" | "input field" | "enum value";

/** A deprecation reason in the policy's format, read. */
export interface PolicyReason {
  /** The kind the reason names ("This {kind} is deprecated ..."). */
  kind: DeprecationKind;
  /** The date after which the element may be removed, `YYYY-MM-DD` (the reason writes `YYYY/MM/DD`). */
  removalDate: string;
  /** The element to use instead, when the reason names one ("Use the {name} {kind} instead."). */
  replacement?: { name: string; kind: DeprecationKind };
}

const KINDS = "field|mutation|argument|input field|enum value";
const REASON = new RegExp(
  `^This (${KINDS}) is deprecated and will be removed after (\\d{4})/(\\d{2})/(\\d{2})\\.(?: Use the (\\S+) (${KINDS}) instead\\.)?$`,
);

/**
 * Reads a deprecation reason written in the policy's format: "This {field|mutation} is deprecated and will
 * be removed after YYYY/MM/DD." optionally followed by " Use the {x} {field|mutation} instead." The kinds
 * `argument`, `input field` and `enum value` are accepted too, for the elements of those kinds.
 * @param reason - the `@deprecated(reason:)` text
 * @returns the kind, removal date (`YYYY-MM-DD`) and replacement; null when the text does not follow the
 *   format or names a date that does not exist (2026/02/30)
 * @see https://docs.fluidattacks.com/ (Integrates' deprecation policy: six months between deprecation and removal)
 */
export function parseDeprecationReason(reason: string | null | undefined): PolicyReason | null {
  if (reason === null || reason === undefined) return null;
  const match = REASON.exec(reason.trim());
  if (match === null) return null;
  const [, kind, year, month, day, name, replacementKind] = match as unknown as string[];
  const removalDate = `${year}-${month}-${day}`;
  const parsed = new Date(`${removalDate}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== removalDate) return null;
  return {
    kind: kind as DeprecationKind,
    removalDate,
    ...(name === undefined ? {} : { replacement: { name, kind: replacementKind as DeprecationKind } }),
  };
}

/**
 * Writes a reason in the policy's format (what a failed check suggests).
 * @param kind - the element's kind
 * @param removalDate - `YYYY-MM-DD`
 * @param replacement - the element to use instead, if any
 * @returns e.g. "This field is deprecated and will be removed after 2027/06/01. Use the name field instead."
 */
export function policyReason(
  kind: DeprecationKind,
  removalDate: string,
  replacement?: { name: string; kind: DeprecationKind },
): string {
  const base = `This ${kind} is deprecated and will be removed after ${removalDate.replaceAll("-", "/")}.`;
  return replacement === undefined ? base : `${base} Use the ${replacement.name} ${replacement.kind} instead.`;
}

/** One deprecated element of a schema. */
export interface DeprecatedElement {
  /**
   * Its schema coordinate: `Type.field`, `Type.field(arg:)`, `Input.field`, `Enum.VALUE`.
   * @see https://github.com/graphql/graphql-wg/blob/main/rfcs/SchemaCoordinates.md
   */
  coordinate: string;
  /** The kind the policy's reason should name (`mutation` for fields of the mutation type). */
  kind: DeprecationKind;
  /** The `@deprecated(reason:)` text (graphql-js gives "No longer supported" when none was written). */
  reason: string;
}

/**
 * Every deprecated field, argument, input field and enum value of a schema (introspection types left out),
 * in type-map order.
 * @param schema - any schema
 * @returns the elements with their coordinates, kinds and reasons
 */
export function deprecatedElements(schema: GraphQLSchema): DeprecatedElement[] {
  const out: DeprecatedElement[] = [];
  const mutation = schema.getMutationType()?.name;
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type)) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) {
          out.push({
            coordinate: `${type.name}.${field.name}`,
            kind: type.name === mutation ? "mutation" : "field",
            reason: field.deprecationReason,
          });
        }
        for (const arg of field.args) {
          if (arg.deprecationReason != null) {
            out.push({
              coordinate: `${type.name}.${field.name}(${arg.name}:)`,
              kind: "argument",
              reason: arg.deprecationReason,
            });
          }
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) {
          out.push({ coordinate: `${type.name}.${field.name}`, kind: "input field", reason: field.deprecationReason });
        }
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (value.deprecationReason != null) {
          out.push({ coordinate: `${type.name}.${value.name}`, kind: "enum value", reason: value.deprecationReason });
        }
      }
    }
  }
  return out;
}
