import {
  GraphQLBoolean,
  type GraphQLFieldConfig,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLSchema,
  GraphQLString,
} from "graphql";
import type { FilesConfig } from "../config";
import { ErrorCode, ForbiddenError, GatewayError, ValidationError } from "../errors";
import { type GatewayContext, type Session, toHex, USER_ID_VARIABLE } from "../shared";
import { checkFileKey } from "./file-key";
import { renderPrefix } from "./keys";
import { fileAccess, isFilesAdmin, prefixReadable } from "./rules";
import { signedUrl } from "./signing";
import { META_PREFIX } from "./store";

/** What the built-in `File` type resolves from: an R2 object's metadata (the upload path's custom metadata). */
export interface FileInfo {
  /** The object key. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** The stored content type. */
  contentType: string;
  /** The sanitized client file name (the key's last segment when none was stored). */
  filename: string;
  /** SHA-256 of the bytes in hex, when known. */
  sha256: string | null;
  /** When it was uploaded, ISO 8601. */
  uploadedAt: string;
}

/**
 * What an `Upload` argument holds once the upload path has stored the file; only `key` is read here
 * (the lead's `FileReference` in references.ts has the full shape).
 */
interface StoredUpload {
  key: string;
}

/** `files(first:)` when not given, and its largest value (R2's own list limit). */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** Longest `File.url(expiresInSec:)`: a week, as `files.signedUrlTtlSec`. */
const MAX_URL_TTL_SEC = 7 * 24 * 3600;

/**
 * The {@link FileInfo} of an R2 object: custom metadata first (filename, contentType, sha256,
 * uploadedAt as stored by the upload path), then the object's own (httpMetadata, checksums, uploaded).
 * @param object - an R2 object read with its metadata
 */
export function fileInfo(object: R2Object): FileInfo {
  const meta = object.customMetadata ?? {};
  const digest = object.checksums?.sha256;
  return {
    key: object.key,
    size: object.size,
    contentType: object.httpMetadata?.contentType || meta.contentType || "application/octet-stream",
    filename: meta.filename || (object.key.split("/").pop() as string),
    sha256: meta.sha256 ?? (digest === undefined ? null : toHex(digest)),
    uploadedAt: meta.uploadedAt || object.uploaded.toISOString(),
  };
}

/**
 * {@link fileInfo} with the SHA-256 of a file stored by R2 multipart upload, whose custom metadata (set
 * when the upload is created) cannot hold it: the upload path keeps it in `.junction/meta/<key>` (JSON
 * `{ sha256, size }`).
 * @param bucket - the FILES bucket
 * @param object - the object, read with its metadata
 */
async function describe(bucket: R2Bucket, object: R2Object): Promise<FileInfo> {
  const info = fileInfo(object);
  if (info.sha256 !== null) return info;
  const sidecar = await bucket.get(`${META_PREFIX}${object.key}`);
  if (sidecar === null) return info;
  const recorded = (await sidecar.json().catch(() => ({}))) as { sha256?: unknown };
  return typeof recorded.sha256 === "string" ? { ...info, sha256: recorded.sha256 } : info;
}

/**
 * The origin signed URLs start with: the request's (`GatewayContext.origin`), else one made of the
 * client's `x-forwarded-proto` (default https) and `host` headers.
 * @throws GatewayError BAD_REQUEST when neither is known
 */
function originOf(context: GatewayContext): string {
  if (context.origin !== undefined) return context.origin;
  const host = context.clientHeaders.get("host");
  if (host === null)
    throw new GatewayError(ErrorCode.BAD_REQUEST, "No origin to build a file URL with (no Host header).");
  const proto = context.clientHeaders.get("x-forwarded-proto")?.split(",")[0]?.trim() || "https";
  return `${proto}://${host}`;
}

const denied = (session: Session, what: string): ForbiddenError =>
  new ForbiddenError(ErrorCode.FILE_ACCESS_DENIED, `Role "${session.role ?? "(none)"}" may not ${what}.`);

/**
 * A resolver whose GatewayErrors are thrown as their GraphQL form (code in `extensions`), which
 * survives stitching's delegation to this subschema (as the REST resolvers do).
 */
function coded<P, A, R>(
  resolve: (parent: P, args: A, context: GatewayContext) => R | Promise<R>,
): (parent: P, args: A, context: GatewayContext) => Promise<R> {
  return async (parent, args, context) => {
    try {
      return await resolve(parent, args, context);
    } catch (error) {
      if (error instanceof GatewayError) throw error.toGraphQLError();
      throw error;
    }
  };
}

/** A prefix argument checked like a key (its trailing `/` aside); "" stays "". */
function checkPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  checkFileKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
  return prefix;
}

