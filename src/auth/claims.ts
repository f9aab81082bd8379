import type { JwtConfig } from "../config";
import { AuthError, ErrorCode } from "../errors";
import { HEADER_NAME, ROLE_VARIABLE, SESSION_VARIABLE_PREFIX } from "../shared";

/** The claim listing the roles a token may use (Hasura). */
const ALLOWED_ROLES_CLAIM = "x-hasura-allowed-roles";
/** The claim naming the role used when the request does not ask for one (Hasura). */
const DEFAULT_ROLE_CLAIM = "x-hasura-default-role";

/** The claim listing several roles active at once (the request runs against their union). */
export const ACTIVE_ROLES_CLAIM = "x-hasura-roles";

/** What a verified token (or the auth webhook) says about the caller, as Hasura reads it. */
export interface HasuraClaims {
  /** `x-hasura-allowed-roles`: the roles the caller may pick with the `x-hasura-role` header. */
  allowedRoles: readonly string[];
  /** `x-hasura-default-role`: the role used when none is asked for; one of `allowedRoles`. */
  defaultRole: string;
  /**
   * `x-hasura-roles`: several roles active at once when the request asks for none, each one of
   * `allowedRoles`; absent when the claim is.
   */
  activeRoles?: readonly string[];
  /** Every other `x-hasura-*` claim, name lower-cased, value as a string (non-strings as JSON). */
  variables: Record<string, string>;
}

/** One step of a compiled JSON path: an object key or an array index. */
type PathStep = string | number;

/**
 * Compiles the JSON path subset Hasura's `claims_namespace_path` and `claims_map` use: `$`, `.key`,
 * `['key']` / `["key"]` (for keys with dots or slashes) and `[index]`.
 *
 * @param path - e.g. `$.hasura['x-claims'][0]`
 * @returns the steps
 * @throws Error naming the position of the first unsupported character
 * @see https://www.rfc-editor.org/rfc/rfc9535 (JSONPath; only the member and index selectors)
 */
function compileJsonPath(path: string): PathStep[] {
  if (!path.startsWith("$")) throw new Error(`JSON path must start with $: ${path}`);
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const dotted = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest);
    const quoted = /^\[\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
    const index = /^\[\s*(\d+)\s*\]/.exec(rest);
    if (dotted !== null) {
      steps.push(dotted[1] as string);
      i += dotted[0].length;
    } else if (quoted !== null) {
      steps.push((quoted[1] ?? quoted[2] ?? "").replace(/\\(.)/g, "$1"));
      i += quoted[0].length;
    } else if (index !== null) {
      steps.push(Number(index[1]));
      i += index[0].length;
    } else {
      throw new Error(`unsupported JSON path syntax at position ${i} of ${path}`);
    }
  }
  return steps;
}

/**
 * Follows compiled steps into a JSON value, own properties only (`$.constructor` finds nothing).
 * @param value - a parsed JSON value (the token's payload)
 * @param steps - from {@link compileJsonPath}
 * @returns what the path finds, or undefined when a step finds nothing
 */
function selectJsonPath(value: unknown, steps: readonly PathStep[]): unknown {
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

const invalidClaims = (message: string): AuthError => new AuthError(ErrorCode.INVALID_CLAIMS, message);

/**
 * Whether a text cannot be an HTTP header value: control characters (CR, LF, NUL and the rest, RFC 9110
 * section 5.5) or a character above U+00FF (the Fetch standard's `Headers` takes only byte strings and
 * throws for anything else, which would fail every upstream call of the session).
 */
const notHeaderValue = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code > 0xff) return true;
  }
  return false;
};

function asVariable(name: string, value: unknown): string {
  if (!HEADER_NAME.test(name)) throw invalidClaims(`The claim name ${JSON.stringify(name)} cannot be a header name.`);
  const text = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (notHeaderValue(text)) {
    throw invalidClaims(`The claim ${name} cannot be an HTTP header value (control or non-Latin-1 characters).`);
  }
  return text;
}

/** The claims about roles, which are not session variables of their own. */
const ROLE_CLAIMS = new Set([ALLOWED_ROLES_CLAIM, DEFAULT_ROLE_CLAIM, ACTIVE_ROLES_CLAIM, ROLE_VARIABLE]);

/**
 * The session variables of a claims object (a token's or the auth webhook's answer): every
 * `x-hasura-*` entry but the role claims, names lower-case, values as strings (lists and objects as
 * JSON, so a list claim `["a","b"]` reads back as a list in `@check(in:)`).
 * @param claims - claim name (lower-case) -> value
 * @returns the variables
 * @throws GatewayError `INVALID_CLAIMS` (401) for a name or value that cannot be an HTTP header
 */
export function sessionVariablesOf(claims: Record<string, unknown>): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (!name.startsWith(SESSION_VARIABLE_PREFIX) || ROLE_CLAIMS.has(name)) continue;
    if (value === null || value === undefined) continue;
    variables[name] = asVariable(name, value);
  }
  return variables;
}

