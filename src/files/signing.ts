import { ErrorCode, GatewayError } from "../errors";
import { fromHex, hmacSha256Key, toHex } from "../shared";
import { keyPath } from "./file-key";

/** The outcome of {@link verifyDownload}. */
export type SignatureCheck = "ok" | "expired" | "forged";

/** A signature as sent: 32 bytes in hex (either case). */
const SIGNATURE = /^[0-9a-fA-F]{64}$/;

/** An expiry as sent: unix seconds, decimal digits only. */
const EXPIRY = /^[0-9]{1,12}$/;

/**
 * The HMAC-SHA256 key of `secret`, for signing and verifying.
 * @throws GatewayError INVALID_CONFIG when the secret is empty (FILES_SIGNING_SECRET not set)
 */
function hmacKey(secret: string): Promise<CryptoKey> {
  if (secret === "") {
    throw new GatewayError(ErrorCode.INVALID_CONFIG, "FILES_SIGNING_SECRET is not set: signed file URLs are off.");
  }
  return hmacSha256Key(secret);
}

/** The signed message: the UTF-8 bytes of `<key>\n<exp>`. */
const message = (key: string, expSec: number | string): Uint8Array<ArrayBuffer> =>
  new TextEncoder().encode(`${key}\n${expSec}`);

/**
 * The signature of a download URL: HMAC-SHA256 over the UTF-8 string `<key>\n<exp>` (issue 14).
 * @param key - the object key (decoded)
 * @param expSec - when the URL stops working, in unix seconds
 * @param secret - FILES_SIGNING_SECRET
 * @returns the signature, 64 lower-case hex digits
 * @throws GatewayError INVALID_CONFIG (as a rejection) when the secret is empty
 */
export async function signDownload(key: string, expSec: number, secret: string): Promise<string> {
  return toHex(await crypto.subtle.sign("HMAC", await hmacKey(secret), message(key, expSec)));
}

/**
 * An absolute signed download URL: `<origin>/files/<key, each segment encodeURIComponent'd>?exp=<unix
 * s>&sig=<hex>`. Whoever holds it may download the object until `exp`, without a session.
 *
 * @param origin - scheme, host and port of the gateway (`https://api.example.com`, no trailing slash)
 * @param key - the object key
 * @param ttlSec - how long the URL works, in seconds (from `nowMs`)
 * @param secret - FILES_SIGNING_SECRET
 * @param nowMs - the current time, in ms since the epoch @default Date.now()
 * @returns the URL
 * @throws GatewayError INVALID_CONFIG (as a rejection) when the secret is empty
 */
export async function signedUrl(
  origin: string,
  key: string,
  ttlSec: number,
  secret: string,
  nowMs: number = Date.now(),
): Promise<string> {
  const exp = Math.floor(nowMs / 1000) + Math.ceil(ttlSec);
  const sig = await signDownload(key, exp, secret);
  return `${origin.replace(/\/+$/, "")}/files/${keyPath(key)}?exp=${exp}&sig=${sig}`;
}

/**
 * Checks a download URL's `exp` and `sig` for `key`. The signature is checked first, with
 * `crypto.subtle.verify` (constant time); only a genuine signature can be "expired".
 *
 * @param key - the object key the URL names (decoded)
 * @param exp - the `exp` query parameter, as sent (unix seconds)
 * @param sig - the `sig` query parameter, as sent (hex)
 * @param secret - FILES_SIGNING_SECRET
 * @param nowMs - the current time, in ms since the epoch @default Date.now()
 * @returns "ok"; "forged" for a malformed `exp` or `sig`, a wrong signature, or an empty secret;
 *   "expired" for a genuine signature whose `exp` is not after now
 */
export async function verifyDownload(
  key: string,
  exp: string,
  sig: string,
  secret: string,
  nowMs: number = Date.now(),
): Promise<SignatureCheck> {
  if (secret === "" || !EXPIRY.test(exp) || !SIGNATURE.test(sig)) return "forged";
  const genuine = await crypto.subtle.verify("HMAC", await hmacKey(secret), fromHex(sig), message(key, exp));
  if (!genuine) return "forged";
  return Number(exp) * 1000 > nowMs ? "ok" : "expired";
}
