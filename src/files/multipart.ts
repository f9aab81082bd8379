import { ErrorCode, GatewayError } from "../errors";
import { concatBytes } from "../shared";

/**
 * A streaming reader of `multipart/form-data` bodies (RFC 7578): parts are read one after the other from
 * the request's stream, and a part's bytes are handed on as they arrive, never collected whole (the
 * platform's `request.formData()` buffers every file). Only what the GraphQL multipart request spec needs.
 * @see https://www.rfc-editor.org/rfc/rfc7578
 * @see https://github.com/jaydenseric/graphql-multipart-request-spec
 */

/** The headers of one part that matter here. */
export interface PartHeaders {
  /** `name` of Content-Disposition. */
  name: string;
  /** `filename` of Content-Disposition (`filename*` not used by browsers for form-data), if a file. */
  filename?: string;
  /** Content-Type of the part (lower-case, without parameters), if given. */
  contentType?: string;
}

/** The largest part header block read, in bytes. */
const MAX_HEADER_BYTES = 16 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const invalid = (message: string): GatewayError => new GatewayError(ErrorCode.INVALID_MULTIPART, message);

/**
 * The boundary of a multipart/form-data Content-Type.
 * @param contentType - the request's Content-Type
 * @returns the boundary, or undefined when the type is not multipart/form-data with a boundary
 */
export function multipartBoundary(contentType: string | null): string | undefined {
  if (contentType === null || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** The index of `needle` in `haystack` from `from`, or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/**
 * Reads a byte stream up to delimiters: the bytes before each delimiter go to a callback as they arrive,
 * while the last `delimiter.length - 1` bytes are held back (they may be the delimiter's start).
 */
class Scanner {
  private buffer: Uint8Array = new Uint8Array(0);
  private done = false;

  /** @param reader - the body's reader */
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const { value, done } = await this.reader.read();
    if (done) {
      this.done = true;
      return false;
    }
    if (this.buffer.length === 0) this.buffer = value;
    else {
      const joined = new Uint8Array(this.buffer.length + value.length);
      joined.set(this.buffer);
      joined.set(value, this.buffer.length);
      this.buffer = joined;
    }
    return true;
  }

  /**
   * Hands on every byte before the next `delimiter` and consumes the delimiter.
   * @param delimiter - what ends the run
   * @param onBytes - receives the bytes before it, in order (awaited: backpressure)
   * @throws GatewayError `INVALID_MULTIPART` when the stream ends before the delimiter
   */
  async until(delimiter: Uint8Array, onBytes: (bytes: Uint8Array) => unknown): Promise<void> {
    for (;;) {
      const at = indexOf(this.buffer, delimiter, 0);
      if (at !== -1) {
        if (at > 0) await onBytes(this.buffer.subarray(0, at));
        this.buffer = this.buffer.subarray(at + delimiter.length);
        return;
      }
      const safe = this.buffer.length - (delimiter.length - 1);
      if (safe > 0) {
        await onBytes(this.buffer.subarray(0, safe));
        this.buffer = this.buffer.subarray(safe);
      }
      if (!(await this.fill())) throw invalid("The multipart body ended in the middle of a part.");
    }
  }

  /** The next `count` bytes (fewer at the end of the stream). */
  async take(count: number): Promise<Uint8Array> {
    while (this.buffer.length < count && (await this.fill())) {}
    const taken = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(taken.length);
    return taken;
  }
}

/** Reads `name`, `filename` and the type of a part's header block. */
function parseHeaders(block: string): PartHeaders {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon === -1) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value.split(";")[0]?.trim().toLowerCase();
  }
  if (disposition === undefined || !/^form-data\b/i.test(disposition)) {
    throw invalid("Every part of a multipart request needs Content-Disposition: form-data; name=...");
  }
  const param = (key: string): string | undefined => {
    const match = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i").exec(disposition as string);
    const raw = match?.[1] ?? match?.[2];
    return raw?.replace(/\\(.)/g, "$1");
  };
  const name = param("name");
  if (name === undefined || name === "") throw invalid("A part of the multipart request has no name.");
  return { name, filename: param("filename"), contentType };
}

/**
 * Reads the parts of a multipart/form-data body in order. For each part, `onPart` gets its headers and
 * returns the callback that receives its bytes (as they arrive; awaited, so a slow consumer slows the
 * reading) and is told the part ended.
 * @param body - the request body
 * @param boundary - from the Content-Type
 * @param onPart - per part: `{ write(bytes), end() }`
 * @throws GatewayError `INVALID_MULTIPART` for a body that is not well-formed multipart, and whatever
 *   `onPart`'s callbacks throw (the body is cancelled first)
 */
export async function readParts(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  onPart: (headers: PartHeaders) => Promise<{ write(bytes: Uint8Array): unknown; end(): unknown }>,
): Promise<void> {
  const reader = body.getReader();
  const scanner = new Scanner(reader);
  const dashBoundary = encoder.encode(`--${boundary}`);
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const headerEnd = encoder.encode("\r\n\r\n");
  try {
    // The preamble, then the first boundary (RFC 2046 section 5.1.1).
    await scanner.until(dashBoundary, () => undefined);
    for (;;) {
      const after = decoder.decode(await scanner.take(2));
      if (after === "--") return;
      if (after !== "\r\n") throw invalid("A multipart boundary must be followed by CRLF or --.");
      const header: Uint8Array[] = [];
      let headerBytes = 0;
      await scanner.until(headerEnd, (bytes) => {
        headerBytes += bytes.length;
        if (headerBytes > MAX_HEADER_BYTES) throw invalid(`A part's headers exceed ${MAX_HEADER_BYTES} bytes.`);
        header.push(bytes.slice());
      });
      const part = await onPart(parseHeaders(decoder.decode(concatBytes(header))));
      await scanner.until(delimiter, (bytes) => part.write(bytes));
      await part.end();
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
}
