/**
 * The `rateLimits` rules of schemas/gateway.json against the `[[ratelimits]]` bindings of wrangler.toml:
 * the binding fixes the limit and the period it enforces (`simple = { limit, period }`), so a rule naming
 * a binding that is not declared, or repeating another limit or period than its binding's, is an error.
 * Only the top-level `[[ratelimits]]` are read (wrangler does not inherit them into `[env.*]`).
 * Internal helper of check-config.mjs; wrangler.toml is parsed with smol-toml (the parser wrangler uses).
 */
import { parse } from "smol-toml";
import { readWranglerToml } from "./wrangler-toml.mjs";

/**
 * Reads the rate limiting bindings a wrangler.toml declares.
 * @param {string} text the text of wrangler.toml
 * @returns {Map<string, { limit: unknown, period: unknown }>} each binding's `simple` by its `name`
 * @throws {Error} when the text is not TOML (smol-toml's TomlError, with line and column)
 */
export function readRateLimitBindings(text) {
  return rateLimitBindingsOf(parse(text));
}

/** The rate limiting bindings of a parsed wrangler.toml (see {@link readRateLimitBindings}). */
function rateLimitBindingsOf(config) {
  const bindings = new Map();
  const list = Array.isArray(config.ratelimits) ? config.ratelimits : [];
  for (const entry of list) {
    if (typeof entry?.name !== "string") continue;
    bindings.set(entry.name, { limit: entry.simple?.limit, period: entry.simple?.period });
  }
  return bindings;
}

/**
 * Compares the rules with the bindings of a wrangler.toml.
 * @param {ReadonlyArray<{ binding: string, limit: number, periodSec: number }>} rules the validated
 *   `rateLimits` (defaults applied, so every rule names its binding)
 * @param {string} text the text of wrangler.toml
 * @param {string} file how the wrangler.toml is named in messages
 * @returns {{ path: string, message: string }[]} one problem per undeclared binding, differing limit or
 *   differing period, located at the rule's key (`$.rateLimits[0].limit`); one for `file` when it is not TOML
 */
export function rateLimitProblems(rules, text, file = "wrangler.toml") {
  if (rules.length === 0) return [];
  const read = readWranglerToml(text, file);
  if ("problem" in read) return [read.problem];
  const bindings = rateLimitBindingsOf(read.config);
  const problems = [];
  rules.forEach((rule, index) => {
    const at = `$.rateLimits[${index}]`;
    const binding = bindings.get(rule.binding);
    if (binding === undefined) {
      problems.push({
        path: `${at}.binding`,
        message: `rate limiting binding ${rule.binding} is not declared in ${file}: add [[ratelimits]] with name = "${rule.binding}", a namespace_id and simple = { limit = ${rule.limit}, period = ${rule.periodSec} }`,
      });
      return;
    }
    if (binding.limit !== rule.limit) {
      problems.push({
        path: `${at}.limit`,
        message: `${rule.limit} differs from simple.limit = ${binding.limit} of binding ${rule.binding} in ${file} (the binding's limit is the one enforced)`,
      });
    }
    if (binding.period !== rule.periodSec) {
      problems.push({
        path: `${at}.periodSec`,
        message: `${rule.periodSec} differs from simple.period = ${binding.period} of binding ${rule.binding} in ${file} (the binding's period is the one enforced)`,
      });
    }
  });
  return problems;
}
