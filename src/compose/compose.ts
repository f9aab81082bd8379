import { Subschema, type SubschemaConfig } from "@graphql-tools/delegate";
import { stitchSchemas } from "@graphql-tools/stitch";
import { type GraphQLSchema, validateSchema } from "graphql";
import { ErrorCode, GatewayError } from "../errors";
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
  /**
   * Remotes left out, with the reason: SCHEMA_CONFLICT with an earlier remote (config order decides),
   * or INVALID_CUSTOMIZATION when the remote's customization yields an invalid schema.
   */
  conflicts: Map<string, GatewayError>;
}

/**
 * Checks the subschemas for conflicts in config order (Hasura's rules, see findConflict), leaves
 * out each remote that conflicts with an earlier one or whose customization yields an invalid schema, and stitches the rest with
 * @graphql-tools/stitch. Root fields of different remotes resolve in parallel.
 *
 * @param inputs - the remotes in config order
 * @returns the stitched schema, the included remotes and the conflicts
 * @see https://the-guild.dev/graphql/stitching/docs/getting-started/basic-example
 */
export function composeSubschemas(inputs: readonly ComposeInput[]): ComposeResult {
  const rootFields = new Map<string, string>();
  const types = new Map<string, { remote: string; structure: string }>();
  const conflicts = new Map<string, GatewayError>();
  const accepted: ComposeInput[] = [];
  for (const input of inputs) {
    const hasTransforms = (input.subschema.transforms?.length ?? 0) > 0;
    const schema = hasTransforms ? new Subschema(input.subschema).transformedSchema : input.subschema.schema;
    if (hasTransforms) {
      const invalid = validateSchema(schema);
      if (invalid.length > 0) {
        conflicts.set(
          input.name,
          new GatewayError(
            ErrorCode.INVALID_CUSTOMIZATION,
            `The customization of remote schema "${input.name}" produces an invalid schema: ${invalid.map((e) => e.message).join(" ")}`,
            { status: 409, extensions: { remotes: [input.name] } },
          ),
        );
        continue;
      }
    }
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
