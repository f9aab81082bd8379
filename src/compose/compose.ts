import { Subschema, type SubschemaConfig } from "@graphql-tools/delegate";
import { stitchSchemas } from "@graphql-tools/stitch";
import type { GraphQLSchema } from "graphql";
import type { SchemaConflictError } from "../errors";
import { findConflict, recordSchema } from "./conflicts";

/** One remote ready to compose. */
export interface ComposeInput {
  /** The remote's configured name. */
  name: string;
  /** Its subschema config (schema, executor, transforms). */
  subschema: SubschemaConfig;
}

/** What {@link composeSubschemas} produced. */
export interface ComposeResult {
  /** The stitched schema, or undefined when no subschema could be used. */
  schema: GraphQLSchema | undefined;
  /** Names of the remotes in the schema, in config order. */
  included: string[];
  /** Remotes left out because they conflict with an earlier one (config order decides), with the error. */
  conflicts: Map<string, SchemaConflictError>;
}

/**
 * Checks the subschemas for conflicts in config order (Hasura's rules, see findConflict), leaves
 * out each remote that conflicts with an earlier one, and stitches the rest with
 * @graphql-tools/stitch. Root fields of different remotes resolve in parallel.
 *
 * @param inputs - the remotes in config order
 * @returns the stitched schema, the included remotes and the conflicts
 * @see https://the-guild.dev/graphql/stitching/docs/getting-started/basic-example
 */
export function composeSubschemas(inputs: readonly ComposeInput[]): ComposeResult {
  const rootFields = new Map<string, string>();
  const types = new Map<string, { remote: string; structure: string }>();
  const conflicts = new Map<string, SchemaConflictError>();
  const accepted: ComposeInput[] = [];
  for (const input of inputs) {
    const hasTransforms = (input.subschema.transforms?.length ?? 0) > 0;
    const schema = hasTransforms ? new Subschema(input.subschema).transformedSchema : input.subschema.schema;
    const candidate = { name: input.name, schema };
    const conflict = findConflict(candidate, rootFields, types);
    if (conflict !== undefined) {
      conflicts.set(input.name, conflict);
      continue;
    }
    recordSchema(candidate, rootFields, types);
    accepted.push(input);
  }
  const schema =
    accepted.length === 0 ? undefined : stitchSchemas({ subschemas: accepted.map((input) => input.subschema) });
  return { schema, included: accepted.map((input) => input.name), conflicts };
}
