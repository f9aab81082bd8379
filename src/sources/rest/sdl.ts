import {
  buildASTSchema,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  isObjectType,
  Kind,
  KnownDirectivesRule,
  KnownTypeNamesRule,
  LoneSchemaDefinitionRule,
  type ObjectTypeDefinitionNode,
  PossibleTypeExtensionsRule,
  parse,
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
  validateSchema,
  visit,
  visitInParallel,
} from "graphql";
import type { EndpointConfig, ServiceConfig } from "../../config";
import {
  type ConfigProblem,
  ErrorCode,
  errorLocation,
  GatewayError,
  nodeLocation,
  parseSdl,
  UpstreamError,
} from "../../errors";
import { type FetchFn, isUpstreamContext, wantsGatewayToken } from "../remote-graphql";
import { buildRestRequest, callRest } from "./call";
import { checkFits, selectPath } from "./mapping";
import { jsonTemplateReferences, sessionScope, type TemplateReference, templateReferences } from "./templates";

/** One SDL file under schemas/, as bundled into the Worker (see scripts/gen-schema-files.mjs). */
export interface SchemaFile {
  /** Path relative to the project, e.g. `schemas/orders.graphql`; used in error locations. */
  path: string;
  /** The file's text. */
  sdl: string;
}

/** The directive binding a field to a REST endpoint; declared by the gateway, not by users. */
export const REST_DIRECTIVE_SDL = "directive @rest(service: String!, endpoint: String!) on FIELD_DEFINITION";

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);

interface Binding {
  typeName: string;
  field: FieldDefinitionNode;
  service: ServiceConfig;
  endpointName: string;
  endpoint: EndpointConfig;
}

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
 */
function sdlErrors(document: DocumentNode): GraphQLError[] {
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

const stringArgument = (node: FieldDefinitionNode, directive: string, name: string): string | undefined => {
  const found = node.directives
    ?.find((d) => d.name.value === directive)
    ?.arguments?.find((a) => a.name.value === name)?.value;
  return found?.kind === Kind.STRING ? found.value : undefined;
};

/** Every reference the endpoint's templates make. */
function endpointReferences(endpoint: EndpointConfig): TemplateReference[] {
  return [
    ...templateReferences(endpoint.path),
    ...Object.values(endpoint.query ?? {}).flatMap(templateReferences),
    ...jsonTemplateReferences(endpoint.body),
    ...endpoint.headers.flatMap((op) => templateReferences(op.value ?? "")),
  ];
}

/** The result of {@link buildRestSchema}. */
export interface RestSchema {
  /** The executable schema of schemas/*.graphql with @rest resolvers, or undefined with no files. */
  schema: GraphQLSchema | undefined;
  /** Startup problems, each located as `file:line:column`. Non-empty means the schema is unusable. */
  problems: ConfigProblem[];
}

/** Options of {@link buildRestSchema}. */
export interface RestSchemaOptions {
  /** Fetch for service calls. @default globalThis.fetch */
  fetch?: FetchFn;
}

/**
 * Parses schemas/*.graphql, checks every `@rest(service:, endpoint:)` against the config, and builds
 * an executable schema whose bound fields call their endpoint. Files may `extend type Query` /
 * `extend type Mutation` without declaring the root type.
 *
 * Checked at startup, with file and line: SDL syntax and validity, unknown service or endpoint, a
 * template naming an argument the field does not have, `{parent.x}` on a root field or naming a field
 * the parent type lacks.
 *
 * @param files - the SDL files
 * @param services - the configured REST services
 * @param options - fetch
 * @returns the schema and the problems
 * @see https://spacecloud.io/docs/microservices/graphql/ (Space Cloud remote services)
 */
export function buildRestSchema(
  files: readonly SchemaFile[],
  services: readonly ServiceConfig[],
  options: RestSchemaOptions = {},
): RestSchema {
  const problems: ConfigProblem[] = [];
  if (files.length === 0) return { schema: undefined, problems };
  const definitions: DefinitionNode[] = [];
  for (const file of files) {
    const parsed = parseSdl(file.sdl, file.path);
    if ("problem" in parsed) problems.push(parsed.problem);
    else definitions.push(...parsed.document.definitions);
  }
  if (problems.length > 0) return { schema: undefined, problems };

  const typeFields = new Map<string, Set<string>>();
  const bindings: Binding[] = [];
  const declared = new Set<string>();
  const extended = new Set<string>();
  const serviceByName = new Map(services.map((service) => [service.name, service]));
  for (const definition of definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeName = definition.name.value;
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION ? declared : extended).add(typeName);
    const names = typeFields.get(typeName) ?? new Set<string>();
    typeFields.set(typeName, names);
    for (const field of definition.fields ?? []) {
      names.add(field.name.value);
      if (!field.directives?.some((d) => d.name.value === "rest")) continue;
      const serviceName = stringArgument(field, "rest", "service");
      const endpointName = stringArgument(field, "rest", "endpoint");
      const at = nodeLocation(field);
      const service = serviceName === undefined ? undefined : serviceByName.get(serviceName);
      if (service === undefined) {
        problems.push({
          path: at,
          message: `@rest on ${typeName}.${field.name.value} names unknown service "${serviceName}" (configured: ${[...serviceByName.keys()].join(", ") || "none"})`,
        });
        continue;
      }
      const endpoint = endpointName === undefined ? undefined : service.endpoints[endpointName];
      if (endpoint === undefined || endpointName === undefined) {
        problems.push({
          path: at,
          message: `@rest on ${typeName}.${field.name.value} names unknown endpoint "${endpointName}" of service "${service.name}" (endpoints: ${Object.keys(service.endpoints).join(", ") || "none"})`,
        });
        continue;
      }
      bindings.push({ typeName, field, service, endpointName, endpoint });
    }
  }

  for (const binding of bindings) {
    const { typeName, field, service, endpointName, endpoint } = binding;
    const argumentNames = new Set((field.arguments ?? []).map((arg) => arg.name.value));
    const label = `${typeName}.${field.name.value} (@rest ${service.name}.${endpointName})`;
    for (const reference of endpointReferences(endpoint)) {
      const first = reference.path[0] as string;
      if (reference.root === "args" && !argumentNames.has(first)) {
        problems.push({
          path: nodeLocation(field),
          message: `${label}: template ${reference.text} needs argument "${first}", which the field does not declare`,
        });
      } else if (reference.root === "parent" && ROOT_TYPES.has(typeName)) {
        problems.push({
          path: nodeLocation(field),
          message: `${label}: template ${reference.text} reads the parent of a root field`,
        });
      } else if (reference.root === "parent" && !typeFields.get(typeName)?.has(first)) {
        problems.push({
          path: nodeLocation(field),
          message: `${label}: template ${reference.text} names field "${first}", which type ${typeName} does not have`,
        });
      }
    }
  }
  if (problems.length > 0) return { schema: undefined, problems };

  const roots: ObjectTypeDefinitionNode[] = [...extended]
    .filter((name) => ROOT_TYPES.has(name) && !declared.has(name))
    .map((name) => ({ kind: Kind.OBJECT_TYPE_DEFINITION, name: { kind: Kind.NAME, value: name }, fields: [] }));
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [...parse(REST_DIRECTIVE_SDL).definitions, ...roots, ...definitions],
  };
  const sdlInvalid = sdlErrors(document);
  if (sdlInvalid.length > 0) {
    return {
      schema: undefined,
      problems: sdlInvalid.map((error) => ({ path: errorLocation(error), message: error.message })),
    };
  }
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(document);
  } catch (error) {
    if (error instanceof GraphQLError) {
      return { schema: undefined, problems: [{ path: errorLocation(error), message: error.message }] };
    }
    // The rest of graphql-js's SDL validation (arguments of directives) throws a plain Error, unlocated.
    if (error instanceof Error) return { schema: undefined, problems: [{ path: "schemas", message: error.message }] };
    throw error;
  }
  const invalid = validateSchema(schema);
  if (invalid.length > 0) {
    return {
      schema: undefined,
      problems: invalid.map((error) => ({ path: errorLocation(error), message: error.message })),
    };
  }
  for (const binding of bindings) {
    const type = schema.getType(binding.typeName);
    const field = isObjectType(type) ? type.getFields()[binding.field.name.value] : undefined;
    if (field) field.resolve = createRestResolver(binding, options.fetch);
  }
  return { schema, problems };
}

