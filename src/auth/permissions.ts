import type { DocumentNode, GraphQLSchema } from "graphql";
import { type GatewayConfig, ROLE_NAME, toJsonPath } from "../config";
import { type ConfigProblem, ErrorCode, ForbiddenError, GatewayError, parseSdl } from "../errors";
import { createNestedCache, type Session } from "../shared";
import { ADMIN_ROLE } from "./authenticate";
import { buildRoleSchema } from "./role-schema";

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
   * role while permissions are off), the role's schema, or the public fields only. Built lazily, cached
   * per composed schema per role.
   * @param full - the composed schema now served
   * @param session - the request's session
   * @throws GatewayError `INVALID_PERMISSIONS` (500) when the role's SDL does not fit `full`
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
 * Syntax errors are config problems; fitting them to the composed schema happens per role, later.
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
    if ("problem" in parsed) problems.push(parsed.problem);
    else documents.set(role, [...(documents.get(role) ?? []), parsed.document]);
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

  const enabled = config.permissions !== undefined || documents.size > 0;
  const publicFields = config.public;
  const cache = createNestedCache<GraphQLSchema, string, GraphQLSchema | GatewayError>();
  const PUBLIC_KEY = "\u0000public";

  const permissions: PermissionSet = {
    publicFields,
    seesWholeSchema(session) {
      // Hasura: the admin role sees everything, whether from the admin secret or from a token.
      if (session.source === "none" || (session.source !== "unauthenticated" && session.role === ADMIN_ROLE)) {
        return true;
      }
      return !enabled && session.source !== "unauthenticated";
    },
    schemaFor(full, session) {
      const role = session.role;
      let key: string;
      if (permissions.seesWholeSchema(session)) return full;
      if (!enabled) {
        key = PUBLIC_KEY;
      } else {
        key = role !== null && documents.has(role) ? role : PUBLIC_KEY;
      }
      const built = cache.get(full, key, () => {
        const docs = key === PUBLIC_KEY ? [] : (documents.get(key) ?? []);
        const result = buildRoleSchema(full, docs, publicFields);
        return "schema" in result
          ? result.schema
          : new ForbiddenError(
              ErrorCode.INVALID_PERMISSIONS,
              `The permissions of role "${key === PUBLIC_KEY ? "(public)" : key}" do not fit the schema: ${result.problems.join("; ")}`,
            );
      });
      if (built instanceof GatewayError) throw built;
      return built;
    },
  };
  return { permissions, problems };
}
