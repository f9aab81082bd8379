import * as z from "zod";
import { roleName } from "./auth-schema";

/** A key prefix template: `{session.x}` references only (`uploads/{session.x-hasura-user-id}/`). */
const prefixTemplate = z
  .string()
  .regex(/^[^.][^\\]*$/, "a key prefix is a path under the bucket: no leading dot, no backslash")
  .refine((value) => !value.split("/").some((segment) => segment === ".." || segment === "."), "no . or .. segments");

/**
 * One access rule of `files.rules` (Space Cloud's file storage rules): what a role may do under a key
 * prefix. The first rule of the caller's role whose rendered prefix starts the key decides.
 */
export const FileRuleSchema = z
  .object({
    role: roleName.describe("The role the rule is for (the session's role)."),
    prefix: prefixTemplate.describe(
      'Keys the rule covers: a prefix template, `{session.x}` filled from the caller\'s session (e.g. "uploads/{session.x-hasura-user-id}/").',
    ),
    read: z.boolean().default(false).describe("May download (GET /files/{key}, File.url) and list (files)."),
    write: z.boolean().default(false).describe("May upload under the prefix."),
    delete: z.boolean().default(false).describe("May delete (deleteFile)."),
  })
  .strict();

/**
 * `files`: uploads through the GraphQL multipart request spec, stored in R2 (binding `FILES`), downloads
 * at `/files/{key}` by rules or signed URLs. Absent: multipart requests are refused, as before.
 * @see https://github.com/jaydenseric/graphql-multipart-request-spec
 */
export const FilesSchema = z
  .object({
    maxFileBytes: z
      .number()
      .int()
      .min(1)
      .default(104_857_600)
      .describe("Largest file, in bytes (413 PAYLOAD_TOO_LARGE as soon as a file passes it)."),
    maxFiles: z.number().int().min(1).max(100).default(10).describe("Most files in one request."),
    allowedContentTypes: z
      .array(z.string().regex(/^(\*\/\*|[a-z0-9.+-]+\/(\*|[a-z0-9.+-]+))$/i, 'a media type, "type/*" or "*/*"'))
      .default(["*/*"])
      .describe(
        'Media types an upload may have ("image/*" allowed); checked against the bytes\' signature for common types.',
      ),
    keyPrefix: prefixTemplate
      .default("uploads/")
      .describe("Where uploads go: the key is this prefix (`{session.x}` filled) plus a random id."),
    signedUrlTtlSec: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(3600)
      .describe("How long a signed download URL (File.url, references sent upstream) is valid, in seconds."),
    rules: z.array(FileRuleSchema).default([]).describe("Who may read, write and delete which keys."),
    graphql: z
      .boolean()
      .default(false)
      .describe("Add the built-in fields uploadFile, file, files and deleteFile and the File type."),
  })
  .strict();

/** The `files` section with defaults applied. */
export type FilesConfig = z.output<typeof FilesSchema>;
/** One rule of `files.rules`. */
export type FileRule = z.output<typeof FileRuleSchema>;
