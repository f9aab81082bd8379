import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ErrorCode, GatewayError } from "../errors";
import type { Session } from "../shared";
import { type LimitsSettings, resolveLimits } from "./resolve";

/**
 * Hono middleware of the `/graphql` route: refuses a request body over the caller's `maxBodyBytes`
 * (query, variables and extensions alike) with 413 and `{ errors: [{ message, extensions: { code:
 * "BODY_TOO_LARGE", limit: "maxBodyBytes", max } }] }`. Hono's `bodyLimit` decides from `Content-Length`
 * when there is one (no byte is read), else counts the bytes while reading and stops at the first byte
 * over the limit, so no more than `maxBodyBytes` is ever buffered. Runs after authentication: the limit
 * may be raised or lowered per role.
 *
 * @param settings - gives the config's `limits` and `introspection` of a request (the gateway's config)
 * @returns the middleware
 * @see https://hono.dev/docs/middleware/builtin/body-limit
 */
export function graphqlBodyLimit<E extends { Variables: { session: Session } }>(
  settings: (c: Context<E>) => LimitsSettings,
): MiddlewareHandler<E> {
  // One Hono limiter per distinct limit (the gateway's and each role's), built on first use.
  const limiters = new Map<number, MiddlewareHandler>();
  const limiterFor = (max: number): MiddlewareHandler => {
    let limiter = limiters.get(max);
    if (limiter === undefined) {
      limiter = bodyLimit({
        maxSize: max,
        onError: () => {
          const error = new GatewayError(
            ErrorCode.BODY_TOO_LARGE,
            `The request body is larger than ${max} bytes (limits.maxBodyBytes).`,
            { extensions: { limit: "maxBodyBytes", max } },
          );
          return error.toGraphQLResponse();
        },
      });
      limiters.set(max, limiter);
    }
    return limiter;
  };
  return async function bodyLimitMiddleware(c, next) {
    const limited = limiterFor(resolveLimits(settings(c), c.get("session")).maxBodyBytes);
    return limited(c, next);
  };
}
