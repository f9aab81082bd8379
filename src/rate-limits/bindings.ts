import type { RateLimitRule } from "../config";
import { ConfigError, type ConfigProblem } from "../errors";

/**
 * Whether a binding is usable as a Workers Rate Limiting binding (`RateLimit` of
 * @cloudflare/workers-types: an object with a `limit({ key })` method).
 * @param value - `env[name]`
 */
export function isRateLimitBinding(value: unknown): value is RateLimit {
  return typeof value === "object" && value !== null && typeof (value as { limit?: unknown }).limit === "function";
}

/**
 * Checks that every rule's `binding` is a rate limiting binding of `env`. The binding's own limit and
 * period cannot be read at run time: scripts/check-config.mjs compares them with wrangler.toml.
 *
 * @param rules - the config's `rateLimits`
 * @param env - the Worker's bindings
 * @throws ConfigError (`INVALID_CONFIG`) naming `$.rateLimits[i].binding` for each binding that is
 *   missing or is not a `[[ratelimits]]` binding
 */
export function checkRateLimitBindings(rules: readonly RateLimitRule[], env: Env): void {
  const bindings = env as unknown as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  rules.forEach((rule, index) => {
    const value = bindings[rule.binding];
    if (isRateLimitBinding(value)) return;
    problems.push({
      path: `$.rateLimits[${index}].binding`,
      message:
        value === undefined
          ? `rate limiting binding ${rule.binding} is not declared: add a [[ratelimits]] entry with name = "${rule.binding}" to wrangler.toml`
          : `${rule.binding} is not a rate limiting binding ([[ratelimits]] in wrangler.toml)`,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
}
