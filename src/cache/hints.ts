import { type ConstDirectiveNode, type DefinitionNode, Kind, valueFromASTUntyped } from "graphql";
import type { ResponseCacheConfig } from "../config";
import { type ConfigProblem, nodeLocation, parseSdl } from "../errors";

/**
 * Cache hints: Apollo's `@cacheControl` in schemas/*.graphql and the `responseCache` config keys, merged
 * into one table read by the policy (policy.ts).
 * @see https://www.apollographql.com/docs/apollo-server/performance/caching
 */

/**
 * The directive and enum the gateway defines for schemas/*.graphql (Apollo Server's declarations). SDL
 * files use `@cacheControl` without declaring it; it is read here and stripped before the local schema
 * is built (src/sources/rest), so the served schema does not carry it.
 */
export const CACHE_CONTROL_SDL = `enum CacheControlScope { PUBLIC PRIVATE }
directive @cacheControl(maxAge: Int, scope: CacheControlScope = PUBLIC, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION`;

/** The directive's name. */
export const CACHE_CONTROL_DIRECTIVE = "cacheControl";

/** `PUBLIC`: one answer for every caller of a role; `PRIVATE`: one answer per user (x-hasura-user-id). */
export type CacheScope = "PUBLIC" | "PRIVATE";

/** One hint, on a type or a field: what `@cacheControl` says, each part optional. */
export interface CacheHint {
  /** Seconds. */
  maxAge?: number;
  /** Scope; absent means no restriction. */
  scope?: CacheScope;
  /** The field (or every field returning the type) keeps its parent's max age. */
  inheritMaxAge?: boolean;
}

/** Every hint of a gateway: types by name, fields by schema coordinate (`Type.field`). */
export interface CacheHints {
  /** Hints of object, interface and union types, by type name. */
  types: ReadonlyMap<string, CacheHint>;
  /** Hints of fields, by `Type.field`. */
  fields: ReadonlyMap<string, CacheHint>;
  /** `responseCache.defaultMaxAge` (0 without the key). */
  defaultMaxAge: number;
}

const HINT_ARGS = new Set(["maxAge", "scope", "inheritMaxAge"]);
const MAX_AGE_LIMIT = 31_536_000;

/**
 * Reads one `@cacheControl` use, checking its arguments (Apollo's declaration above).
 * @param directive - the directive node
 * @param label - the type or `Type.field` it is on, for messages
 * @param problems - receives each problem, located `file:line:column`
 * @returns the hint, or undefined when it has problems
 */
function readHint(directive: ConstDirectiveNode, label: string, problems: ConfigProblem[]): CacheHint | undefined {
  const hint: CacheHint = {};
  const at = nodeLocation(directive);
  let ok = true;
  const fail = (message: string) => {
    problems.push({ path: at, message: `@cacheControl on ${label}: ${message}` });
    ok = false;
  };
  for (const argument of directive.arguments ?? []) {
    const name = argument.name.value;
    if (!HINT_ARGS.has(name)) {
      fail(`unknown argument "${name}" (known: maxAge, scope, inheritMaxAge)`);
      continue;
    }
    const value = argument.value;
    if (name === "maxAge") {
      const seconds = value.kind === Kind.INT ? Number(value.value) : Number.NaN;
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_AGE_LIMIT) {
        fail(`maxAge must be an integer from 0 to ${MAX_AGE_LIMIT} (seconds)`);
      } else hint.maxAge = seconds;
    } else if (name === "scope") {
      const scope = value.kind === Kind.ENUM ? value.value : undefined;
      if (scope !== "PUBLIC" && scope !== "PRIVATE") fail("scope must be PUBLIC or PRIVATE (an enum value)");
      else hint.scope = scope;
    } else {
      if (value.kind !== Kind.BOOLEAN) fail("inheritMaxAge must be a Boolean");
      else hint.inheritMaxAge = valueFromASTUntyped(value) as boolean;
    }
  }
  if (hint.inheritMaxAge === true && hint.maxAge !== undefined)
    fail("maxAge and inheritMaxAge: true exclude each other");
  return ok ? hint : undefined;
}

const HINTED_KINDS = new Set<string>([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.OBJECT_TYPE_EXTENSION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_EXTENSION,
  Kind.UNION_TYPE_DEFINITION,
  Kind.UNION_TYPE_EXTENSION,
]);

/**
 * Reads every `@cacheControl` of schemas/*.graphql (types: object, interface, union; fields of objects
 * and interfaces). A directive anywhere else is left to the SDL rules (unknown directive).
 * @param files - the SDL files (permission files excluded); unparsable files are skipped (their syntax
 *   error is reported by the REST schema build)
 * @returns the hints by type name and by `Type.field`, and the problems (bad arguments, a hint twice)
 */
export function readSdlCacheHints(files: readonly { path: string; sdl: string }[]): {
  types: Map<string, CacheHint>;
  fields: Map<string, CacheHint>;
  problems: ConfigProblem[];
} {
  const types = new Map<string, CacheHint>();
  const fields = new Map<string, CacheHint>();
  const problems: ConfigProblem[] = [];
  const take = (table: Map<string, CacheHint>, label: string, directives: readonly ConstDirectiveNode[] = []) => {
    for (const directive of directives) {
      if (directive.name.value !== CACHE_CONTROL_DIRECTIVE) continue;
      if (table.has(label)) {
        problems.push({ path: nodeLocation(directive), message: `@cacheControl on ${label} is given twice` });
        continue;
      }
      const hint = readHint(directive, label, problems);
      if (hint !== undefined) table.set(label, hint);
    }
  };
  for (const file of files) {
    const parsed = parseSdl(file.sdl, file.path);
    if ("problem" in parsed) continue;
    for (const definition of parsed.document.definitions as readonly DefinitionNode[]) {
      if (!HINTED_KINDS.has(definition.kind)) continue;
      const typed = definition as Extract<DefinitionNode, { kind: Kind.OBJECT_TYPE_DEFINITION }>;
      const typeName = typed.name.value;
      take(types, typeName, typed.directives);
      for (const field of typed.fields ?? []) take(fields, `${typeName}.${field.name.value}`, field.directives);
    }
  }
  return { types, fields, problems };
}

/**
 * The gateway's hint table: the SDL hints, then the config's (`ttlPerType`, `ttlPerSchemaCoordinate`,
 * `privatePerType`), the config winning over the SDL for the same type or field (it is how remote types
 * and fields, whose introspection carries no directives, get hints).
 * @param sdl - what {@link readSdlCacheHints} read
 * @param config - `responseCache`, or undefined without the key
 * @returns the merged hints
 */
export function mergeCacheHints(
  sdl: { types: ReadonlyMap<string, CacheHint>; fields: ReadonlyMap<string, CacheHint> },
  config: ResponseCacheConfig | undefined,
): CacheHints {
  const types = new Map(sdl.types);
  const fields = new Map(sdl.fields);
  for (const [name, maxAge] of Object.entries(config?.ttlPerType ?? {})) {
    types.set(name, { ...types.get(name), maxAge, inheritMaxAge: false });
  }
  for (const [coordinate, maxAge] of Object.entries(config?.ttlPerSchemaCoordinate ?? {})) {
    fields.set(coordinate, { ...fields.get(coordinate), maxAge, inheritMaxAge: false });
  }
  for (const name of config?.privatePerType ?? []) types.set(name, { ...types.get(name), scope: "PRIVATE" });
  return { types, fields, defaultMaxAge: config?.defaultMaxAge ?? 0 };
}
