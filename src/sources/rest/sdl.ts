import DataLoader from "dataloader";
import {
  buildASTSchema,
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  KnownDirectivesRule,
  KnownTypeNamesRule,
  LoneSchemaDefinitionRule,
  type ObjectTypeDefinitionNode,
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
  validateSchema,
  valueFromASTUntyped,
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
import {
  type FetchFn,
  isUpstreamContext,
  requestHeaders,
  type UpstreamContext,
  wantsGatewayToken,
} from "../remote-graphql";
import { requestMemo } from "../request-memo";
import { buildRestRequest, callRest } from "./call";
import { checkFits, selectPath } from "./mapping";
import {
  fieldScope,
  isSoleReference,
  jsonTemplateReferences,
  renderJsonTemplate,
  renderValue,
  type TemplateReference,
  type TemplateScope,
  templateReferences,
} from "./templates";

/** One SDL file under schemas/, as bundled into the Worker (see scripts/gen-schema-files.mjs). */
export interface SchemaFile {
  /** Path relative to the project, e.g. `schemas/orders.graphql`; used in error locations. */
  path: string;
  /** The file's text. */
  sdl: string;
}

const ROOT_TYPES = new Set(["Query", "Mutation", "Subscription"]);

/** The directives of schemas/*.graphql and their arguments; read here and stripped before the schema is built. */
const DIRECTIVES = {
  rest: { required: ["service", "endpoint"], optional: ["args", "batch"] },
  join: { required: ["remote", "field"], optional: ["args", "batch", "keyField"] },
} as const;
type DirectiveName = keyof typeof DIRECTIVES;

/** A `{parent.x}` key of a batched field: where it sits in the directive's `args`, and the template. */
export interface BatchKey {
  /** Path of the key inside `args`, e.g. `["filter", "ids"]`. */
  path: string[];
  /** The template, exactly one `{parent.x}` reference. */
  template: string;
}

/**
 * What `@join(remote:, field:, args:, batch:, keyField:)` declares; resolved against the remote's schema
 * when the schema is composed (see compose/joins.ts).
 */
export interface JoinDirective {
  /** The remote's configured name. */
  remote: string;
  /** A Query field of the remote, by the remote's own name (before customization). */
  field: string;
  /** Arguments of that field: JSON whose strings are templates (`{parent.x}`, `{args.x}`, `{session.x}`). */
  args: Record<string, unknown>;
  /** With `batch: true`, the key sent for all parents of a level at once; else undefined. */
  batch: BatchKey | undefined;
  /** Field of the target type that results are matched by (batch only). @default "id" */
  keyField: string;
}

/**
 * A field of schemas/*.graphql stitched onto a type of another source (a remote's type), or bound by
 * @join: it goes into stitching's `typeDefs` and `resolvers`, not into the local subschema.
 */
export interface FieldExtension {
  /** The parent type's gateway name. */
  typeName: string;
  /** The field's name. */
  fieldName: string;
  /** The field's definition without its directive, for stitching's typeDefs. */
  definition: FieldDefinitionNode;
  /** Where it is declared, `file:line:column`. */
  location: string;
  /** Fields of the parent its templates read (`{parent.x}`): fetched from the parent's source, hidden unless selected. */
  parentFields: string[];
  /** A @rest field: its resolver. */
  rest?: GraphQLFieldResolver<unknown, unknown>;
  /** A @join field: what it joins to. */
  join?: JoinDirective;
}

interface Binding {
  typeName: string;
  field: FieldDefinitionNode;
  service: ServiceConfig;
  endpointName: string;
  endpoint: EndpointConfig;
  /** The directive's `args` (templates), merged over the field's arguments. */
  extraArgs: Record<string, unknown> | undefined;
  /** With `batch: true`, the key. */
  batch: BatchKey | undefined;
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

/** One @rest or @join on a field, its arguments read as JSON. */
interface DirectiveUse {
  name: DirectiveName;
  values: Record<string, unknown>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Reads the field's @rest/@join, checking argument names and types; pushes problems. */
function readDirective(
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

/** Every string leaf of a JSON template with its path. */
function templateLeaves(template: unknown, path: string[] = []): Array<{ path: string[]; template: string }> {
  if (typeof template === "string") return [{ path, template }];
  if (Array.isArray(template)) return template.flatMap((item, index) => templateLeaves(item, [...path, String(index)]));
  if (isRecord(template))
    return Object.entries(template).flatMap(([key, item]) => templateLeaves(item, [...path, key]));
  return [];
}

/**
 * The key of a batched field: the one leaf of `args` that is exactly one `{parent.x}` reference; no
 * other leaf may read the parent (the call is shared by all parents of a level).
 */
function findBatchKey(args: Record<string, unknown>): BatchKey | string {
  const reading = templateLeaves(args).filter((leaf) =>
    templateReferences(leaf.template).some((reference) => reference.root === "parent"),
  );
  const [only] = reading;
  if (reading.length !== 1 || only === undefined || !isSoleReference(only.template)) {
    return `batch: true needs exactly one argument in args that is exactly one {parent.x} reference (the key); found ${reading.length === 0 ? "none" : reading.map((leaf) => `${leaf.path.join(".")}: "${leaf.template}"`).join(", ")}`;
  }
  return only;
}

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
  /** The executable schema of schemas/*.graphql with @rest resolvers, or undefined when nothing is local. */
  schema: GraphQLSchema | undefined;
  /** Fields added to other sources' types, and @join fields: stitched in when the schema is composed. */
  extensions: FieldExtension[];
  /** `Type.field` of every local @rest field on an object type (a join point, see the join limits). */
  joinFields: string[];
  /** Startup problems, each located as `file:line:column`. Non-empty means the schema is unusable. */
  problems: ConfigProblem[];
}

/** Options of {@link buildRestSchema}. */
export interface RestSchemaOptions {
  /** Fetch for service calls. @default globalThis.fetch */
  fetch?: FetchFn;
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
  binding?: Binding;
  join?: JoinDirective;
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
 * (a join key that is itself a joined field). What needs the remotes' schemas is checked at composition.
 *
 * @param files - the SDL files
 * @param services - the configured REST services
 * @param options - fetch, remote names
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
  const none = (): RestSchema => ({ schema: undefined, extensions: [], joinFields: [], problems });
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
      const isRoot = ROOT_TYPES.has(typeName);
      const foreign = !isRoot && !declaredTypes.has(typeName);
      if (use === undefined) {
        if (foreign && !field.directives?.some((d) => Object.hasOwn(DIRECTIVES, d.name.value))) {
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
        const remote = use.values.remote as string;
        if (isRoot) {
          problems.push({
            path: at,
            message: `@join on ${label}: @join binds fields of object types, not root fields`,
          });
          continue;
        }
        if (!remoteNames.has(remote)) {
          problems.push({
            path: at,
            message: `@join on ${label} names unknown remote "${remote}" (configured: ${[...remoteNames].join(", ") || "none"})`,
          });
          continue;
        }
        const args = extraArgs ?? {};
        const argumentNames = new Set((field.arguments ?? []).map((arg) => arg.name.value));
        for (const reference of jsonTemplateReferences(args)) {
          if (reference.root === "args" && !argumentNames.has(reference.path[0] as string)) {
            problems.push({
              path: at,
              message: `@join on ${label}: template ${reference.text} needs argument "${reference.path[0]}", which the field does not declare`,
            });
          }
        }
        sorted.push({
          typeName,
          field,
          extension: true,
          parentFields: parentNames(jsonTemplateReferences(args)),
          join: {
            remote,
            field: use.values.field as string,
            args,
            batch,
            keyField: (use.values.keyField as string | undefined) ?? "id",
          },
        });
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
      const binding: Binding = { typeName, field, service, endpointName, endpoint, extraArgs, batch };
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
  }
  problems.push(...keyCycles(sorted));
  if (problems.length > 0) return none();

  const joined = new Set(sorted.filter((entry) => entry.extension).map((entry) => entry.field));
  const local = definitions.flatMap((definition): DefinitionNode[] => {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) {
      return [definition];
    }
    if (!ROOT_TYPES.has(definition.name.value) && !declaredTypes.has(definition.name.value)) return [];
    return [
      {
        ...definition,
        fields: (definition.fields ?? []).filter((field) => !joined.has(field)).map(withoutDirectives),
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
        rest: entry.binding === undefined ? undefined : createRestResolver(entry.binding, options.fetch),
        join: entry.join,
      }),
    );
  const joinFields = sorted
    .filter((entry) => !entry.extension && entry.binding !== undefined && !ROOT_TYPES.has(entry.typeName))
    .map((entry) => `${entry.typeName}.${entry.field.name.value}`);
  if (!local.some((definition) => definition.kind !== Kind.OBJECT_TYPE_EXTENSION || definition.fields?.length)) {
    return { schema: undefined, extensions, joinFields, problems };
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
    if (field) field.resolve = createRestResolver(entry.binding, options.fetch);
  }
  return { schema, extensions, joinFields, problems };
}

/** The distinct first segments of `{parent.x}` references. */
const parentNames = (references: readonly TemplateReference[]): string[] => [
  ...new Set(references.filter((r) => r.root === "parent").map((r) => r.path[0] as string)),
];

const withoutDirectives = (field: FieldDefinitionNode): FieldDefinitionNode => ({
  ...field,
  directives: (field.directives ?? []).filter((d) => !Object.hasOwn(DIRECTIVES, d.name.value)),
});

/**
 * A key of a joined field must come from the parent's source. Reports keys naming another joined
 * field of the same type: a cycle of mandatory keys when the chain leads back, else a key no source serves.
 */
function keyCycles(sorted: readonly Sorted[]): ConfigProblem[] {
  const joinedFields = new Map(
    sorted.filter((entry) => entry.extension).map((entry) => [`${entry.typeName}.${entry.field.name.value}`, entry]),
  );
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

/** Owner of the GET calls deduplicated within one request (see requestMemo). */
const GET_CALLS = {};

/** Sets `value` at `path` in a copy of a JSON value. */
function setPath(target: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(target)
    ? [...target]
    : { ...(target as Record<string, unknown>) };
  (copy as Record<string, unknown>)[head] = setPath((copy as Record<string, unknown>)[head], rest, value);
  return copy;
}

/**
 * The DataLoader cache key of a batch key: keys that print alike are one key (`7` and `"7"`), as
 * matching compares them as strings.
 * @param key - a key value
 * @returns its text (JSON for objects)
 */
export function batchCacheKey(key: unknown): string {
  return typeof key === "object" && key !== null ? JSON.stringify(key) : String(key);
}

/**
 * Renders a batched field's `args` for a set of keys: every leaf with the scope (no parent), the key's
 * leaf replaced by the list of keys.
 * @param args - the directive's args (templates)
 * @param key - where the key sits
 * @param keys - the distinct keys of one level
 * @param scope - args and session of the request
 * @returns the arguments of the one call
 */
export function batchArguments(
  args: Record<string, unknown>,
  key: BatchKey,
  keys: readonly unknown[],
  scope: TemplateScope,
): Record<string, unknown> {
  return setPath(renderJsonTemplate(args, { ...scope, parent: undefined }), key.path, [...keys]) as Record<
    string,
    unknown
  >;
}

/** Per batch key: the text of the other arguments when none of them reads anything (rendered once), else null. */
const fixedShares = new WeakMap<BatchKey, string | null>();

/**
 * What a batched call's arguments are besides the key, as text: parents whose text is equal share one
 * call of a level. Rendered once per field when the other arguments are literals (the usual case),
 * else per parent.
 * @param args - the directive's args (templates)
 * @param key - where the key sits
 * @param scope - the field's arguments and the session (the parent is not read)
 * @returns the text (JSON)
 */
export function batchShareKey(args: Record<string, unknown>, key: BatchKey, scope: TemplateScope): string {
  let fixed = fixedShares.get(key);
  if (fixed === undefined) {
    const literal = jsonTemplateReferences(setPath(args, key.path, null)).length === 0;
    fixed = literal ? JSON.stringify(batchArguments(args, key, [], scope)) : null;
    fixedShares.set(key, fixed);
  }
  return fixed ?? JSON.stringify(batchArguments(args, key, [], scope));
}

/**
 * Groups the items of a batched answer by key field, so each parent gets the items whose key is its
 * own (compared as strings, so "7" matches 7).
 * @param items - the answer's items (objects)
 * @param keyField - the property holding the key
 * @param keys - the keys asked for
 * @returns per key, the matching items in answer order (empty when none)
 */
export function matchByKey(items: readonly unknown[], keyField: string, keys: readonly unknown[]): unknown[][] {
  const groups = new Map<string, unknown[]>();
  for (const item of items) {
    if (item === null || typeof item !== "object") continue;
    const value = (item as Record<string, unknown>)[keyField];
    if (value === undefined || value === null) continue;
    const group = groups.get(String(value));
    if (group === undefined) groups.set(String(value), [item]);
    else group.push(item);
  }
  return keys.map((key) => groups.get(String(key)) ?? []);
}

function createRestResolver(binding: Binding, fetchFn?: FetchFn): GraphQLFieldResolver<unknown, unknown> {
  const { service, endpointName, endpoint, extraArgs, batch } = binding;
  const label = `Service "${service.name}" endpoint "${endpointName}"`;

  const wantsToken = wantsGatewayToken(service);

  /** The service's headers in one request (session, client headers, token), built once per request. */
  function baseHeaders(ctx: UpstreamContext | undefined): Promise<Record<string, string>> {
    const build = async () =>
      requestHeaders(service, ctx, wantsToken ? await ctx?.gatewayToken?.(service.name) : undefined);
    return ctx === undefined ? build() : requestMemo(ctx, service, "headers", build);
  }

  async function send(scope: TemplateScope, ctx: UpstreamContext | undefined, info: GraphQLResolveInfo) {
    const request = buildRestRequest(service, endpoint, scope, await baseHeaders(ctx));
    const call = () => callRest(service, endpointName, request, { fetch: fetchFn, cookies: ctx?.responseCookies });
    if (ctx === undefined || request.method !== "GET" || info.operation.operation !== "query") return call();
    return requestMemo(ctx, GET_CALLS, `${request.url}\n${JSON.stringify([...request.headers])}`, call);
  }

  /**
   * The loader of this field in one request: one call with every key of a level (DataLoader batches
   * what one tick asks for), items matched back by the endpoint's keyField. Keyed by the arguments
   * other than the key, so parents at other places of the query share it when their call would be the same.
   */
  function loaderFor(
    key: BatchKey,
    scope: TemplateScope,
    ctx: UpstreamContext | undefined,
    info: GraphQLResolveInfo,
  ): DataLoader<unknown, unknown[]> {
    const create = () =>
      new DataLoader<unknown, unknown[]>(
        async (keys) => {
          const args = { ...scope.args, ...batchArguments(extraArgs ?? {}, key, keys, scope) };
          const items = selectPath(await send({ args, session: scope.session }, ctx, info), endpoint.select);
          if (!Array.isArray(items)) {
            throw new UpstreamError(
              ErrorCode.UPSTREAM_INVALID_RESPONSE,
              service.name,
              `${label} answered a batched call with ${items === null ? "null" : typeof items}, not a list of items to match by "${endpoint.keyField}"`,
              { extensions: { endpoint: endpointName, responsePath: endpoint.select ?? "" } },
            );
          }
          return matchByKey(items, endpoint.keyField as string, keys);
        },
        { cacheKeyFn: batchCacheKey },
      );
    if (ctx === undefined) return create();
    const shared = `${JSON.stringify(scope.args)}\n${batchShareKey(extraArgs ?? {}, key, scope)}`;
    return requestMemo(ctx, binding, shared, create);
  }

  return async function restResolver(parent, args, context, info) {
    const ctx = isUpstreamContext(context) ? context : undefined;
    const base = fieldScope(parent, args, context);
    try {
      let value: unknown;
      if (batch !== undefined) {
        const key = renderValue(batch.template, base);
        const many = isListType(getNullableType(info.returnType));
        if (key === undefined || key === null) return many ? [] : null;
        const group = await loaderFor(batch, base, ctx, info).load(key);
        value = many ? group : (group[0] ?? null);
      } else {
        const scope =
          extraArgs === undefined
            ? base
            : { ...base, args: { ...args, ...(renderJsonTemplate(extraArgs, base) as object) } };
        value = selectPath(await send(scope, ctx, info), endpoint.select);
      }
      const misfit = checkFits(value, info.returnType, info.fieldNodes, info.fragments, info.fieldName);
      if (misfit) {
        throw new UpstreamError(
          ErrorCode.UPSTREAM_INVALID_RESPONSE,
          service.name,
          `${label} answered with data that does not fit the schema at ${misfit.path}: ${misfit.message}`,
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
