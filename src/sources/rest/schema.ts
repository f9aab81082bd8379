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
  type ObjectTypeDefinitionNode,
  validateSchema,
} from "graphql";
import type { ServiceConfig } from "../../config";
import { type ConfigProblem, errorLocation, nodeLocation, parseSdl } from "../../errors";
import {
  type BatchKey,
  type FieldExtension,
  findBatchKey,
  type JoinDirective,
  keyCycles,
  parentNames,
  readJoinDirective,
} from "../../joins";
import { jsonTemplateReferences } from "../../templates";
import { createUpstreamPipeline, type UpstreamPipeline } from "../../upstream";
import { applyPublish, readPublishDirectives, resultOutsideTopics, withoutBindings } from "./publish-directive";
import {
  type CompletionSources,
  fillCompletion,
  type MergeEntry,
  readRealtimeDirectives,
  subscribeOverHttp,
  type TopicBinding,
  topicFieldResolver,
  usesForeignType,
} from "./realtime-directives";
import { createRestResolver, type RestBinding } from "./resolver";
import {
  endpointReferences,
  isBound,
  readDirective,
  sdlErrors,
  withoutDirectives,
  withoutTypeCacheControl,
} from "./sdl-rules";

/** One SDL file under schemas/, as bundled into the Worker (see scripts/gen-schema-files.mjs). */
export interface SchemaFile {
  /** Path relative to the project, e.g. `schemas/orders.graphql`; used in error locations. */
  path: string;
  /** The file's text. */
  sdl: string;
}

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);

/** The methods a root Query field may call without the endpoint saying `safe: true` (RFC 9110 section 9.2.1). */
const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** The result of {@link buildRestSchema}. */
export interface RestSchema {
  /** The executable schema of schemas/*.graphql with @rest resolvers, or undefined when nothing is local. */
  schema: GraphQLSchema | undefined;
  /** Fields added to other sources' types, and @join fields: stitched in when the schema is composed. */
  extensions: FieldExtension[];
  /** `Type.field` of every local @rest field on an object type (a join point, see the join limits). */
  joinFields: string[];
  /** Startup problems, each located as `file:line:column`. Non-empty means the schema is unusable. */
  problems: ConfigProblem[];
  /** The Subscription fields bound to event topics with `@topic`. */
  topics: TopicBinding[];
  /**
   * Resolvers composition stitches over the Subscription fields of `topics`: `resolve` completes a
   * key-only event payload through its type's `@merge(keyField:)` lookup; `subscribe` refuses a
   * subscription that arrives as a plain HTTP request.
   */
  subscriptionResolvers: Record<string, { subscribe: () => never; resolve: GraphQLFieldResolver<unknown, unknown> }>;
}

/** Options of {@link buildRestSchema}. */
export interface RestSchemaOptions {
  /** The upstream pipeline service calls go through. @default createUpstreamPipeline() */
  pipeline?: UpstreamPipeline;
  /** Names of the configured remotes, which @join may name. @default [] */
  remotes?: readonly string[];
}

/** A bound field (@rest or @join), sorted into the local schema or the extensions. */
interface Sorted {
  typeName: string;
  field: FieldDefinitionNode;
  /** Goes to stitching's typeDefs rather than the local subschema. */
  extension: boolean;
  /** `{parent.x}` names its templates read. */
  parentFields: string[];
  binding?: RestBinding;
  join?: JoinDirective;
  /** A `@topic` Subscription field whose type (or an argument's) belongs to another source. */
  topic?: true;
}

