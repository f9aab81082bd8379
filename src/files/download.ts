import { type Context, Hono } from "hono";
import type { FilesConfig } from "../config";
import { AuthError, ErrorCode, ForbiddenError, GatewayError } from "../errors";
import type { Logger } from "../observability";
import type { Session } from "../shared";
import { keyFromPath } from "./file-key";
import { fileAccess, isFilesAdmin } from "./rules";
import { verifyDownload } from "./signing";

/**
 * What the download routes need from the app's Hono context (a subset of the app's `AppEnv`, declared
 * here so src/files does not depend on the app): the bindings (`FILES`, `FILES_SIGNING_SECRET`), the
 * request's logger and the gateway's config.
 */
export type FilesEnv = {
  Bindings: Env;
  Variables: { log: Logger; gateway: { config: { files?: FilesConfig } } };
};

/** Options of {@link fileRoutes}; `E` is the app's Hono environment (one that includes {@link FilesEnv}). */
export interface FileRoutesOptions<E extends FilesEnv = FilesEnv> {
  /**
   * Decides the caller's session as `/graphql` does (admin secret, JWT, or unauthenticated), for a
   * download without a signature.
   * @throws AuthError / ForbiddenError with the authentication codes (401, 403, 400, 503)
   */
  authenticate(c: Context<E>): Promise<Session>;
}

/** `Range: bytes=<start>-<end>`, `bytes=<start>-` or `bytes=-<suffix>` (one range; RFC 9110 section 14.1.2). */
const SINGLE_RANGE = /^bytes=(\d{0,15})-(\d{0,15})$/;

/** A requested range resolved against the object's size: the first byte and how many. */
interface ByteRange {
  offset: number;
  length: number;
}

/**
 * The one range of a `Range` header, resolved against `size` (RFC 9110 section 14.1.2): null when the
 * header is absent, malformed or names several ranges (the whole object is sent, as RFC 9110 allows);
 * "unsatisfiable" when the range starts at or after the end (or asks for the last 0 bytes).
 */
function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  const match = header === undefined ? null : SINGLE_RANGE.exec(header.trim());
  if (match === null) return null;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return null; // invalid: ignored
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { offset: start, length: end - start + 1 };
}

/** Whether an `If-None-Match` value matches the object's entity tag (weak comparison; `*` matches any). */
function noneMatchHits(header: string, etag: string): boolean {
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, "");
  const wanted = opaque(etag);
  return header.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === wanted);
}

/** Whether an `If-Range` value still names the object (strong comparison of its entity tag; dates are not trusted). */
const ifRangeHolds = (header: string | undefined, etag: string): boolean =>
  header === undefined || header.trim() === etag;

/** What a file name may not keep: controls, quotes, backslashes, slashes, `%`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is dropped
const UNSAFE_IN_FILENAME = /[\u0000-\u001f\u007f"\\/%]/g;

/**
 * A file name safe for `Content-Disposition`: controls, quotes, path separators and `%` dropped,
 * trimmed, at most 200 characters; the key's last segment when the stored name is missing or empty.
 * @param name - the stored file name (custom metadata `filename`), if any
 * @param key - the object key
 * @returns a non-empty name ("download" when nothing is left)
 */
function dispositionName(name: string | undefined, key: string): string {
  const clean = (text: string): string => text.replace(UNSAFE_IN_FILENAME, "").trim().slice(0, 200);
  const stored = clean(name ?? "");
  if (stored !== "") return stored;
  return clean(key.split("/").pop() ?? "") || "download";
}

/** RFC 5987 `value-chars`: percent-encoded UTF-8, `'()*` encoded too (encodeURIComponent leaves them). */
const rfc5987 = (text: string): string =>
  encodeURIComponent(text).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `Content-Disposition: attachment` with the sanitized name twice (RFC 6266 section 4.3): an ASCII
 * `filename="..."` for old clients (non-ASCII characters as `_`) and `filename*=UTF-8''...` (RFC 5987).
 * @param name - the stored file name (custom metadata `filename`), if any
 * @param key - the object key, whose last segment stands in for a missing name
 * @returns the header value
 * @see https://www.rfc-editor.org/rfc/rfc6266#section-4.3
 */
