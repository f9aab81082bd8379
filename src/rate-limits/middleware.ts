import type { MiddlewareHandler } from "hono";
import type { RateLimitRule } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import type { Logger } from "../observability";
import type { Session } from "../shared";
import { isRateLimitBinding } from "./bindings";
import { rateLimitKey } from "./keys";

/**
 * What {@link rateLimits} needs from Hono's context: the bindings, the gateway's rules and the session
 * the authentication middleware set (a subset of the app's `AppEnv`).
 */
export type RateLimitsEnv = {
  Bindings: Env;
  Variables: {
    gateway: { config: { rateLimits: readonly RateLimitRule[] } };
    session: Session;
    log: Logger;
  };
};

/**
 * Counts one request under every rule, each with its binding read from `env` (all rules are counted,
 * in parallel), and returns the first rule, in config order, whose binding refused it.
 *
 * Admin requests (the admin secret, `session.source === "admin"`) are never counted: the operator's
 * own tool must keep working under load. A binding whose `limit()` fails (rejects, or is no longer a
 * rate limiting binding) lets the request through and logs an error: the limits protect against
 * abuse, they must not take the gateway down.
 *
 * @param rules - the config's `rateLimits`
 * @param env - the Worker's bindings
 * @param session - the caller's session (after authentication)
 * @param headers - the client's request headers (`cf-connecting-ip`)
 * @param log - where binding failures are logged
 * @returns the refusing rule, or undefined when the request may go on
 */
export async function enforceRateLimits(
  rules: readonly RateLimitRule[],
  env: Env,
  session: Session,
  headers: Headers,
  log: Logger,
): Promise<RateLimitRule | undefined> {
  if (rules.length === 0 || session.source === "admin") return undefined;
  const bindings = env as unknown as Record<string, unknown>;
  const outcomes = await Promise.all(
    rules.map(async (rule, index) => {
      const binding = bindings[rule.binding];
      try {
        if (!isRateLimitBinding(binding)) throw new Error(`${rule.binding} is not a rate limiting binding`);
        return (await binding.limit({ key: rateLimitKey(rule, index, session, headers) })).success;
      } catch (error) {
        log.error({ binding: rule.binding, error: String(error) }, "rate limiting binding failed; request let through");
        return true;
      }
    }),
  );
  return rules.find((_, index) => !outcomes[index]);
}

/**
 * Hono middleware for `/graphql`, after authentication: applies the config's `rateLimits`
 * ({@link enforceRateLimits}). A refused request is answered with 429 (`RATE_LIMITED` in the error
 * table), `Retry-After: <periodSec>` and a GraphQL-shaped body,
 * `{ errors: [{ message, extensions: { code: "RATE_LIMITED", limit, periodSec, key } }] }`. The binding
 * does not tell when its window ends, so `Retry-After` is the whole period: an upper bound (RFC 9110,
 * section 10.2.3, delay-seconds).
 */
export function rateLimits(): MiddlewareHandler<RateLimitsEnv> {
  return async function rateLimitsMiddleware(c, next) {
    const rule = await enforceRateLimits(
      c.get("gateway").config.rateLimits,
      c.env,
      c.get("session"),
      c.req.raw.headers,
      c.get("log"),
    );
    if (rule === undefined) return next();
    const error = rateLimited(rule);
    const { key, limit, periodSec } = rule;
    c.get("log").info(
      { code: error.code, key, limit, periodSec, binding: rule.binding },
      "request refused by rate limit",
    );
    return error.toGraphQLResponse({ "retry-after": String(periodSec) });
  };
}

/**
 * The error for a request (or a WebSocket operation) a rule refused: `RATE_LIMITED` with the rule's
 * `limit`, `periodSec` and `key` in its extensions.
 * @param rule - the refusing rule
 * @returns the GatewayError (429 in the error table)
 */
export function rateLimited(rule: RateLimitRule): GatewayError {
  const { key, limit, periodSec } = rule;
  return new GatewayError(
    ErrorCode.RATE_LIMITED,
    `Rate limit exceeded: at most ${limit} requests per ${periodSec} s per ${key}. Retry after ${periodSec} s.`,
    { extensions: { limit, periodSec, key } },
  );
}
