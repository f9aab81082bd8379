import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { AdminAuthError, ErrorCode } from "../errors";
import { ADMIN_SECRET_HEADER } from "../sources/remote-graphql";

/**
 * Compares two strings in time independent of where they differ: both are hashed with SHA-256 and
 * the digests compared with `crypto.subtle.timingSafeEqual` (a Workers extension of Web Crypto).
 * @returns true when equal
 */
async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  // timingSafeEqual is a Workers extension; some lib typings in scope lack it.
  const subtle = crypto.subtle as unknown as { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean };
  return subtle.timingSafeEqual(a, b);
}

/**
 * Hono middleware guarding the admin routes with header `x-admin-secret` = secret `ADMIN_SECRET`.
 *
 * @returns the middleware
 * @throws AdminAuthError ADMIN_DISABLED (503) when `ADMIN_SECRET` is unset or empty;
 *   UNAUTHORIZED (401) when the header is missing or wrong
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const expected = (c.env as unknown as Record<string, unknown>).ADMIN_SECRET;
    if (typeof expected !== "string" || expected === "") {
      throw new AdminAuthError(ErrorCode.ADMIN_DISABLED, "Admin routes are disabled: set the ADMIN_SECRET secret", {
        status: 503,
      });
    }
    const given = c.req.header(ADMIN_SECRET_HEADER);
    if (given === undefined || !(await secretsEqual(given, expected))) {
      throw new AdminAuthError(ErrorCode.UNAUTHORIZED, `Missing or wrong ${ADMIN_SECRET_HEADER} header`, {
        status: 401,
      });
    }
    await next();
  };
}
