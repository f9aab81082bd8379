/**
 * files/: files in R2 (binding `FILES`, issue 14). Downloads at `/files/{key}` (download.ts) allowed by
 * `files.rules` (rules.ts) or a signed URL (signing.ts), key checks (file-key.ts), and the built-in
 * GraphQL fields of `files.graphql` (graphql-fields.ts). The upload path (multipart parsing, storing,
 * the `Upload` scalar, references) lives here too.
 */
export { contentDisposition, type FileRoutesOptions, type FilesEnv, fileRoutes, sanitizeFilename } from "./download";
export { checkFileKey, keyFromPath, keyPath } from "./file-key";
export { buildFilesSchema, type FileInfo, fileInfo } from "./graphql-fields";
export { type FileAction, fileAccess, isFilesAdmin, prefixReadable, renderRulePrefix } from "./rules";
export { type SignatureCheck, signDownload, signedUrl, verifyDownload } from "./signing";
