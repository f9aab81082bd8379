import type { FilesConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import { toHex } from "../shared";

/** R2 multipart upload part size, bytes: uniform parts (the platform's minimum is 5 MiB), the last one shorter. */
export const PART_BYTES = 5 * 1024 * 1024;

/** Where the SHA-256 and size of objects stored by multipart upload are kept (R2 sets metadata at creation). */
export const META_PREFIX = ".junction/meta/";

/** What the gateway records of a stored file (R2 custom metadata; sha256 and size of large files in {@link META_PREFIX}). */
export interface StoredFile {
  key: string;
  size: number;
  sha256: string;
  contentType: string;
  filename: string;
}

/** Magic bytes of common types: a declared type whose bytes start otherwise is refused. */
const SIGNATURES: Record<string, (bytes: Uint8Array) => boolean> = {
  "image/png": (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38,
  "image/webp": (b) => ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP",
  "application/pdf": (b) => ascii(b, 0, 5) === "%PDF-",
  "application/zip": (b) => b[0] === 0x50 && b[1] === 0x4b,
};

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

/**
 * Whether a media type is allowed by `files.allowedContentTypes` (`type/*` and `*\/*` patterns).
 * @param contentType - the declared type, lower-case
 * @param allowed - the patterns
 */
export function typeAllowed(contentType: string, allowed: readonly string[]): boolean {
  const [type] = contentType.split("/");
  return allowed.some((pattern) => {
    const lower = pattern.toLowerCase();
    return lower === "*/*" || lower === contentType || lower === `${type}/*`;
  });
}

/**
 * A filename fit to keep as metadata: no path, no control characters, at most 200 characters.
 * @param filename - the client's filename
 */
export function sanitizeFilename(filename: string | undefined): string {
  const base = (filename ?? "").split(/[\\/]/).pop() ?? "";
  const clean = [...base]
    .filter((char) => char.charCodeAt(0) > 0x1f && char.charCodeAt(0) !== 0x7f && char !== '"')
    .join("")
    .trim()
    .slice(0, 200);
  return clean === "" || clean === "." || clean === ".." ? "file" : clean;
}

/** Who uploaded a file, and when: R2 custom metadata of every stored object. */
export interface UploadMetadata {
  filename: string;
  contentType: string;
  uploaderId: string;
  uploaderRole: string;
  uploadedAt: string;
}

/**
 * A file being stored in R2 as its bytes arrive: the first {@link PART_BYTES} are held; a file that ends
 * within them is `put` with its length known; a longer one becomes an R2 multipart upload in uniform parts.
 * The SHA-256 is computed on the way (`crypto.DigestStream`). Peak memory: about one part.
 */
export class FileSink {
  /**
   * The part being filled, reused: each part is sent before the next is filled. It starts at 64 KiB and
   * doubles up to {@link PART_BYTES}, so a small file never costs a whole part of memory.
   */
  private part: Uint8Array | undefined = new Uint8Array(64 * 1024);
  private filled = 0;
  private size = 0;
  private sniffed = false;
  private upload: R2MultipartUpload | undefined;
  private readonly parts: R2UploadedPart[] = [];
  // Workers' streaming digest (`crypto.DigestStream`): Web Crypto's digest() needs the whole input.
  private readonly digest = new (crypto as unknown as { DigestStream: typeof DigestStream }).DigestStream("SHA-256");
  private readonly digestWriter = this.digest.getWriter();

  /**
   * @param bucket - the `FILES` binding
   * @param key - the new object's key
   * @param metadata - what is recorded with it
   * @param config - `files` (maxFileBytes, allowedContentTypes)
   */
  constructor(
    private readonly bucket: R2Bucket,
    readonly key: string,
    private readonly metadata: UploadMetadata,
    private readonly config: FilesConfig,
  ) {
    if (!typeAllowed(metadata.contentType, config.allowedContentTypes)) {
      throw new GatewayError(
        ErrorCode.CONTENT_TYPE_NOT_ALLOWED,
        `Files of type ${metadata.contentType} are not accepted (files.allowedContentTypes: ${config.allowedContentTypes.join(", ")}).`,
      );
    }
  }

  /**
   * Takes the next bytes of the file.
   * @throws GatewayError `FILE_TOO_LARGE` past `maxFileBytes`; `CONTENT_TYPE_NOT_ALLOWED` when the first
   *   bytes contradict the declared type; `UPLOAD_FAILED` when R2 refuses a part
   */
  async write(bytes: Uint8Array): Promise<void> {
    this.size += bytes.length;
    if (this.size > this.config.maxFileBytes) {
      throw new GatewayError(
        ErrorCode.FILE_TOO_LARGE,
        `A file is larger than ${this.config.maxFileBytes} bytes (files.maxFileBytes).`,
      );
    }
    // The reader never reuses its arrays: the digest takes the bytes as they are, the part gets one copy.
    await this.digestWriter.write(bytes);
    let offset = 0;
    while (offset < bytes.length) {
      const count = Math.min(PART_BYTES - this.filled, bytes.length - offset);
      const part = this.room(this.filled + count);
      part.set(bytes.subarray(offset, offset + count), this.filled);
      this.filled += count;
      offset += count;
      if (!this.sniffed && this.filled >= 16) this.sniff();
      if (this.filled === PART_BYTES) await this.flushPart();
    }
  }

  /** The part buffer, grown (doubling, at most {@link PART_BYTES}) to hold `bytes`. */
  private room(bytes: number): Uint8Array {
    let part = this.part as Uint8Array;
    if (part.length < bytes) {
      const grown = new Uint8Array(Math.min(PART_BYTES, Math.max(bytes, part.length * 2)));
      grown.set(part.subarray(0, this.filled));
      part = grown;
      this.part = grown;
    }
    return part;
  }

  private sniff(): void {
    this.sniffed = true;
    const check = SIGNATURES[this.metadata.contentType];
    if (check !== undefined && !check((this.part as Uint8Array).subarray(0, Math.min(16, this.filled)))) {
      throw new GatewayError(
        ErrorCode.CONTENT_TYPE_NOT_ALLOWED,
        `A file declared as ${this.metadata.contentType} does not start like one.`,
      );
    }
  }

  /** Sends the filled bytes as the next part (starting the multipart upload on the first), then refills. */
  private async flushPart(): Promise<void> {
    try {
      this.upload ??= await this.bucket.createMultipartUpload(this.key, {
        httpMetadata: { contentType: this.metadata.contentType },
        customMetadata: { ...this.metadata },
      });
      this.parts.push(
        await this.upload.uploadPart(this.parts.length + 1, (this.part as Uint8Array).subarray(0, this.filled)),
      );
    } catch (error) {
      throw new GatewayError(ErrorCode.UPLOAD_FAILED, "Storing the file failed.", { cause: error });
    }
    this.filled = 0;
  }

  /**
   * The file ended: stores what is held (one `put`, or the last part and completion).
   * @returns what was stored
   * @throws GatewayError `CONTENT_TYPE_NOT_ALLOWED` (a short file contradicting its type), `UPLOAD_FAILED`
   */
  async end(): Promise<StoredFile> {
    if (!this.sniffed) this.sniff();
    await this.digestWriter.close();
    const sha256 = toHex(await this.digest.digest);
    try {
      if (this.upload === undefined) {
        await this.bucket.put(this.key, (this.part as Uint8Array).subarray(0, this.filled), {
          httpMetadata: { contentType: this.metadata.contentType },
          customMetadata: { ...this.metadata, sha256, size: String(this.size) },
        });
      } else {
        if (this.filled > 0) await this.flushPart();
        await this.upload.complete(this.parts);
        await this.bucket.put(`${META_PREFIX}${this.key}`, JSON.stringify({ sha256, size: this.size }));
      }
    } catch (error) {
      await this.abort();
      if (error instanceof GatewayError) throw error;
      throw new GatewayError(ErrorCode.UPLOAD_FAILED, "Storing the file failed.", { cause: error });
    }
    this.part = undefined;
    return {
      key: this.key,
      size: this.size,
      sha256,
      contentType: this.metadata.contentType,
      filename: this.metadata.filename,
    };
  }

  /** Drops everything of the file: an open multipart upload is aborted; nothing is left in R2. */
  async abort(): Promise<void> {
    this.part = undefined;
    // Aborting the DigestStream rejects its `digest` promise, which nothing else awaits: without this,
    // every refused upload (too large, wrong type) is an unhandled rejection in the isolate.
    this.digest.digest.catch(() => undefined);
    await this.digestWriter.abort().catch(() => undefined);
    await this.upload?.abort().catch(() => undefined);
  }
}