/**
 * Parses schemas/*.graphql and checks every `@rest(service:, endpoint:, args:, batch:)` and
 * `@join(remote:, field:, args:, batch:, keyField:)` against the config. Builds the local executable
 * schema (types of the files, root fields, @rest fields of their own types) and lists the fields that
 * extend other sources' types or join to a remote, which composition stitches in. Files may
 * `extend type Query` / `extend type Mutation` without declaring the root type.
 *
 * Checked here, with file and line: SDL syntax and validity, unknown directive arguments, unknown
 * service, endpoint or remote, @join on a root field, a template naming an argument the field (or the
 * directive's `args`) does not have, `{parent.x}` on a root field or naming a field the parent type lacks
 * (for types of the files), `batch` without a single `{parent.x}` key or (REST) without the endpoint's
 * `keyField`, a field on another source's type without @rest/@join, and a cycle of mandatory keys
 * (a join key that is itself a joined field), and a root Query field bound to an endpoint whose method is
 * not GET or HEAD unless the endpoint says `safe: true` (GET requests run queries). Only root Query
 * fields are checked: a field of another type may be reached from a Mutation as well as from a Query.
 * `@publish` is checked too (on a Mutation field with `@rest`; its topic template's references) and
 * wraps the field's resolver, see publish-directive.ts. What needs the remotes' schemas is checked at composition.
 *
 * @param files - the SDL files
 * @param services - the configured REST services
 * @param options - the upstream pipeline, remote names
 * @returns the local schema, the extensions and the problems
 * @see https://spacecloud.io/docs/microservices/graphql/ (Space Cloud remote services)
 * @see https://hasura.io/docs/latest/remote-schemas/remote-relationships/ (Hasura remote relationships)
 */