/** An integer argument within bounds, else INVALID_ARGUMENT. */
function bounded(name: string, value: number, min: number, max: number): number {
  if (value < min || value > max) {
    throw new ValidationError(ErrorCode.INVALID_ARGUMENT, `${name} must be between ${min} and ${max}, not ${value}.`);
  }
  return value;
}

/**
 * Builds the built-in file fields of `files.graphql` as a local, executable subschema (stitched next to
 * the REST-backed one): `file`, `files`, `uploadFile`, `deleteFile` and the types `File`,
 * `FileConnection`, `FilePageInfo` and the scalar `Upload` (declared here too; stitching merges it with
 * the gateway's). R2 is reached through `context.env.FILES`; every field checks `files.rules` with the
 * caller's session (`fileAccess`, `prefixReadable`):
 * - `file(key)`: the file, null when there is no object; FILE_ACCESS_DENIED when the caller may not
 *   read the key (whether or not it exists), INVALID_FILE_KEY for a bad key;
 * - `files(prefix, first, after)`: one page of R2's listing (`first` 1..1000, default 100; `after` the
 *   previous page's `endCursor`); `prefix` defaults to the caller's rendered `keyPrefix` (the whole
 *   bucket for the admin); FILE_ACCESS_DENIED when the caller may not read everything under it;
 * - `deleteFile(key)`: true when an object was deleted, false when there was none; FILE_ACCESS_DENIED
 *   without delete permission;
 * - `uploadFile(file, prefix)`: the stored upload as a File. The caller must be allowed to write its
 *   key (or, with `prefix`, `<prefix>/<uuid>`, where the object is then moved), and the reference must
 *   name an object the caller uploaded (`uploaderId` metadata = the session's user id) or may read;
 * - `File.url(expiresInSec)`: an absolute signed download URL (`signedUrl`), valid `expiresInSec`
 *   (1..604800, default `signedUrlTtlSec`) seconds.
 *
 * @param config - the `files` config
 * @returns the subschema's executable schema
 * @see docs/files.md ("Built-in fields")
 */
