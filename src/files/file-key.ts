import { ErrorCode, GatewayError } from "../errors";
import { checkKey } from "./keys";

/** Percent-encoded `/` or `\` (either case): a second path separator hidden from the URL parser. */
const ENCODED_SEPARATOR = /%(2f|5c)/i;

/** C0 controls and DEL: never part of a key (they would end up in headers and logs). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f]/;

const invalid = (message: string): GatewayError => new GatewayError(ErrorCode.INVALID_FILE_KEY, message);

/**
 * Checks an R2 object key as the gateway uses them (`uploads/<user>/<uuid>`): a path of one or more
 * non-empty segments separated by `/`, for downloads and the built-in fields: the upload path's
 * `checkKey` (keys.ts: also no key over 1024 characters, none under the gateway's own `.junction/`)
 * plus no trailing `/` and no encoded separator.
 *
 * @param key - the decoded key (a GraphQL argument, or {@link keyFromPath}'s result)
 * @returns the key, unchanged
 * @throws GatewayError INVALID_FILE_KEY (400) for an empty key, a leading `/`, an empty, `.` or `..`
 *   segment, a backslash, a control character, a literal `%2F` / `%5C` (an encoded separator), a key
 *   over 1024 characters or one under `.junction/`
 */
export function checkFileKey(key: string): string {
  if (key === "") throw invalid("A file key may not be empty.");
  if (key.startsWith("/")) throw invalid("A file key may not start with /.");
  if (key.includes("\\")) throw invalid("A file key may not contain a backslash.");
  if (ENCODED_SEPARATOR.test(key)) throw invalid("A file key may not contain an encoded slash (%2F or %5C).");
  if (CONTROL.test(key)) throw invalid("A file key may not contain control characters.");
  for (const segment of key.split("/")) {
    if (segment === "") throw invalid("A file key may not have an empty segment (//, or a trailing /).");
    if (segment === "." || segment === "..") throw invalid("A file key may not have . or .. segments.");
  }
  return checkKey(key);
}

/**
 * The key a download path names: the raw (still percent-encoded) path after `/files/`, refused while
 * still encoded when it holds an encoded separator (`%2F`, `%5C`), then decoded segment by segment and
 * checked with {@link checkFileKey}. (The WHATWG URL parser already removes `.` and `..` segments,
 * `%2e` spellings included, before a Worker sees the URL; the check stays as a second line.)
 *
 * @param rawPath - the URL's path after `/files/`, as sent (percent-encoded)
 * @returns the decoded key
 * @throws GatewayError INVALID_FILE_KEY (400) for an encoded separator, a malformed percent-encoding,
 *   or a key {@link checkFileKey} refuses
 */
export function keyFromPath(rawPath: string): string {
  if (ENCODED_SEPARATOR.test(rawPath)) {
    throw invalid("A file key may not contain an encoded slash (%2F or %5C).");
  }
  let key: string;
  try {
    key = rawPath
      .split("/")
      .map((segment) => decodeURIComponent(segment))
      .join("/");
  } catch {
    throw invalid("The file key in the path is not valid percent-encoded UTF-8.");
  }
  return checkFileKey(key);
}

/**
 * The path of a key in a download URL: each segment `encodeURIComponent`'d, so {@link keyFromPath}
 * gives the key back.
 * @param key - a key {@link checkFileKey} accepts
 * @returns `seg1/seg2/...`, encoded
 */
export const keyPath = (key: string): string => key.split("/").map(encodeURIComponent).join("/");
