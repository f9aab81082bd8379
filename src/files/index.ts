/**
 * files/: uploads and downloads of files stored in R2 (binding `FILES`, config `files`). Uploads follow
 * the GraphQL multipart request spec on POST /graphql: the body is read as a stream (multipart.ts), each
 * file goes to R2 as it arrives with its SHA-256 computed on the way (store.ts), and the operation runs with
 * each file replaced by a reference (references.ts, the `Upload` scalar of upload-scalar.ts); objects of
 * failed fields are deleted (handler.ts). Keys are the gateway's (keys.ts); download URLs are signed
 * (signing.ts).
 */

export {
  isUploadRequest,
  type ReceivedUploads,
  receiveUploads,
  UPLOAD_CSRF_HEADERS,
  type UploadInput,
} from "./handler";
export { checkKey, newKey, renderPrefix } from "./keys";
export { multipartBoundary } from "./multipart";
export { type FileReference, registerUpload, releaseUploads, uploadOf } from "./references";
export { signedUrl } from "./signing";
export { FileSink, META_PREFIX, PART_BYTES, type StoredFile, sanitizeFilename, typeAllowed } from "./store";
export { UploadScalar } from "./upload-scalar";