export function buildRestSchema(
  files: readonly SchemaFile[],
  services: readonly ServiceConfig[],
  options: RestSchemaOptions = {},
): RestSchema {
  const problems: ConfigProblem[] = [];
  const pipeline = options.pipeline ?? createUpstreamPipeline();
  const none = (): RestSchema => ({
    schema: undefined,
    extensions: [],
    joinFields: [],
    problems,
    topics: [],
    subscriptionResolvers: {},
  });
  if (files.length === 0) return none();
  const definitions: DefinitionNode[] = [];
  for (const file of files) {
    const parsed = parseSdl(file.sdl, file.path);
    if ("problem" in parsed) problems.push(parsed.problem);
    else definitions.push(...parsed.document.definitions);
  }
  if (problems.length > 0) return none();

  const declaredTypes = new Set<string>();
  for (const definition of definitions) {
    if ("name" in definition && definition.name !== undefined && !definition.kind.endsWith("Extension")) {
      declaredTypes.add(definition.name.value);
    }
  }
  const typeFields = new Map<string, Set<string>>();
  const declared = new Set<string>();
  const extended = new Set<string>();
  const serviceByName = new Map(services.map((service) => [service.name, service]));
  const remoteNames = new Set(options.remotes ?? []);
  const sorted: Sorted[] = [];
  const topics: TopicBinding[] = [];
  const merges: MergeEntry[] = [];
  // Filled once the local schema is built; topic fields resolve through it.
  const completion: CompletionSources = { lookups: new Map(), boundFields: new Map() };
  const topicResolve = topicFieldResolver(completion);
  for (const definition of definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeName = definition.name.value;
    (definition.kind === Kind.OBJECT_TYPE_DEFINITION ? declared : extended).add(typeName);
    const names = typeFields.get(typeName) ?? new Set<string>();
    typeFields.set(typeName, names);
    for (const field of definition.fields ?? []) {
      names.add(field.name.value);
      const label = `${typeName}.${field.name.value}`;
      const at = nodeLocation(field);
      const use = readDirective(typeName, field, problems);
      const realtime = readRealtimeDirectives(typeName, field, use?.name === "rest", problems);
      if (realtime.merge !== undefined) merges.push(realtime.merge);
      if (realtime.topic !== undefined) {
        topics.push(realtime.topic);
        // A topic field of another source's type is stitched in with the joins, once that source is composed.
        if (usesForeignType(field, declaredTypes)) {
          sorted.push({ typeName, field, extension: true, parentFields: [], topic: true });
          continue;
        }
      }
      const isRoot = ROOT_TYPES.has(typeName);
      const foreign = !isRoot && !declaredTypes.has(typeName);
      if (use === undefined) {
        if (foreign && !isBound(field)) {
          problems.push({
            path: at,
            message: `${label} extends type ${typeName}, which schemas/ do not declare, without @rest or @join: nothing would resolve it`,
          });
        }
        continue;
      }
      const extraArgs = use.values.args as Record<string, unknown> | undefined;
      let batch: BatchKey | undefined;
      if (use.values.batch === true) {
        const found = findBatchKey(extraArgs ?? {});
        if (typeof found === "string") {
          problems.push({ path: at, message: `@${use.name} on ${label}: ${found}` });
          continue;
        }
        batch = found;
      }
      if (use.name === "join") {
        const join = readJoinDirective(field, label, use.values, batch, { isRoot, remotes: remoteNames }, problems);
        if (join !== undefined) {
          sorted.push({
            typeName,
            field,
            extension: true,
            parentFields: parentNames(jsonTemplateReferences(join.args)),
            join,
          });
        }
        continue;
      }
      const serviceName = use.values.service as string;
      const endpointName = use.values.endpoint as string;
      const service = serviceByName.get(serviceName);
      if (service === undefined) {
        problems.push({
          path: at,
          message: `@rest on ${label} names unknown service "${serviceName}" (configured: ${[...serviceByName.keys()].join(", ") || "none"})`,
        });
        continue;
      }
      const endpoint = Object.hasOwn(service.endpoints, endpointName) ? service.endpoints[endpointName] : undefined;
      if (endpoint === undefined) {
        problems.push({
          path: at,
          message: `@rest on ${label} names unknown endpoint "${endpointName}" of service "${service.name}" (endpoints: ${Object.keys(service.endpoints).join(", ") || "none"})`,
        });
        continue;
      }
      if (batch !== undefined && endpoint.keyField === undefined) {
        problems.push({
          path: at,
          message: `@rest on ${label}: batch: true needs "keyField" on endpoint "${endpointName}" of service "${service.name}" to match items to parents`,
        });
        continue;
      }
      const references = [...endpointReferences(endpoint), ...jsonTemplateReferences(extraArgs ?? {})];
      const binding: RestBinding = { typeName, field, service, endpointName, endpoint, extraArgs, batch };
      sorted.push({ typeName, field, extension: foreign, parentFields: parentNames(references), binding });
    }
  }

  for (const entry of sorted) {
    const { binding } = entry;
    if (binding === undefined) continue;
    const { typeName, field, service, endpointName, endpoint, extraArgs } = binding;
    const argumentNames = new Set([
      ...(field.arguments ?? []).map((arg) => arg.name.value),
      ...Object.keys(extraArgs ?? {}),
    ]);
    const label = `${typeName}.${field.name.value} (@rest ${service.name}.${endpointName})`;
    problems.push(...resultOutsideTopics(label, field, endpoint, extraArgs));
    for (const reference of [...endpointReferences(endpoint), ...jsonTemplateReferences(extraArgs ?? {})]) {
      const first = reference.path[0] as string;
      if (reference.root === "args" && !argumentNames.has(first)) {
        problems.push({
          path: nodeLocation(field),
          message: `${label}: template ${reference.text} needs argument "${first}", which neither the field nor the directive's args declare`,
        });
      } else if (reference.root === "parent" && ROOT_TYPES.has(typeName)) {
        problems.push({
          path: nodeLocation(field),
          message: `${label}: template ${reference.text} reads the parent of a root field`,
        });
      } else if (reference.root === "parent" && !entry.extension && !typeFields.get(typeName)?.has(first)) {
        problems.push({
          path: nodeLocation(field),
          message: `${label}: template ${reference.text} names field "${first}", which type ${typeName} does not have`,
        });
      }
    }
    if (typeName === "Query" && !SAFE_METHODS.has(endpoint.method) && !endpoint.safe) {
      problems.push({
        path: nodeLocation(field),
        message: `${label}: the endpoint's method is ${endpoint.method}, but a Query field also runs from GET requests (which browsers send cross-site): bind the endpoint to a Mutation field, or set "safe": true on it if calling it changes nothing`,
      });
    }
  }
  problems.push(...keyCycles(sorted.filter((entry) => entry.extension)));
  const publishes = readPublishDirectives(definitions, problems);
  if (problems.length > 0) return none();

  const joined = new Set(sorted.filter((entry) => entry.extension).map((entry) => entry.field));
  const local = definitions.flatMap((given): DefinitionNode[] => {
    const definition = withoutTypeCacheControl(given);
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) {
      if (definition.kind !== Kind.INTERFACE_TYPE_DEFINITION && definition.kind !== Kind.INTERFACE_TYPE_EXTENSION) {
        return [definition];
      }
      return [{ ...definition, fields: definition.fields?.map(withoutDirectives) }];
    }
    if (!ROOT_TYPES.has(definition.name.value) && !declaredTypes.has(definition.name.value)) return [];
    const fields = (definition.fields ?? []).filter((field) => !joined.has(field));
    // A Subscription whose fields are all of other sources' types is stitched in with them.
    if (definition.name.value === "Subscription" && fields.length === 0) return [];
    return [
      {
        ...definition,
        fields: fields.map(withoutBindings),
      },
    ];
  });
  const extensions = sorted
    .filter((entry) => entry.extension)
    .map(
      (entry): FieldExtension => ({
        typeName: entry.typeName,
        fieldName: entry.field.name.value,
        definition: withoutDirectives(entry.field),
        location: nodeLocation(entry.field),
        parentFields: entry.parentFields,
        rest: entry.topic
          ? topicResolve
          : entry.binding === undefined
            ? undefined
            : createRestResolver(entry.binding, pipeline),
        join: entry.join,
        subscribe: entry.topic ? subscribeOverHttp : undefined,
      }),
    );
  const joinFields = sorted
    .filter((entry) => !entry.extension && entry.binding !== undefined && !ROOT_TYPES.has(entry.typeName))
    .map((entry) => `${entry.typeName}.${entry.field.name.value}`);
  if (!local.some((definition) => definition.kind !== Kind.OBJECT_TYPE_EXTENSION || definition.fields?.length)) {
    return { schema: undefined, extensions, joinFields, problems, topics, subscriptionResolvers: {} };
  }

  const roots: ObjectTypeDefinitionNode[] = [...extended]
    .filter((name) => ROOT_TYPES.has(name) && !declared.has(name))
    .map((name) => ({ kind: Kind.OBJECT_TYPE_DEFINITION, name: { kind: Kind.NAME, value: name }, fields: [] }));
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [...roots, ...local] };
  const fail = (list: ConfigProblem[]): RestSchema => ({
    schema: undefined,
    extensions: [],
    joinFields: [],
    problems: list,
    topics: [],
    subscriptionResolvers: {},
  });
  const sdlInvalid = sdlErrors(document);
  if (sdlInvalid.length > 0) {
    return fail(sdlInvalid.map((error) => ({ path: errorLocation(error), message: error.message })));
  }
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(document);
  } catch (error) {
    if (error instanceof GraphQLError) return fail([{ path: errorLocation(error), message: error.message }]);
    // The rest of graphql-js's SDL validation (arguments of other directives) throws a plain Error, unlocated.
    if (error instanceof Error) return fail([{ path: "schemas", message: error.message }]);
    throw error;
  }
  // A local schema may hold only types (for fields stitched onto remote types): no Query of its own.
  const invalid = validateSchema(schema).filter(
    (error) => schema.getQueryType() !== undefined || !error.message.startsWith("Query root type must be provided"),
  );
  if (invalid.length > 0) return fail(invalid.map((error) => ({ path: errorLocation(error), message: error.message })));
  for (const entry of sorted) {
    if (entry.extension || entry.binding === undefined) continue;
    const type = schema.getType(entry.typeName);
    const field = isObjectType(type) ? type.getFields()[entry.field.name.value] : undefined;
    if (field) field.resolve = createRestResolver(entry.binding, pipeline);
  }
  const publishProblems = applyPublish(schema, publishes);
  if (publishProblems.length > 0) return fail(publishProblems);
  fillCompletion(completion, schema, sorted, merges, problems);
  if (problems.length > 0) return fail(problems);
  const subscriptionResolvers = Object.fromEntries(
    topics
      .filter((topic) => schema.getSubscriptionType()?.getFields()[topic.fieldName] !== undefined)
      .map((topic) => [topic.fieldName, { subscribe: subscribeOverHttp, resolve: topicResolve }]),
  );
  return { schema, extensions, joinFields, problems, topics, subscriptionResolvers };
}
