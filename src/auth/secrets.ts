/**
 * Compares two strings in time independent of where they differ: both are hashed with SHA-256 and
 * the digests compared with `crypto.subtle.timingSafeEqual` (a Workers extension of Web Crypto).
 *
 * @param given - the value the client sent
 * @param expected - the secret
 * @returns true when equal
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  // timingSafeEqual is a Workers extension; some lib typings in scope lack it.
  const subtle = crypto.subtle as unknown as { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean };
  return subtle.timingSafeEqual(a, b);
}