export function contentDisposition(name: string | undefined, key: string): string {
  const safe = dispositionName(name, key);
  const ascii = safe.replace(/[^\x20-\x7e]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(safe)}`;
}

/** The headers every answer about an object carries (200, 206, 304 and HEAD). */
function objectHeaders(object: R2Object): Headers {
  const headers = new Headers({
    etag: object.httpEtag,
    "last-modified": object.uploaded.toUTCString(),
    "cache-control": "private",
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "content-type":
      object.httpMetadata?.contentType || object.customMetadata?.contentType || "application/octet-stream",
    "content-disposition": contentDisposition(object.customMetadata?.filename, object.key),
  });
  return headers;
}

/** Where the routes are mounted; the rest of the path is the key. */
const PATH_PREFIX = "/files/";

const notFound = (key: string): GatewayError => new GatewayError(ErrorCode.FILE_NOT_FOUND, `No file ${key}.`);

/**
 * Decides whether this request may read `key`: a signed URL (`exp` and `sig` in the query; no session
 * needed), else the caller's session by `files.rules`.
 * @throws GatewayError INVALID_SIGNATURE (403) for a forged or expired signature; AuthError UNAUTHENTICATED
 *   (401) without a role; ForbiddenError FILE_ACCESS_DENIED (403) when the rules refuse; the
 *   authentication errors of `options.authenticate`
 */
async function authorise<E extends FilesEnv>(
  c: Context<E>,
  files: FilesConfig,
  key: string,
  options: FileRoutesOptions<E>,
): Promise<void> {
  const exp = c.req.query("exp");
  const sig = c.req.query("sig");
  if (exp !== undefined || sig !== undefined) {
    const secret: unknown = c.env.FILES_SIGNING_SECRET;
    if (typeof secret !== "string" || secret === "") {
      throw new GatewayError(ErrorCode.INVALID_SIGNATURE, "Signed file URLs are off: FILES_SIGNING_SECRET is not set.");
    }
    const check = await verifyDownload(key, exp ?? "", sig ?? "", secret);
    if (check === "forged") {
      throw new GatewayError(ErrorCode.INVALID_SIGNATURE, "The download URL's signature is not valid for this key.");
    }
    if (check === "expired") {
      const at = new Date(Number(exp) * 1000).toISOString();
      throw new GatewayError(ErrorCode.INVALID_SIGNATURE, `The download URL expired at ${at}.`);
    }
    return;
  }
  const session = await options.authenticate(c);
  if (session.role === null && !isFilesAdmin(session)) {
    throw new AuthError(ErrorCode.UNAUTHENTICATED, "Downloading a file needs a token or a signed URL.");
  }
  if (!fileAccess(files, session, key, "read")) {
    throw new ForbiddenError(ErrorCode.FILE_ACCESS_DENIED, `Role "${session.role}" may not read ${key}.`);
  }
}

/** Serves one authorised GET or HEAD of `key` from R2. */
async function serve<E extends FilesEnv>(c: Context<E>, key: string): Promise<Response> {
  const bucket = c.env.FILES;
  const ifNoneMatch = c.req.header("if-none-match");
  const rangeHeader = c.req.header("range");
  if (c.req.method === "HEAD" || ifNoneMatch !== undefined || rangeHeader !== undefined) {
    const head = await bucket.head(key);
    if (head === null) throw notFound(key);
    const headers = objectHeaders(head);
    if (ifNoneMatch !== undefined && noneMatchHits(ifNoneMatch, head.httpEtag)) {
      headers.delete("content-type");
      return new Response(null, { status: 304, headers });
    }
    if (c.req.method === "HEAD") {
      headers.set("content-length", String(head.size));
      return new Response(null, { status: 200, headers });
    }
    const range = ifRangeHolds(c.req.header("if-range"), head.httpEtag) ? parseRange(rangeHeader, head.size) : null;
    if (range === "unsatisfiable") {
      throw new GatewayError(ErrorCode.RANGE_NOT_SATISFIABLE, `The range ${rangeHeader} is past the file's end.`, {
        extensions: { size: head.size },
      });
    }
    if (range !== null) {
      // The object may change between head() and get(): only the bytes of the version measured are sent.
      const part = await bucket.get(key, { range: range, onlyIf: { etagMatches: head.etag } });
      if (part !== null && "body" in part) {
        headers.set("content-length", String(range.length));
        headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${head.size}`);
        return new Response(part.body, { status: 206, headers });
      }
    }
  }
  const object = await bucket.get(key);
  if (object === null) throw notFound(key);
  const headers = objectHeaders(object);
  headers.set("content-length", String(object.size));
  return new Response(object.body, { status: 200, headers });
}

/**
 * The download routes, mounted at `/files`: `GET /files/{key}` and `HEAD /files/{key}` (issue 14).
 * In order:
 * 1. no `files` config: 404 NOT_FOUND, as any unknown route;
 * 2. the key: the raw path after `/files/`, decoded per segment (400 INVALID_FILE_KEY for `..`, `.`,
 *    empty segments, a backslash or an encoded slash; see `keyFromPath`);
 * 3. who may read it: a signed URL (`?exp=<unix s>&sig=<hex>`, see `verifyDownload`; 403 INVALID_SIGNATURE
 *    when forged or expired) needs no session; without one the caller is authenticated as on `/graphql`
 *    (401 without a token and role) and `files.rules` decide (403 FILE_ACCESS_DENIED);
 * 4. the object, streamed from R2 (binding `FILES`, never buffered): 200 with Content-Type, Content-Length,
 *    ETag, Last-Modified, `Content-Disposition: attachment; filename*=UTF-8''...` from the sanitized stored
 *    name, `X-Content-Type-Options: nosniff`, `Cache-Control: private`; `If-None-Match` -> 304; one
 *    `Range` -> 206 with Content-Range (`If-Range` honoured by entity tag), a range past the end -> 416
 *    RANGE_NOT_SATISFIABLE with `Content-Range: bytes *\/<size>`; several ranges -> the whole object;
 *    no object -> 404 FILE_NOT_FOUND. HEAD answers the same headers without a body.
 * Errors answer `{ error: { code, message } }` through the app's error handler.
 *
 * @param options - how a download without a signature is authenticated
 * @returns the Hono sub-app
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-14 (ranges) and section 13 (conditional requests)
 */
export function fileRoutes<E extends FilesEnv = FilesEnv>(options: FileRoutesOptions<E>): Hono<E> {
  const routes = new Hono<E>();
  routes.get("/*", async (c) => {
    const files = c.get("gateway").config.files;
    if (files === undefined) {
      throw new GatewayError(ErrorCode.NOT_FOUND, `No route for ${c.req.method} ${c.req.path}`);
    }
    const path = new URL(c.req.url).pathname;
    const key = keyFromPath(path.startsWith(PATH_PREFIX) ? path.slice(PATH_PREFIX.length) : "");
    try {
      await authorise(c, files, key, options);
      return await serve(c, key);
    } catch (error) {
      if (error instanceof GatewayError) {
        c.get("log").info({ code: error.code, method: c.req.method }, "file download refused");
        if (error.code === ErrorCode.RANGE_NOT_SATISFIABLE) {
          return error.toResponse({ "content-range": `bytes */${String(error.extensions.size)}` });
        }
      }
      throw error;
    }
  });
  return routes;
}
