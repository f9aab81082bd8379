import { ROLE_NAME } from "../config";
import { AuthError, ErrorCode, GatewayError } from "../errors";
import { ROLE_VARIABLE } from "../shared";
import { ACTIVE_ROLES_CLAIM, type HasuraClaims, sessionVariablesOf } from "./claims";

/** The answer keys naming roles (Hasura's names; matched case-insensitively). */
const ALLOWED_ROLES_KEY = "x-hasura-allowed-roles";
const DEFAULT_ROLE_KEY = "x-hasura-default-role";

/**
 * The public error of an auth webhook that answered, or failed to answer, in a way the gateway cannot
 * use. The message never carries the hook's body or status text (those go to the log).
 * @param reason - what was wrong, in words safe to show a client (no values of the answer)
 * @param cause - the underlying error, kept for logs
 * @returns AuthError `AUTH_WEBHOOK_FAILED` (500)
 */
export function webhookFailed(reason: string, cause?: unknown): AuthError {
  return new AuthError(ErrorCode.AUTH_WEBHOOK_FAILED, `The auth webhook failed: ${reason}.`, { cause });
}

/** A role name of the answer; a value that is not one fails (role names key caches and cannot hold commas). */
function roleName(key: string, value: unknown): string {
  if (typeof value !== "string" || !ROLE_NAME.test(value)) {
    throw webhookFailed(`${key} must be a role name ([A-Za-z0-9_-]+)`);
  }
  return value;
}

/**
 * A role list of the answer: a JSON array of role names, or a Postgres array literal `{a,b}` (as Hasura
 * writes lists into session variables, double-quoted elements allowed).
 * @returns the roles without duplicates, or undefined when the key is absent or null
 * @throws AuthError `AUTH_WEBHOOK_FAILED` for anything else, and for an empty list
 */
function roleList(key: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  let items: unknown[];
  if (Array.isArray(value)) items = value;
  else if (typeof value === "string" && /^\{.*\}$/s.test(value.trim())) {
    const inner = value.trim().slice(1, -1).trim();
    items = inner === "" ? [] : inner.split(",").map((item) => item.trim().replace(/^"(.*)"$/s, "$1"));
  } else {
    throw webhookFailed(`${key} must be a JSON array of role names or a {a,b} list`);
  }
  if (items.length === 0) throw webhookFailed(`${key} must name at least one role`);
  return [...new Set(items.map((item) => roleName(key, item)))];
}

/**
 * Reads an auth webhook's 200 answer as Hasura's session variables: keys case-insensitively (the same
 * key twice with different values fails), values as {@link sessionVariablesOf} reads a token's claims.
 *
 * Roles: the allowed roles are `x-hasura-allowed-roles` when present, else those of `x-hasura-roles`,
 * `x-hasura-role` and `x-hasura-default-role` together. The role used without an `x-hasura-role` request
 * header is `x-hasura-roles` (several active at once) when present, else `x-hasura-role`, else
 * `x-hasura-default-role`; each must be among the allowed roles. With `x-hasura-roles` alone the claims'
 * `defaultRole` is the first of them in sort order; it is never used then, since the active roles win.
 *
 * @param answer - the parsed JSON object
 * @returns the claims
 * @throws AuthError `AUTH_WEBHOOK_FAILED` (500) when the answer names no role, a role value is not a role
 *   name (or list of them), a role is outside the allowed ones, or a session variable's name or value
 *   cannot be an HTTP header
 * @see https://hasura.io/docs/latest/auth/authentication/webhook/
 */
export function claimsOfAnswer(answer: Record<string, unknown>): HasuraClaims {
  // Own keys only, into a null-prototype object: a `__proto__` key is an ordinary key here.
  const claims: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(answer)) {
    const lower = name.toLowerCase();
    if (Object.hasOwn(claims, lower) && JSON.stringify(claims[lower]) !== JSON.stringify(value)) {
      throw webhookFailed(`the answer has ${lower} twice with different values`);
    }
    claims[lower] = value;
  }
  const role = claims[ROLE_VARIABLE] == null ? undefined : roleName(ROLE_VARIABLE, claims[ROLE_VARIABLE]);
  const defaultRole =
    claims[DEFAULT_ROLE_KEY] == null ? undefined : roleName(DEFAULT_ROLE_KEY, claims[DEFAULT_ROLE_KEY]);
  const active = roleList(ACTIVE_ROLES_CLAIM, claims[ACTIVE_ROLES_CLAIM]);
  const allowed = roleList(ALLOWED_ROLES_KEY, claims[ALLOWED_ROLES_KEY]) ?? [
    ...new Set([
      ...(active ?? []),
      ...(role === undefined ? [] : [role]),
      ...(defaultRole === undefined ? [] : [defaultRole]),
    ]),
  ];
  const chosen = role ?? defaultRole;
  if (chosen === undefined && active === undefined) {
    throw webhookFailed(`the answer names no role (${ROLE_VARIABLE} or ${ACTIVE_ROLES_CLAIM})`);
  }
  for (const [key, list] of [
    [ROLE_VARIABLE, chosen === undefined ? [] : [chosen]],
    [ACTIVE_ROLES_CLAIM, active ?? []],
  ] as const) {
    if (!list.every((item) => allowed.includes(item))) throw webhookFailed(`${key} must be among ${ALLOWED_ROLES_KEY}`);
  }
  let variables: Record<string, string>;
  try {
    variables = sessionVariablesOf(claims);
  } catch (error) {
    // The hook's fault, not the caller's: INVALID_CLAIMS (401) would tell the client to re-authenticate.
    if (!(error instanceof GatewayError)) throw error;
    throw webhookFailed(error.message.replace(/^The claim/, "the session variable").replace(/\.$/, ""), error);
  }
  return {
    allowedRoles: allowed,
    defaultRole: chosen ?? ([...(active as string[])].sort()[0] as string),
    ...(active === undefined ? {} : { activeRoles: active }),
    variables,
  };
}
