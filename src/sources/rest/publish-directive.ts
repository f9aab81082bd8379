import {
  type DefinitionNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
  Kind,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
  valueFromASTUntyped,
} from "graphql";
import type { EndpointConfig } from "../../config";
import { type ConfigProblem, nodeLocation } from "../../errors";
import { publishFieldProblems, topicTemplateProblems, withPublish } from "../../events";
import { jsonTemplateReferences } from "../../templates";
import { endpointReferences, withoutDirectives } from "./sdl-rules";

/**
 * `@publish(topic: "orders.{result.id}")` on Mutation fields of schemas/*.graphql bound with `@rest`:
 * read and checked here, stripped before the local schema is built, and applied by wrapping the field's
 * resolver once it is built (see withPublish in src/events).
 */

/** The directive's name. */
const PUBLISH = "publish";

/** One `@publish` of schemas/*.graphql. */
export interface PublishUse {
  /** The field carrying it. */
  field: FieldDefinitionNode;
  /** Its topic template. */
  template: string;
}

/**
 * Reads every `@publish` of the SDL: only on `Mutation` fields bound with `@rest` (a remote's mutations
 * publish through its `publish` config entry), once per field, with one argument `topic`: a template
 * that passes topicTemplateProblems (src/events).
 * @param definitions - every definition of schemas/*.graphql
 * @param problems - receives each problem, located `file:line:column`
 * @returns the uses without problems
 */
export function readPublishDirectives(definitions: readonly DefinitionNode[], problems: ConfigProblem[]): PublishUse[] {
  const uses: PublishUse[] = [];
  for (const definition of definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const type: ObjectTypeDefinitionNode | ObjectTypeExtensionNode = definition;
    for (const field of type.fields ?? []) {
      const directives = (field.directives ?? []).filter((directive) => directive.name.value === PUBLISH);
      if (directives.length === 0) continue;
      const label = `${type.name.value}.${field.name.value}`;
      const at = nodeLocation(field);
      const fail = (message: string) => problems.push({ path: at, message: `@publish on ${label}: ${message}` });
      if (type.name.value !== "Mutation") {
        fail("@publish belongs on Mutation fields");
        continue;
      }
      if (!(field.directives ?? []).some((directive) => directive.name.value === "rest")) {
        fail(`the field has no @rest; a remote's mutations publish through its "publish" config entry`);
        continue;
      }
      if (directives.length > 1) {
        fail("a field publishes to one topic (one @publish)");
        continue;
      }
      const args = (directives[0]?.arguments ?? []).map((argument) => ({
        name: argument.name.value,
        value: valueFromASTUntyped(argument.value),
      }));
      const unknown = args.filter((argument) => argument.name !== "topic");
      if (unknown.length > 0) {
        fail(`unknown argument ${unknown.map((argument) => `"${argument.name}"`).join(", ")} (known: topic)`);
        continue;
      }
      const template = args.find((argument) => argument.name === "topic")?.value;
      if (typeof template !== "string" || template === "") {
        fail("needs topic: a non-empty string");
        continue;
      }
      const invalid = topicTemplateProblems(template);
      for (const message of invalid) fail(message);
      if (invalid.length === 0) uses.push({ field, template });
    }
  }
  return uses;
}

/**
 * A field definition without its `@rest`/`@join` (and whatever else withoutDirectives strips) and its
 * `@publish`, for the schema that is built.
 * @param field - the field
 */
export function withoutBindings(field: FieldDefinitionNode): FieldDefinitionNode {
  const stripped = withoutDirectives(field);
  return stripped.directives?.some((directive) => directive.name.value === PUBLISH)
    ? { ...stripped, directives: stripped.directives.filter((directive) => directive.name.value !== PUBLISH) }
    : stripped;
}

/**
 * Refuses `{result.x}` in a `@rest` field's templates (the endpoint's and the directive's `args`): only
 * `@publish` topics have a result to read.
 * @param label - the field and endpoint, for the message
 * @param field - the field (its location)
 * @param endpoint - the endpoint's config
 * @param extraArgs - the directive's `args`
 * @returns one problem per such reference
 */
export function resultOutsideTopics(
  label: string,
  field: FieldDefinitionNode,
  endpoint: EndpointConfig,
  extraArgs: Record<string, unknown> | undefined,
): ConfigProblem[] {
  return [...endpointReferences(endpoint), ...jsonTemplateReferences(extraArgs ?? {})]
    .filter((reference) => reference.root === "result")
    .map((reference) => ({
      path: nodeLocation(field),
      message: `${label}: template ${reference.text} reads a mutation's result, which only @publish topics can`,
    }));
}

/**
 * Checks each `@publish` against the built local schema (`{result.x}` walks the field's type to a scalar,
 * `{args.x}` names an argument of the field) and wraps the field's resolver with withPublish: the
 * published payload is the `@rest` resolver's answer (the service's mapped JSON).
 * @param schema - the local schema, its `@rest` resolvers set
 * @param uses - the uses readPublishDirectives returned
 * @returns the problems, located at the field; none means every resolver is wrapped
 */
export function applyPublish(schema: GraphQLSchema, uses: readonly PublishUse[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const fields = schema.getMutationType()?.getFields() ?? {};
  for (const use of uses) {
    const field = fields[use.field.name.value];
    if (field === undefined) continue;
    const label = `Mutation.${field.name}`;
    const found = publishFieldProblems(use.template, field);
    for (const message of found)
      problems.push({ path: nodeLocation(use.field), message: `@publish on ${label}: ${message}` });
    if (found.length === 0) field.resolve = withPublish(field.resolve, { label, template: use.template });
  }
  return problems;
}
