import { ErrorCode, GatewayError, ValidationError } from "../errors";
import type { Session } from "../shared";
import { sessionScope, templateReferences, valueAt } from "../templates";

/** Whether a session value may stand as one path segment of a key. */
const isSegment = (value: string): boolean =>
  value !== "" && value !== "." && value !== ".." && !value.includes("/") && !value.includes("\\");

/**
 * Renders a key prefix template (`uploads/{session.x-hasura-user-id}/`) for a session.
 * @param template - the prefix template (`files.keyPrefix`, a rule's `prefix`)
 * @param session - the caller's session
 * @returns the prefix
 * @throws ValidationError `MISSING_SESSION_VARIABLE` for a `{session.x}` the session lacks, or whose
 *   value is not one plain path segment (empty, `.`, `..`, or with `/` or `\`): a session variable never
 *   renders an empty or climbing segment, so it can never widen a prefix to another user's keys
 */
export function renderPrefix(template: string, session: Pick<Session, "variables">): string {
  let prefix = template;
  for (const reference of templateReferences(template)) {
    const value = reference.root === "session" ? valueAt(sessionScope(session.variables), reference.path) : undefined;
    if (typeof value !== "string" || !isSegment(value)) {
      throw new ValidationError(
        ErrorCode.MISSING_SESSION_VARIABLE,
        `The key prefix ${template} needs ${reference.text}, which the session lacks (or cannot be a path segment).`,
      );
    }
    prefix = prefix.replace(reference.text, value);
  }
  return prefix;
}

/**
 * A new object key under a prefix: the prefix plus a random id (the client's filename is never part of it).
 * @param prefix - a rendered prefix
 */
export function newKey(prefix: string): string {
  return `${prefix}${crypto.randomUUID()}`;
}

/**
 * Checks an object key named by a client (download route, `file(key:)`, `deleteFile(key:)`).
 * @param key - the key, already percent-decoded once
 * @returns the key
 * @throws GatewayError `INVALID_FILE_KEY` (400) for an empty key, a leading `/`, an empty, `.` or `..`
 *   segment, a backslash, a control character, or a key of the gateway's own (`.junction/`)
 */
export function checkKey(key: string): string {
  const segments = key.split("/");
  const bad =
    key.length === 0 ||
    key.length > 1024 ||
    key.startsWith(".junction/") ||
    key.includes("\\") ||
    [...key].some((char) => char.charCodeAt(0) <= 0x1f || char.charCodeAt(0) === 0x7f) ||
    segments.some(
      (segment, index) =>
        segment === "." ||
        segment === ".." ||
        (segment === "" && index < segments.length - 1) ||
        (segment === "" && index === 0),
    );
  if (bad) throw new GatewayError(ErrorCode.INVALID_FILE_KEY, `Invalid file key ${JSON.stringify(key.slice(0, 80))}.`);
  return key;
}
