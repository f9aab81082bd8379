import type { FieldDefinitionNode } from "graphql";
import { type ConfigProblem, nodeLocation } from "../errors";
import { jsonTemplateReferences, type TemplateReference } from "../templates";
import type { BatchKey, JoinDirective } from "./types";

/**
 * Reads one field's `@join(remote:, field:, args:, batch:, keyField:)`, whose arguments the SDL reader
 * (src/sources/rest) has already read and type-checked, against the configured remotes. What needs the
 * remote's schema is checked when the schema is composed (see buildJoins).
 *
 * @param field - the field carrying the directive (for locations and its arguments)
 * @param label - `Type.field`, for messages
 * @param values - the directive's arguments as JSON
 * @param batch - the key when `batch: true` (found by findBatchKey), else undefined
 * @param options - whether the field is a root field, and the configured remote names
 * @param problems - receives each problem, located `file:line:column`
 * @returns the join, or undefined when it has problems
 * @see https://hasura.io/docs/latest/remote-schemas/remote-relationships/ (Hasura remote relationships)
 */
export function readJoinDirective(
  field: FieldDefinitionNode,
  label: string,
  values: Record<string, unknown>,
  batch: BatchKey | undefined,
  options: { isRoot: boolean; remotes: ReadonlySet<string> },
  problems: ConfigProblem[],
): JoinDirective | undefined {
  const at = nodeLocation(field);
  const remote = values.remote as string;
  if (options.isRoot) {
    problems.push({ path: at, message: `@join on ${label}: @join binds fields of object types, not root fields` });
    return undefined;
  }
  if (!options.remotes.has(remote)) {
    problems.push({
      path: at,
      message: `@join on ${label} names unknown remote "${remote}" (configured: ${[...options.remotes].join(", ") || "none"})`,
    });
    return undefined;
  }
  const args = (values.args as Record<string, unknown> | undefined) ?? {};
  const argumentNames = new Set((field.arguments ?? []).map((arg) => arg.name.value));
  for (const reference of jsonTemplateReferences(args)) {
    if (reference.root === "args" && !argumentNames.has(reference.path[0] as string)) {
      problems.push({
        path: at,
        message: `@join on ${label}: template ${reference.text} needs argument "${reference.path[0]}", which the field does not declare`,
      });
    } else if (reference.root === "result") {
      problems.push({
        path: at,
        message: `@join on ${label}: template ${reference.text} reads a mutation's result, which only @publish topics can`,
      });
    }
  }
  return {
    remote,
    field: values.field as string,
    args,
    batch,
    keyField: (values.keyField as string | undefined) ?? "id",
  };
}

/**
 * The distinct first segments of `{parent.x}` references: the parent fields a joined field needs.
 * @param references - a field's template references
 */
export const parentNames = (references: readonly TemplateReference[]): string[] => [
  ...new Set(references.filter((r) => r.root === "parent").map((r) => r.path[0] as string)),
];

/** A field joined onto another source's type, as {@link keyCycles} sees it. */
export interface JoinedField {
  /** The parent type's name. */
  typeName: string;
  /** The field's definition (name and location). */
  field: FieldDefinitionNode;
  /** The parent fields its templates read. */
  parentFields: readonly string[];
}

/**
 * A key of a joined field must come from the parent's source. Reports keys naming another joined
 * field of the same type: a cycle of mandatory keys when the chain leads back, else a key no source serves.
 * @param joined - every field joined onto another source's type (@join, foreign @rest)
 * @returns one problem per such key, located `file:line:column`
 */
export function keyCycles(joined: readonly JoinedField[]): ConfigProblem[] {
  const joinedFields = new Map(joined.map((entry) => [`${entry.typeName}.${entry.field.name.value}`, entry]));
  const problems: ConfigProblem[] = [];
  for (const [name, entry] of joinedFields) {
    for (const parentField of entry.parentFields) {
      const next = `${entry.typeName}.${parentField}`;
      if (!joinedFields.has(next)) continue;
      const chain = [name];
      let cursor: string | undefined = next;
      while (cursor !== undefined && !chain.includes(cursor)) {
        chain.push(cursor);
        const step = joinedFields.get(cursor);
        const joinedKey = step?.parentFields.find((field) => joinedFields.has(`${entry.typeName}.${field}`));
        cursor = joinedKey === undefined ? undefined : `${entry.typeName}.${joinedKey}`;
      }
      problems.push({
        path: nodeLocation(entry.field),
        message:
          cursor === name
            ? `${name}: a cycle of mandatory keys: ${[...chain, name].join(" needs ")}`
            : `${name}: key {parent.${parentField}} is itself a joined field; a join key must be a field the parent's source serves`,
      });
    }
  }
  return problems;
}