/**
 * Compiles the claims settings of `auth.jwt` into a reader for verified payloads.
 *
 * The Hasura claims object is taken from `claimsNamespacePath` (a JSON path) if set, else from the
 * top-level claim `claimsNamespace`; with `claimsFormat: "stringified_json"` it is a string holding
 * JSON. Each `claimsMap` entry (a JSON path into the whole payload, with a default, or a literal)
 * overrides that claim; with a claims map the namespace may be absent. Claim names are matched
 * case-insensitively, as Hasura does.
 *
 * @param jwt - the validated `auth.jwt`
 * @returns a function from a verified JWT payload to {@link HasuraClaims}; it throws GatewayError
 *   `INVALID_CLAIMS` (401) for a missing namespace, invalid stringified JSON, missing or malformed
 *   allowed/default roles, a default role outside the allowed ones, or a session variable whose name or
 *   value cannot be an HTTP header (control or non-Latin-1 characters). Claims are read as own
 *   properties only (a `__proto__` key changes nothing)
 * @throws Error at compile time for a JSON path outside the supported subset
 * @see https://hasura.io/docs/latest/auth/authentication/jwt/#claims_namespace_path
 */
export function compileClaimsReader(jwt: JwtConfig): (payload: Record<string, unknown>) => HasuraClaims {
  const namespacePath = jwt.claimsNamespacePath === null ? null : compileJsonPath(jwt.claimsNamespacePath);
  const mapped = Object.entries(jwt.claimsMap ?? {}).map(([name, entry]) => {
    const lower = name.toLowerCase();
    if (typeof entry === "string" || Array.isArray(entry)) return { name: lower, read: () => entry };
    const steps = compileJsonPath(entry.path);
    return { name: lower, read: (payload: unknown) => selectJsonPath(payload, steps) ?? entry.default };
  });
  const namespaceName = jwt.claimsNamespacePath ?? jwt.claimsNamespace;

  return function readClaims(payload) {
    let namespace =
      namespacePath === null
        ? Object.hasOwn(payload, jwt.claimsNamespace)
          ? payload[jwt.claimsNamespace]
          : undefined
        : selectJsonPath(payload, namespacePath);
    if (jwt.claimsFormat === "stringified_json" && typeof namespace === "string") {
      try {
        namespace = JSON.parse(namespace);
      } catch {
        throw invalidClaims(`The claims at ${namespaceName} are not valid stringified JSON.`);
      }
    }
    const isObject = namespace !== null && typeof namespace === "object" && !Array.isArray(namespace);
    if (!isObject && (mapped.length === 0 || namespace !== undefined)) {
      throw invalidClaims(
        namespace === undefined
          ? `The token has no claims at ${namespaceName}.`
          : `The claims at ${namespaceName} are not a JSON object.`,
      );
    }
    // A null-prototype object read through own keys only: a `__proto__` key of the token is an ordinary
    // key here and can neither change the prototype nor lend inherited claims.
    const claims: Record<string, unknown> = Object.create(null);
    if (isObject) {
      for (const [name, value] of Object.entries(namespace as Record<string, unknown>)) {
        claims[name.toLowerCase()] = value;
      }
    }
    for (const entry of mapped) {
      const value = entry.read(payload);
      if (value !== undefined) claims[entry.name] = value;
    }

    const allowedRoles = claims[ALLOWED_ROLES_CLAIM];
    if (
      !Array.isArray(allowedRoles) ||
      allowedRoles.length === 0 ||
      !allowedRoles.every((role) => typeof role === "string" && role.length > 0)
    ) {
      throw invalidClaims(`The claim ${ALLOWED_ROLES_CLAIM} must be a non-empty list of role names.`);
    }
    const defaultRole = claims[DEFAULT_ROLE_CLAIM];
    if (typeof defaultRole !== "string" || !allowedRoles.includes(defaultRole)) {
      throw invalidClaims(`The claim ${DEFAULT_ROLE_CLAIM} must be one of ${ALLOWED_ROLES_CLAIM}.`);
    }
    const activeRoles = claims[ACTIVE_ROLES_CLAIM];
    if (
      activeRoles !== undefined &&
      (!Array.isArray(activeRoles) ||
        activeRoles.length === 0 ||
        !activeRoles.every((role) => typeof role === "string" && allowedRoles.includes(role)))
    ) {
      throw invalidClaims(
        `The claim ${ACTIVE_ROLES_CLAIM} must be a non-empty list of roles of ${ALLOWED_ROLES_CLAIM}.`,
      );
    }
    return {
      allowedRoles,
      defaultRole,
      ...(activeRoles === undefined ? {} : { activeRoles }),
      variables: sessionVariablesOf(claims),
    };
  };
}
