import { ADMIN_ROLE } from "../auth";
import type { FileRule, FilesConfig } from "../config";
import { GatewayError } from "../errors";
import type { Session } from "../shared";
import { renderPrefix } from "./keys";

/** What a caller may do with a key: download or list (`read`), upload (`write`), delete (`delete`). */
export type FileAction = "read" | "write" | "delete";

/** A value a session variable may put into a rule's prefix: one non-empty path segment, not `.` or `..`. */
/**
 * A rule's prefix for a session: `{session.x}` references filled. A reference the session lacks, or
 * whose value is not one plain path segment (empty, `.`, `..`, or with `/` or `\`), leaves the rule out
 * (null): a session variable may never widen a prefix to another user's keys.
 *
 * @param template - the rule's prefix template
 * @param session - the caller's session
 * @returns the rendered prefix, or null when the rule does not apply to this session
 */
export function renderRulePrefix(template: string, session: Session): string | null {
  try {
    return renderPrefix(template, session);
  } catch (error) {
    if (error instanceof GatewayError) return null; // MISSING_SESSION_VARIABLE: the rule is not for this session
    throw error;
  }
}

/**
 * Whether the session is the admin: the admin secret, or the role `admin`. The admin may do everything.
 * @param session - the caller's session
 */
export const isFilesAdmin = (session: Session): boolean =>
  session.source === "admin" || session.role === ADMIN_ROLE || session.roles?.includes(ADMIN_ROLE) === true;

/**
 * The rules of the session's role (any of its active roles), in config order, with their prefixes
 * rendered (rules that do not apply left out).
 */
function rulesOf(config: FilesConfig, session: Session): Array<{ rule: FileRule; prefix: string }> {
  if (session.role === null) return [];
  const roles = session.roles ?? [session.role];
  return config.rules.flatMap((rule) => {
    if (!roles.includes(rule.role)) return [];
    const prefix = renderRulePrefix(rule.prefix, session);
    return prefix === null ? [] : [{ rule, prefix }];
  });
}

/**
 * Whether the session may do `action` on `key`, by `files.rules` (Space Cloud's file storage rules):
 * the first rule of the session's role whose rendered prefix starts the key decides; the admin (admin
 * secret, or role `admin`) may do everything; without such a rule, nothing is allowed.
 *
 * @param config - the `files` config
 * @param session - the caller's session
 * @param key - the object key, already checked (`checkFileKey`)
 * @param action - read, write or delete
 * @returns true when allowed
 */
export function fileAccess(config: FilesConfig, session: Session, key: string, action: FileAction): boolean {
  if (isFilesAdmin(session)) return true;
  const decider = rulesOf(config, session).find(({ prefix }) => key.startsWith(prefix));
  return decider?.rule[action] === true;
}

/**
 * Whether the session may list every key under `prefix` (the built-in `files` field): the first rule
 * of the role whose rendered prefix starts `prefix` must allow read, and so must every earlier rule of
 * the role whose prefix lies inside `prefix` (it decides the keys under it). The admin may list anything.
 *
 * @param config - the `files` config
 * @param session - the caller's session
 * @param prefix - the listed prefix ("" for the whole bucket)
 * @returns true when every key the listing can show is readable by the session
 */
export function prefixReadable(config: FilesConfig, session: Session, prefix: string): boolean {
  if (isFilesAdmin(session)) return true;
  for (const { rule, prefix: rulePrefix } of rulesOf(config, session)) {
    if (prefix.startsWith(rulePrefix)) return rule.read;
    if (rulePrefix.startsWith(prefix) && !rule.read) return false;
  }
  return false;
}
