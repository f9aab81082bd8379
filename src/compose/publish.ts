import type { GraphQLSchema } from "graphql";
import type { RemoteConfig } from "../config";
import type { ConfigProblem } from "../errors";
import {
  publishFieldProblems,
  responsePayload,
  topicTemplateProblems,
  withPublish,
  withTemplateSelections,
} from "../events";
import type { JoinSource } from "../joins";

/**
 * `@publish` of remote mutations, configured as a remote's `publish` entry (`{ "<Mutation field, gateway
 * name>": "<topic template>" }`), since a remote's fields are not in schemas/*.graphql.
 */

/** The JSON path of one `publish` entry. */
const entryPath = (index: number, fieldName: string): string => `$.remotes[${index}].publish.${fieldName}`;

/**
 * The checks of every remote's `publish` entries that need no remote schema (config time; the build step
 * runs them too): each template passes topicTemplateProblems (src/events), and the remote has no
 * `rootFieldsNamespace` (its mutations are then not fields of the gateway's Mutation type).
 * @param remotes - the config's remotes, in config order
 * @returns the problems, located by JSON path (`$.remotes[0].publish.placeOrder`)
 */
export function remotePublishConfigProblems(remotes: readonly RemoteConfig[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  remotes.forEach((remote, index) => {
    for (const [fieldName, template] of Object.entries(remote.publish ?? {})) {
      const path = entryPath(index, fieldName);
      if (remote.customization?.rootFieldsNamespace !== undefined) {
        problems.push({
          path,
          message: `remote "${remote.name}" has "rootFieldsNamespace", so its mutations are not fields of the gateway's Mutation type; publish names those`,
        });
        continue;
      }
      for (const message of topicTemplateProblems(template)) problems.push({ path, message });
    }
  });
  return problems;
}

/**
 * The checks of a remote's `publish` entries against its schema as the gateway shows it (customization
 * applied; composition time): the Mutation field exists, and its topic template fits the field (see
 * publishFieldProblems in src/events).
 * @param remote - the remote's config
 * @param schema - the remote's schema with its customization applied
 * @param index - the remote's position in the config's `remotes`, for the JSON paths
 * @returns the problems
 */
export function remotePublishProblems(remote: RemoteConfig, schema: GraphQLSchema, index: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const [fieldName, template] of Object.entries(remote.publish ?? {})) {
    const path = entryPath(index, fieldName);
    const field = fields[fieldName];
    if (field === undefined) {
      problems.push({
        path,
        message: `remote "${remote.name}" has no Mutation field ${fieldName} (publish names the gateway's field, after customization)`,
      });
      continue;
    }
    for (const message of publishFieldProblems(template, field)) {
      problems.push({ path, message: `Mutation.${fieldName} of remote "${remote.name}": ${message}` });
    }
  }
  return problems;
}

/**
 * Wraps the stitched schema's Mutation fields named by the composed remotes' `publish` entries with
 * withPublish (src/events): the fields the template reads are added to the selection delegated to the
 * remote (withTemplateSelections), and the payload is what the remote answered for the field, keyed by
 * field names (responsePayload). Run on the schema stitchSchemas returned, before role schemas are
 * derived from it (they copy its resolvers).
 * @param schema - the stitched schema (changed in place)
 * @param sources - the composed sources
 */
export function wrapRemotePublishes(schema: GraphQLSchema, sources: readonly JoinSource[]): void {
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const source of sources) {
    for (const [fieldName, template] of Object.entries(source.remote?.publish ?? {})) {
      const field = fields[fieldName];
      if (field === undefined) continue;
      field.resolve = withPublish(field.resolve, {
        label: `Mutation.${fieldName} (remote "${source.name}")`,
        template,
        prepare: (info) => {
          const fieldNodes = withTemplateSelections(info.fieldNodes, template);
          return fieldNodes === info.fieldNodes ? info : { ...info, fieldNodes };
        },
        payload: (result, info) => responsePayload(result, info.returnType, info.fieldNodes, info),
      });
    }
  }
}

/**
 * Whether a remote's root field publishes (such an operation must go through stitching, never the
 * passthrough, so the field's resolver runs).
 * @param remote - the remote's config
 * @param operation - `query` or `mutation`
 * @param fieldName - the root field
 */
export const publishes = (remote: RemoteConfig, operation: string, fieldName: string): boolean =>
  operation === "mutation" && remote.publish !== undefined && Object.hasOwn(remote.publish, fieldName);
