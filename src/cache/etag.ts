import { sha256Hex } from "../shared";

/**
 * Entity tags of cached answers and conditional GETs (RFC 9110 section 8.8.3 and 13.1.2): a browser or CDN
 * that kept an answer asks again with `If-None-Match` and gets 304 Not Modified while the answer is unchanged.
 */

/**
 * The strong entity tag of an answer's bytes: `"<first 32 hex digits of its SHA-256>"`.
 * @param body - the answer's text
 * @returns the quoted tag
 */
export async function entityTagOf(body: string): Promise<string> {
  return `"${(await sha256Hex(body)).slice(0, 32)}"`;
}

/**
 * Whether a request's `If-None-Match` matches an entity tag (weak comparison, as RFC 9110 section
 * 13.1.2 asks for If-None-Match: `W/` prefixes are ignored; `*` matches any).
 * @param request - the client's request
 * @param etag - the answer's tag
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-13.1.2
 */
export function noneMatch(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  if (header === null || etag === "") return false;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((candidate) => {
    const trimmed = candidate.trim();
    return trimmed === "*" || trimmed.replace(/^W\//, "") === bare;
  });
}
