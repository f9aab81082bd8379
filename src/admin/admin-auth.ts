import type { MiddlewareHandler } from "hono";
import { ADMIN_SECRET_HEADER } from "../auth";
import { secretsEqual } from "../auth/secrets";
import type { AppEnv } from "../env";
import { AdminAuthError, ErrorCode } from "../errors";

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
