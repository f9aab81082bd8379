import type { DocumentNode, GraphQLSchema } from "graphql";
import { type GatewayConfig, ROLE_NAME, toJsonPath } from "../config";
import { type ConfigProblem, ErrorCode, ForbiddenError, GatewayError, parseSdl } from "../errors";
import { createNestedCache, type Session } from "../shared";
import { ADMIN_ROLE, sessionRoles } from "./authenticate";
import { checkProblemsOf } from "./role-checks";
import { readRoleInheritance } from "./role-inheritance";
import { buildRoleSchema } from "./role-schema";

/**
 * At most this many schemas of role unions (several active roles, by their leaves) are kept per
 * composed schema; the oldest is dropped first. Single roles and inherited roles of the config are
 * always kept. Bounds what a caller allowed many roles can make the isolate build.
 */
const MAX_UNION_SCHEMAS = 64;

/** Where role SDL files live: `schemas/permissions/<role>.graphql`. */
export const PERMISSION_FILES_DIR = "schemas/permissions/";

/** One SDL file (path relative to the project root). */
export interface PermissionFile {
  /** Path relative to the project root, e.g. `schemas/permissions/user.graphql`. */
  path: string;
  /** The file's text. */
  sdl: string;
}

/** Options of {@link createPermissionSet}. */
export interface PermissionSetOptions {
  /** The validated config (`permissions`, `public`, `auth`). */
  config: GatewayConfig;
  /** Role SDL files (`schemas/permissions/<role>.graphql`). @default [] */
  files?: readonly PermissionFile[];
}

/** Decides the schema each request sees; one per isolate. */
export interface PermissionSet {
  /** The `public` fields, `Type.field`. */
  readonly publicFields: readonly string[];
  /**
   * The schema a session may see: the whole composed schema (admin, no `auth`, or any authenticated
   * role while permissions are off), the role's schema, or the public fields only. An inherited role
   * (config `roles`) or several active roles (`Session.roles`) get the union of their roles' SDL: a
   * field is visible if any of them sees it. Built lazily, cached per composed schema per set of
   * roles (unions of active roles: at most {@link MAX_UNION_SCHEMAS}).
   * @param full - the composed schema now served
   * @param session - the request's session
   * @throws GatewayError `INVALID_PERMISSIONS` (500) when the roles' SDL does not fit `full`, or the
   *   active roles' presets conflict (the message names the argument and both roles)
   */
  schemaFor(full: GraphQLSchema, session: Session): GraphQLSchema;
  /**
   * Whether {@link PermissionSet.schemaFor} gives this session the whole composed schema (admin, no
   * `auth`, or an authenticated role while permissions are off), decided without any schema.
   * @param session - the request's session
   */
  seesWholeSchema(session: Session): boolean;
}

/**
 * Parses the role SDLs of the config (`permissions.<role>.<upstream>`, inline) and of the files.
 * Syntax errors, malformed `@check`s and `roles` that cannot work (see `readRoleInheritance`) are
 * config problems; fitting the SDL to the composed schema happens per role, later.
 *
 * @param options - config and files
 * @returns the permission set, and problems located by JSON path or `file:line:column`
 */
export function createPermissionSet(options: PermissionSetOptions): {
  permissions: PermissionSet;
  problems: ConfigProblem[];
} {
  const { config } = options;
  const problems: ConfigProblem[] = [];
  const documents = new Map<string, DocumentNode[]>();
  const add = (role: string, origin: string, sdl: string): void => {
    const parsed = parseSdl(sdl, origin);
    if ("problem" in parsed) {
      problems.push(parsed.problem);
      return;
    }
    for (const message of checkProblemsOf(parsed.document)) problems.push({ path: origin, message });
    documents.set(role, [...(documents.get(role) ?? []), parsed.document]);
  };
  for (const [role, upstreams] of Object.entries(config.permissions ?? {})) {
    documents.set(role, documents.get(role) ?? []);
    for (const [upstream, sdl] of Object.entries(upstreams)) {
      add(role, toJsonPath(["permissions", role, upstream]), sdl);
    }
  }
  for (const file of options.files ?? []) {
    const role = file.path.slice(PERMISSION_FILES_DIR.length).replace(/\.graphql$/, "");
    if (!ROLE_NAME.test(role)) {
      problems.push({
        path: file.path,
        message: "a permission file must be named <role>.graphql, role [A-Za-z0-9_-]+",
      });
      continue;
    }
    add(role, file.path, file.sdl);
  }
  // `permissions` without `auth` is caught with the config (loadConfig); role files need the same.
  if ((options.files ?? []).length > 0 && config.auth === undefined) {
    problems.push({
      path: PERMISSION_FILES_DIR,
      message: "role permission files need an auth section in the config (who the caller is)",
    });
  }

  const read = readRoleInheritance(config.roles ?? {}, documents);
  problems.push(...read.problems);
  const inheritance = read.inheritance;
  const enabled = config.permissions !== undefined || documents.size > 0;
  const publicFields = config.public;
  const cache = createNestedCache<GraphQLSchema, string, GraphQLSchema | GatewayError>();
  const unions = new WeakMap<GraphQLSchema, Map<string, GraphQLSchema | GatewayError>>();
  const PUBLIC_KEY = "\u0000public";

  /** Builds the schema of a set of leaf roles (or the public fields), or the error saying why it cannot be. */
  const build = (full: GraphQLSchema, leaves: readonly string[], label: string): GraphQLSchema | GatewayError => {
    const clash = leaves.length > 1 ? inheritance.conflict(leaves) : undefined;
    if (clash !== undefined) {
      return new ForbiddenError(ErrorCode.INVALID_PERMISSIONS, `The roles of "${label}" conflict: ${clash}`);
    }
    const result = buildRoleSchema(
      full,
      leaves.flatMap((leaf) => documents.get(leaf) ?? []),
      publicFields,
    );
    return "schema" in result
      ? result.schema
      : new ForbiddenError(
          ErrorCode.INVALID_PERMISSIONS,
          `The permissions of role "${label}" do not fit the schema: ${result.problems.join("; ")}`,
        );
  };

  const permissions: PermissionSet = {
    publicFields,
    seesWholeSchema(session) {
      // Hasura: the admin role sees everything, whether from the admin secret or from a token (alone
      // or among several active roles).
      if (
        session.source === "none" ||
        (session.source !== "unauthenticated" && sessionRoles(session).includes(ADMIN_ROLE))
      ) {
        return true;
      }
      return !enabled && session.source !== "unauthenticated";
    },
    schemaFor(full, session) {
      if (permissions.seesWholeSchema(session)) return full;
      const leaves = enabled ? inheritance.leaves(sessionRoles(session)) : [];
      const key = leaves.length === 0 ? PUBLIC_KEY : leaves.join(",");
      const label = key === PUBLIC_KEY ? "(public)" : (session.role ?? key);
      let built: GraphQLSchema | GatewayError;
      if (session.roles === undefined || leaves.length <= 1) {
        built = cache.get(full, key, () => build(full, leaves, label));
      } else {
        // Several active roles: built on demand, a bounded number kept.
        let byKey = unions.get(full);
        if (byKey === undefined) {
          byKey = new Map();
          unions.set(full, byKey);
        }
        const known = byKey.get(key);
        built = known ?? build(full, leaves, label);
        if (known === undefined) {
          if (byKey.size >= MAX_UNION_SCHEMAS) byKey.delete(byKey.keys().next().value as string);
          byKey.set(key, built);
        }
      }
      if (built instanceof GatewayError) throw built;
      return built;
    },
  };
  return { permissions, problems };
}
