/**
 * rate-limits/: the `rateLimits` rules of the config on `/graphql`, counted by Workers Rate Limiting
 * bindings (`[[ratelimits]]` in wrangler.toml). Checks at startup that each rule's binding exists
 * (bindings.ts), and per request, after authentication, counts the caller under each rule and answers
 * 429 `RATE_LIMITED` with `Retry-After` past a limit (middleware.ts). Keys: user, role or IP (keys.ts).
 * Limit and period live in wrangler.toml; scripts/check-config.mjs compares them with the rules.
 */
export { checkRateLimitBindings } from "./bindings";
export { CLIENT_IP_HEADER, clientIp, rateLimitKey, UNKNOWN_IP } from "./keys";
export { enforceRateLimits, type RateLimitsEnv, rateLimited, rateLimits } from "./middleware";
