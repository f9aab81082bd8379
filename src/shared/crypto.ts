/**
 * The small Web Crypto helpers several features share: hex, SHA-256 of text, and HMAC-SHA256 keys
 * imported once per secret per isolate (event signatures, signed file URLs).
 */

/**
 * Bytes as lower-case hex.
 * @param bytes - the bytes (a digest, a signature)
 * @returns two hex digits per byte
 */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  let hex = "";
  for (const byte of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))
    hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/**
 * Hex to bytes. The caller has checked the text is even-length hex (e.g. with a `^[0-9a-f]{64}$` pattern).
 * @param hex - hex digits, either case
 * @returns the bytes
 */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * SHA-256 of a string as lower-case hex.
 * @param text - UTF-8 text
 * @returns 64 hex characters
 */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/** HMAC keys by secret; a handful of secrets per isolate (EVENTS_SECRET, FILES_SIGNING_SECRET). */
const hmacKeys = new Map<string, Promise<CryptoKey>>();
const MAX_HMAC_KEYS = 8;

/**
 * The HMAC-SHA256 key of a secret (its raw UTF-8 bytes, as GitHub's webhook signatures use it), for
 * `crypto.subtle.sign` and `verify` (constant time); imported once per secret per isolate.
 * @param secret - the secret, non-empty (callers refuse an unset one with their own message)
 * @returns the key
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export function hmacSha256Key(secret: string): Promise<CryptoKey> {
  let key = hmacKeys.get(secret);
  if (key === undefined) {
    if (hmacKeys.size >= MAX_HMAC_KEYS) hmacKeys.clear();
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    hmacKeys.set(secret, key);
  }
  return key;
}
