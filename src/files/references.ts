/**
 * What an `Upload` argument's value is once its file is stored: a reference, never bytes. REST templates
 * and bodies render it as this object; a remote (with `uploads: "reference"`) gets it as the variable value.
 */
export interface FileReference {
  /** The object's key in R2 (`keyPrefix` + a random id; never the client's filename). */
  key: string;
  /** An absolute signed download URL (`/files/{key}?exp=...&sig=...`), valid `files.signedUrlTtlSec`. */
  url: string;
  /** Bytes. */
  size: number;
  /** The declared media type (checked against `allowedContentTypes` and the bytes' signature). */
  contentType: string;
  /** The client's filename, sanitized; metadata only. */
  filename: string;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
}

/**
 * References of the uploads of requests in flight in this isolate, by token. The multipart handler
 * replaces each file in the operation's variables with `upload:<token>` (a random UUID: another request
 * cannot guess it), and the `Upload` scalar turns the token back into the reference. A client that sends
 * a reference as plain JSON gets an error: only files stored by this request are references.
 */
const inFlight = new Map<string, FileReference>();

/** The prefix of an `Upload` variable's value while its request runs. */
const TOKEN_PREFIX = "upload:";

/**
 * Registers the reference of a stored file for the request that stored it.
 * @param reference - the stored file
 * @returns the variable value standing for it (`upload:<uuid>`)
 */
export function registerUpload(reference: FileReference): string {
  const token = crypto.randomUUID();
  inFlight.set(token, reference);
  return `${TOKEN_PREFIX}${token}`;
}

/**
 * The reference a variable value stands for, if it is a token of a request in flight.
 * @param value - an `Upload` variable's value
 */
export function uploadOf(value: unknown): FileReference | undefined {
  return typeof value === "string" && value.startsWith(TOKEN_PREFIX)
    ? inFlight.get(value.slice(TOKEN_PREFIX.length))
    : undefined;
}

/**
 * Forgets the tokens of a finished request.
 * @param values - the variable values {@link registerUpload} returned
 */
export function releaseUploads(values: Iterable<string>): void {
  for (const value of values) inFlight.delete(value.slice(TOKEN_PREFIX.length));
}
