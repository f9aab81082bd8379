/**
 * Signed download URLs (a first version; the files-access work replaces it with the verifying side).
 * The signature is HMAC-SHA256 over the UTF-8 string `<key>\n<exp>` with FILES_SIGNING_SECRET, in hex.
 */

/**
 * An absolute signed download URL: `<origin>/files/<key, each segment encodeURIComponent'd>?exp=<unix
 * s>&sig=<hex>`.
 * @param origin - scheme, host and port of the gateway
 * @param key - the object key
 * @param ttlSec - how long the URL works, in seconds
 * @param secret - FILES_SIGNING_SECRET
 * @param nowMs - the current time, ms since the epoch @default Date.now()
 * @returns the URL
 */
export async function signedUrl(
  origin: string,
  key: string,
  ttlSec: number,
  secret: string,
  nowMs: number = Date.now(),
): Promise<string> {
  const exp = Math.floor(nowMs / 1000) + ttlSec;
  const hmac = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${key}\n${exp}`));
  const sig = [...new Uint8Array(signature)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const path = key.split("/").map(encodeURIComponent).join("/");
  return `${origin}/files/${path}?exp=${exp}&sig=${sig}`;
}
