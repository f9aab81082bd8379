/**
 * SHA-256 of a string as lower-case hex (Web Crypto, available in Workers).
 * @param text - UTF-8 text
 * @returns 64 hex characters
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
