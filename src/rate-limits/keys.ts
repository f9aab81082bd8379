import type { RateLimitRule } from "../config";
import { type Session, USER_ID_VARIABLE } from "../shared";

/**
 * The header holding the client's IP. Cloudflare's edge sets it on every request (a client cannot
 * forge it there); locally `wrangler dev` (Miniflare) sets it to the connecting address when absent.
 */
export const CLIENT_IP_HEADER = "cf-connecting-ip";

/** What stands for the IP when {@link CLIENT_IP_HEADER} is absent: such callers are counted together. */
export const UNKNOWN_IP = "unknown";

/**
 * The client's IP as Cloudflare reports it.
 * @param headers - the client's request headers
 * @returns `cf-connecting-ip`, or {@link UNKNOWN_IP} without it
 */
export function clientIp(headers: Headers): string {
  return headers.get(CLIENT_IP_HEADER) || UNKNOWN_IP;
}

/**
 * The key the binding counts a request under for one rule, prefixed with the rule's index so that rules
 * sharing a binding never share counters:
 * - `user`: `<i>:user:<x-hasura-user-id>`; a session without a user id (no token, or a token without the
 *   claim) is counted by IP instead, `<i>:ip:<ip>`, so it is limited and never shares one bucket with
 *   every anonymous caller;
 * - `role`: `<i>:role:<role>`, every caller of the role together; callers without a role are counted
 *   together under `<i>:role:` (role names are never empty);
 * - `ip`: `<i>:ip:<ip>` ({@link clientIp}).
 *
 * @param rule - the rule
 * @param index - the rule's index in `rateLimits`
 * @param session - the caller's session
 * @param headers - the client's request headers
 * @returns the key for the binding's `limit({ key })`
 */
export function rateLimitKey(rule: RateLimitRule, index: number, session: Session, headers: Headers): string {
  switch (rule.key) {
    case "user": {
      const userId = session.variables[USER_ID_VARIABLE];
      return userId ? `${index}:user:${userId}` : `${index}:ip:${clientIp(headers)}`;
    }
    case "role":
      return `${index}:role:${session.role ?? ""}`;
    case "ip":
      return `${index}:ip:${clientIp(headers)}`;
  }
}
