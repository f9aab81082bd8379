/**
 * files/: uploads and downloads of files stored in R2 (binding `FILES`, config `files`). Uploads follow
 * the GraphQL multipart request spec on POST /graphql: the body is read as a stream (multipart.ts), each
 * file goes to R2 as it arrives with its SHA-256 computed on the way (store.ts), and the operation runs with
 * each file replaced by a reference (references.ts, the `Upload` scalar of upload-scalar.ts); objects of
 * failed fields are deleted (handler.ts). Keys are the gateway's (keys.ts). Downloads at `/files/{key}`
 * (download.ts) are allowed by `files.rules` (rules.ts) or a signed URL (signing.ts), with the key checks
 * of file-key.ts; `files.graphql` adds the built-in fields (graphql-fields.ts).
 */

export { contentDisposition, type FileRoutesOptions, type FilesEnv, fileRoutes } from "./download";
export { checkFileKey, keyFromPath, keyPath } from "./file-key";
export { buildFilesSchema, type FileInfo, fileInfo } from "./graphql-fields";
export {
  isUploadRequest,
  type ReceivedUploads,
  receiveUploads,
  type UploadInput,
} from "./handler";
export { checkKey, newKey, renderPrefix } from "./keys";
export { multipartBoundary } from "./multipart";
export { type FileReference, registerUpload, releaseUploads, uploadOf } from "./references";
export { type FileAction, fileAccess, isFilesAdmin, prefixReadable, renderRulePrefix } from "./rules";
export { type SignatureCheck, signDownload, signedUrl, verifyDownload } from "./signing";
export { FileSink, META_PREFIX, PART_BYTES, type StoredFile, sanitizeFilename, typeAllowed } from "./store";
export { UploadScalar } from "./upload-scalar";
