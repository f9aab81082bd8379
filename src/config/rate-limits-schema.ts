import * as z from "zod";
import type { ConfigProblem } from "../errors";

/**
 * The windows the Workers Rate Limiting binding supports, in seconds: its `simple.period` in
 * wrangler.toml may only be 10 or 60 (the platform rejects any other value at deploy).
 */
export const RATE_LIMIT_PERIODS = [10, 60] as const;

/** The binding a rule uses when it names none; wrangler.toml declares it. */
export const DEFAULT_RATE_LIMIT_BINDING = "RATE_LIMITER";

/** A Worker binding name as wrangler.toml spells the rate limiters' (`name` of `[[ratelimits]]`). */
export const RATE_LIMIT_BINDING_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * One `rateLimits` rule: at most `limit` requests to /graphql per `periodSec` for each caller, the caller
 * told apart by `key`. Counted by a Workers Rate Limiting binding (`[[ratelimits]]` in wrangler.toml),
 * which fixes limit and period itself: the rule repeats them so the gateway can report them, and
 * `npm run check` (scripts/check-config.mjs) fails when they differ from the binding's.
 */
export const RateLimitRuleSchema = z
  .object({
    key: z
      .enum(["user", "role", "ip"])
      .describe(
        "Who is counted: user (x-hasura-user-id; the IP when the session has none), role (all callers of a role together), ip (cf-connecting-ip).",
      ),
    limit: z
      .number()
      .int()
      .positive()
      .describe("Requests allowed per key per period; must equal the binding's simple.limit in wrangler.toml."),
    periodSec: z
      .union(RATE_LIMIT_PERIODS.map((period) => z.literal(period)))
      .describe(
        "The window in seconds: 10 or 60 (the only periods the platform's binding supports); must equal the binding's simple.period.",
      ),
    binding: z
      .string()
      .regex(RATE_LIMIT_BINDING_NAME, "must be a binding name ([A-Z][A-Z0-9_]*)")
      .default(DEFAULT_RATE_LIMIT_BINDING)
      .describe("The [[ratelimits]] binding of wrangler.toml that counts this rule."),
  })
  .strict();

/** One validated `rateLimits` rule. */
export type RateLimitRule = z.output<typeof RateLimitRuleSchema>;

/**
 * A `user` or `role` rule means something only with `auth`: without it no caller has a user id or a
 * role, and such a rule would count every caller by IP or all together.
 *
 * @param raw - the parsed `schemas/gateway.json`
 * @returns one problem per such rule, located at its `key`
 */
export function rateLimitReferences(raw: unknown): ConfigProblem[] {
  const config = (raw ?? {}) as Record<string, unknown>;
  if (config.auth !== undefined || !Array.isArray(config.rateLimits)) return [];
  const problems: ConfigProblem[] = [];
  config.rateLimits.forEach((rule: unknown, index) => {
    const key = (rule as { key?: unknown } | null)?.key;
    if (key === "user" || key === "role") {
      problems.push({
        path: `$.rateLimits[${index}].key`,
        message: `key "${key}" needs an auth section (without it no caller has a ${key === "user" ? "user id" : "role"}); use "ip"`,
      });
    }
  });
  return problems;
}
