import {
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  KnownDirectivesRule,
  KnownTypeNamesRule,
  LoneSchemaDefinitionRule,
  PossibleTypeExtensionsRule,
  type TypeInfo,
  UniqueArgumentDefinitionNamesRule,
  UniqueArgumentNamesRule,
  UniqueDirectiveNamesRule,
  UniqueDirectivesPerLocationRule,
  UniqueEnumValueNamesRule,
  UniqueFieldDefinitionNamesRule,
  UniqueInputFieldNamesRule,
  UniqueOperationTypesRule,
  UniqueTypeNamesRule,
  ValidationContext,
  valueFromASTUntyped,
  visit,
  visitInParallel,
} from "graphql";
import type { EndpointConfig } from "../../config";
import { type ConfigProblem, nodeLocation } from "../../errors";
import { jsonTemplateReferences, type TemplateReference, templateReferences } from "../../templates";
import { REALTIME_DIRECTIVES } from "./realtime-directives";

/**
 * The checks of schemas/*.graphql that need no other source: graphql-js's SDL rules with locations,
 * and the arguments of `@rest` / `@join` read and type-checked.
 */

/** The directives of schemas/*.graphql and their arguments; read here and stripped before the schema is built. */
const DIRECTIVES = {
  rest: { required: ["service", "endpoint"], optional: ["args", "batch"] },
  join: { required: ["remote", "field"], optional: ["args", "batch", "keyField"] },
} as const;
type DirectiveName = keyof typeof DIRECTIVES;

/**
 * Whether a field carries `@rest` or `@join`.
 * @param field - a field definition of schemas/*.graphql
 */
export const isBound = (field: FieldDefinitionNode): boolean =>
  field.directives?.some((d) => Object.hasOwn(DIRECTIVES, d.name.value)) === true;

/** graphql-js's SDL rules (those it exports), in its order. */
const SDL_RULES = [
  LoneSchemaDefinitionRule,
  UniqueOperationTypesRule,
  UniqueTypeNamesRule,
  UniqueEnumValueNamesRule,
  UniqueFieldDefinitionNamesRule,
  UniqueArgumentDefinitionNamesRule,
  UniqueDirectiveNamesRule,
  KnownTypeNamesRule,
  KnownDirectivesRule,
  UniqueDirectivesPerLocationRule,
  PossibleTypeExtensionsRule,
  UniqueArgumentNamesRule,
  UniqueInputFieldNamesRule,
];

/**
 * Runs the SDL rules that buildASTSchema would run, keeping each error's location: buildASTSchema
 * throws them joined into one plain Error, without locations (unknown types, extending an undefined type).
 * Without a schema the rules read only the document (as graphql-js's own SDL validation does).
 * @param document - the SDL document (built from located sources)
 * @returns the errors, each with its location
 */
export function sdlErrors(document: DocumentNode): GraphQLError[] {
  const errors: GraphQLError[] = [];
  // graphql-js does not export SDLValidationContext: a ValidationContext without schema does its work.
  const context = new ValidationContext(
    undefined as unknown as GraphQLSchema,
    document,
    undefined as unknown as TypeInfo,
    (error) => errors.push(error),
  ) as unknown as Parameters<typeof PossibleTypeExtensionsRule>[0];
  visit(document, visitInParallel(SDL_RULES.map((rule) => rule(context))));
  return errors;
}

/** One @rest or @join on a field, its arguments read as JSON. */
export interface DirectiveUse {
  /** `rest` or `join`. */
  name: DirectiveName;
  /** Its arguments as JSON values. */
  values: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Reads the field's @rest/@join, checking argument names and types.
 * @param typeName - the parent type's name
 * @param field - the field
 * @param problems - receives each problem, located `file:line:column`
 * @returns the directive, or undefined when there is none or it has problems
 */
export function readDirective(
  typeName: string,
  field: FieldDefinitionNode,
  problems: ConfigProblem[],
): DirectiveUse | undefined {
  const label = `${typeName}.${field.name.value}`;
  const uses = (field.directives ?? []).filter((d) => Object.hasOwn(DIRECTIVES, d.name.value));
  if (uses.length === 0) return undefined;
  const at = nodeLocation(field);
  if (uses.length > 1) {
    problems.push({ path: at, message: `${label} has both @rest and @join (or one twice); a field is bound once` });
    return undefined;
  }
  const directive = uses[0] as DirectiveNode;
  const name = directive.name.value as DirectiveName;
  const spec = DIRECTIVES[name];
  const known: readonly string[] = [...spec.required, ...spec.optional];
  const values: Record<string, unknown> = {};
  let ok = true;
  for (const argument of directive.arguments ?? []) {
    const argName = argument.name.value;
    if (!known.includes(argName)) {
      problems.push({
        path: at,
        message: `@${name} on ${label} has unknown argument "${argName}" (known: ${known.join(", ")})`,
      });
      ok = false;
      continue;
    }
    values[argName] = valueFromASTUntyped(argument.value);
  }
  for (const required of spec.required) {
    if (typeof values[required] !== "string" || values[required] === "") {
      problems.push({ path: at, message: `@${name} on ${label} needs ${required}: a non-empty string` });
      ok = false;
    }
  }
  if (values.args !== undefined && !isRecord(values.args)) {
    problems.push({ path: at, message: `@${name} on ${label}: args must be an object of templates` });
    ok = false;
  }
  if (values.batch !== undefined && typeof values.batch !== "boolean") {
    problems.push({ path: at, message: `@${name} on ${label}: batch must be true or false` });
    ok = false;
  }
  if (values.keyField !== undefined && (typeof values.keyField !== "string" || values.keyField === "")) {
    problems.push({ path: at, message: `@${name} on ${label}: keyField must be a field name` });
    ok = false;
  }
  return ok ? { name, values } : undefined;
}

/**
 * Every reference the endpoint's templates make (path, query, body, header ops).
 * @param endpoint - the endpoint's config
 */
export function endpointReferences(endpoint: EndpointConfig): TemplateReference[] {
  return [
    ...templateReferences(endpoint.path),
    ...Object.values(endpoint.query ?? {}).flatMap(templateReferences),
    ...jsonTemplateReferences(endpoint.body),
    ...endpoint.headers.flatMap((op) => templateReferences(op.value ?? "")),
  ];
}

/**
 * Apollo's `@cacheControl`, defined by the gateway: read by src/cache (the response cache's hints) and
 * stripped here, on types and fields, before the schema is built.
 */
const CACHE_CONTROL = "cacheControl";

/**
 * A field definition without its @rest/@join, realtime and `@cacheControl` directives (for the schema that is built).
 * @param field - the field
 */
export const withoutDirectives = (field: FieldDefinitionNode): FieldDefinitionNode => ({
  ...field,
  directives: (field.directives ?? []).filter(
    (d) =>
      !Object.hasOwn(DIRECTIVES, d.name.value) &&
      !REALTIME_DIRECTIVES.has(d.name.value) &&
      d.name.value !== CACHE_CONTROL,
  ),
});

/**
 * A definition without `@cacheControl` on the type itself (objects, interfaces, unions; src/cache reads it).
 * @param definition - a definition of schemas/*.graphql
 */
export function withoutTypeCacheControl<T extends DefinitionNode>(definition: T): T {
  const directives = (definition as { directives?: readonly DirectiveNode[] }).directives;
  if (directives === undefined || !directives.some((d) => d.name.value === CACHE_CONTROL)) return definition;
  return { ...definition, directives: directives.filter((d) => d.name.value !== CACHE_CONTROL) };
}
