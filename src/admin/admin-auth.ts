import type { MiddlewareHandler } from "hono";
import { secretsEqual } from "../auth";
import type { AppEnv } from "../env";
import { AuthError, ErrorCode } from "../errors";
import { ADMIN_SECRET_HEADER } from "../shared";

/**
 * Hono middleware guarding the admin routes with header `x-admin-secret` = secret `ADMIN_SECRET`.
 *
 * @returns the middleware
 * @throws AuthError ADMIN_DISABLED (503) when `ADMIN_SECRET` is unset or empty;
 *   UNAUTHORIZED (401) when the header is missing or wrong
 */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const expected: unknown = c.env.ADMIN_SECRET;
    if (typeof expected !== "string" || expected === "") {
      throw new AuthError(ErrorCode.ADMIN_DISABLED, "Admin routes are disabled: set the ADMIN_SECRET secret");
    }
    const given = c.req.header(ADMIN_SECRET_HEADER);
    if (given === undefined || !(await secretsEqual(given, expected))) {
      throw new AuthError(ErrorCode.UNAUTHORIZED, `Missing or wrong ${ADMIN_SECRET_HEADER} header`);
    }
    await next();
  };
}