/** GET calls made by one request, so identical ones are sent once (queries only). */
const inflight = new WeakMap<object, Map<string, Promise<unknown>>>();

function createRestResolver(binding: Binding, fetchFn?: FetchFn): GraphQLFieldResolver<unknown, unknown> {
  const { service, endpointName, endpoint } = binding;
  return async function restResolver(parent, args, context, info) {
    const ctx = isUpstreamContext(context) ? context : undefined;
    const scope = { args, parent, session: sessionScope(ctx?.session?.variables) };
    try {
      const gatewayToken = wantsGatewayToken(service) ? await ctx?.gatewayToken?.(service.name) : undefined;
      const request = buildRestRequest(service, endpoint, scope, ctx, gatewayToken);
      const call = () => callRest(service, endpointName, request, { fetch: fetchFn, cookies: ctx?.responseCookies });
      let data: unknown;
      if (ctx !== undefined && request.method === "GET" && info.operation.operation === "query") {
        let calls = inflight.get(ctx);
        if (calls === undefined) {
          calls = new Map();
          inflight.set(ctx, calls);
        }
        const key = `${request.url}\n${JSON.stringify([...request.headers])}`;
        let pending = calls.get(key);
        if (pending === undefined) {
          pending = call();
          calls.set(key, pending);
        }
        data = await pending;
      } else {
        data = await call();
      }
      const value = selectPath(data, endpoint.select);
      const misfit = checkFits(value, info.returnType, info.fieldNodes, info.fragments, info.fieldName);
      if (misfit) {
        throw new UpstreamError(
          ErrorCode.UPSTREAM_INVALID_RESPONSE,
          service.name,
          `Service "${service.name}" endpoint "${endpointName}" answered with data that does not fit the schema at ${misfit.path}: ${misfit.message}`,
          { extensions: { endpoint: endpointName, responsePath: misfit.path } },
        );
      }
      return value;
    } catch (error) {
      if (error instanceof GatewayError) throw error.toGraphQLError();
      throw error;
    }
  };
}