export function buildFilesSchema(config: FilesConfig): GraphQLSchema {
  const upload = new GraphQLScalarType({
    name: "Upload",
    description: "A file sent with the GraphQL multipart request spec; stored in R2 before the operation runs.",
  });
  const pageInfo = new GraphQLObjectType({
    name: "FilePageInfo",
    fields: {
      endCursor: { type: GraphQLString, description: "Pass as `after` for the next page; null on the last page." },
      hasNextPage: { type: new GraphQLNonNull(GraphQLBoolean) },
    },
  });
  const file: GraphQLObjectType<FileInfo, GatewayContext> = new GraphQLObjectType<FileInfo, GatewayContext>({
    name: "File",
    description: "A file stored in R2 (binding FILES).",
    fields: {
      key: { type: new GraphQLNonNull(GraphQLString) },
      size: { type: new GraphQLNonNull(GraphQLInt), description: "Bytes." },
      contentType: { type: new GraphQLNonNull(GraphQLString) },
      filename: { type: new GraphQLNonNull(GraphQLString), description: "The sanitized client file name." },
      sha256: { type: GraphQLString, description: "SHA-256 of the bytes, hex; null when unknown." },
      uploadedAt: { type: new GraphQLNonNull(GraphQLString), description: "ISO 8601." },
      url: {
        type: new GraphQLNonNull(GraphQLString),
        description: "An absolute signed download URL (GET /files/{key}?exp=&sig=), valid without a session.",
        args: {
          expiresInSec: { type: GraphQLInt, description: "Validity in seconds; default files.signedUrlTtlSec." },
        },
        resolve: coded((parent: FileInfo, args: { expiresInSec?: number | null }, context) => {
          const ttl = bounded("expiresInSec", args.expiresInSec ?? config.signedUrlTtlSec, 1, MAX_URL_TTL_SEC);
          return signedUrl(originOf(context), parent.key, ttl, context.env.FILES_SIGNING_SECRET ?? "");
        }),
      },
    },
  });
  const connection = new GraphQLObjectType({
    name: "FileConnection",
    fields: {
      nodes: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(file))) },
      pageInfo: { type: new GraphQLNonNull(pageInfo) },
    },
  });

  const fileField: GraphQLFieldConfig<unknown, GatewayContext, { key: string }> = {
    type: file,
    args: { key: { type: new GraphQLNonNull(GraphQLString) } },
    resolve: coded(async (_root, { key }: { key: string }, { env, session }) => {
      checkFileKey(key);
      if (!fileAccess(config, session, key, "read")) throw denied(session, `read ${key}`);
      const object = await env.FILES.head(key);
      return object === null ? null : describe(env.FILES, object);
    }),
  };

  const filesField: GraphQLFieldConfig<
    unknown,
    GatewayContext,
    { prefix?: string | null; first?: number | null; after?: string | null }
  > = {
    type: new GraphQLNonNull(connection),
    args: {
      prefix: { type: GraphQLString, description: "Default: the caller's files.keyPrefix (the admin: every key)." },
      first: { type: GraphQLInt, description: `Page size, 1..${MAX_PAGE}; default ${DEFAULT_PAGE}.` },
      after: { type: GraphQLString, description: "The previous page's pageInfo.endCursor." },
    },
    resolve: coded(async (_root, args, { env, session }) => {
      const prefix = checkPrefix(args.prefix ?? (isFilesAdmin(session) ? "" : renderPrefix(config.keyPrefix, session)));
      const first = bounded("first", args.first ?? DEFAULT_PAGE, 1, MAX_PAGE);
      if (!prefixReadable(config, session, prefix))
        throw denied(session, `list ${prefix === "" ? "every key" : prefix}`);
      const listed = await env.FILES.list({
        prefix,
        limit: first,
        cursor: args.after ?? undefined,
        include: ["customMetadata", "httpMetadata"],
      });
      // prefixReadable covers the whole prefix; each key is checked again all the same. The gateway's own
      // objects (.junction/) are never listed.
      const visible = listed.objects.filter(
        (o) => !o.key.startsWith(".junction/") && fileAccess(config, session, o.key, "read"),
      );
      return {
        nodes: await Promise.all(visible.map((object) => describe(env.FILES, object))),
        pageInfo: { endCursor: listed.truncated ? listed.cursor : null, hasNextPage: listed.truncated },
      };
    }),
  };

  const deleteField: GraphQLFieldConfig<unknown, GatewayContext, { key: string }> = {
    type: new GraphQLNonNull(GraphQLBoolean),
    args: { key: { type: new GraphQLNonNull(GraphQLString) } },
    resolve: coded(async (_root, { key }: { key: string }, { env, session }) => {
      checkFileKey(key);
      if (!fileAccess(config, session, key, "delete")) throw denied(session, `delete ${key}`);
      if ((await env.FILES.head(key)) === null) return false;
      await env.FILES.delete([key, `${META_PREFIX}${key}`]);
      return true;
    }),
  };

  const uploadField: GraphQLFieldConfig<unknown, GatewayContext, { file: unknown; prefix?: string | null }> = {
    type: new GraphQLNonNull(file),
    args: {
      file: { type: new GraphQLNonNull(upload) },
      prefix: { type: GraphQLString, description: "Move the file to <prefix>/<uuid> (write permission needed there)." },
    },
    resolve: coded(async (_root, args, { env, session }) => {
      const key = storedKey(args.file);
      const stored = await env.FILES.head(key);
      if (stored === null) throw new GatewayError(ErrorCode.FILE_NOT_FOUND, `No stored upload ${key}.`);
      const userId = session.variables[USER_ID_VARIABLE];
      const own = userId !== undefined && stored.customMetadata?.uploaderId === userId;
      if (!own && !fileAccess(config, session, key, "read")) throw denied(session, `use the upload ${key}`);
      if (args.prefix === undefined || args.prefix === null) {
        if (!fileAccess(config, session, key, "write")) throw denied(session, `write ${key}`);
        return describe(env.FILES, stored);
      }
      const target = `${checkPrefix(args.prefix).replace(/\/$/, "")}/${crypto.randomUUID()}`;
      checkFileKey(target);
      if (!fileAccess(config, session, target, "write")) throw denied(session, `write under ${args.prefix}`);
      const { sha256 } = await describe(env.FILES, stored);
      const body = await env.FILES.get(key);
      if (body === null) throw new GatewayError(ErrorCode.FILE_NOT_FOUND, `No stored upload ${key}.`);
      // R2 has no copy: the bytes stream from the object to the new key (a known-length stream, never buffered).
      const moved = await env.FILES.put(target, body.body, {
        httpMetadata: body.httpMetadata,
        customMetadata: {
          ...body.customMetadata,
          ...(sha256 === null ? {} : { sha256 }),
          size: String(body.size),
        },
      });
      await env.FILES.delete([key, `${META_PREFIX}${key}`]);
      return fileInfo(moved);
    }),
  };

  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: "Query", fields: { file: fileField, files: filesField } }),
    mutation: new GraphQLObjectType({ name: "Mutation", fields: { uploadFile: uploadField, deleteFile: deleteField } }),
    types: [upload],
  });
}

/**
 * The key of an `Upload` argument's value (the upload path's FileReference).
 * @throws ValidationError INVALID_ARGUMENT when it is not an object with a string key; INVALID_FILE_KEY for a bad key
 */
function storedKey(value: unknown): string {
  const key = (value as Partial<StoredUpload> | null)?.key;
  if (typeof value !== "object" || value === null || typeof key !== "string") {
    throw new ValidationError(ErrorCode.INVALID_ARGUMENT, "file must be an uploaded file (a multipart request part).");
  }
  return checkFileKey(key);
}
