import { ADMIN_ROLE } from "../auth";
import type { IntrospectionConfig, LimitsConfig } from "../config";
import { createNestedCache, type Session } from "../shared";

/** What the limits plugins read from the config. */
export interface LimitsSettings {
  /** `limits` of the config. */
  limits: LimitsConfig;
  /** `introspection` of the config. */
  introspection: IntrospectionConfig;
}

/** The limits one request runs under: the gateway-wide ones with its role's overrides applied. */
export interface ResolvedLimits {
  /** Names the set (a role, or `*` for the gateway-wide limits): Yoga's validation cache keys on it. */
  key: string;
  /** Most join points on one path. */
  maxJoinDepth: number;
  /** Most join points in one operation. */
  maxJoinFanOut: number;
  /** Most nested field levels. */
  maxDepth: number;
  /** Most aliases. */
  maxAliases: number;
  /** Most directive uses. */
  maxDirectives: number;
  /** Most lexical tokens in the document. */
  maxTokens: number;
  /** Highest graphql-armor cost. */
  maxCost: number;
  /** Most upstream calls. */
  maxUpstreamCalls: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Whether `__schema` / `__type` may be queried. */
  introspection: boolean;
}

/** The limits that are numbers, by name: what a role may override and what an error's `limit` names. */
export type LimitName = Exclude<keyof ResolvedLimits, "key" | "introspection">;

/**
 * Returns the limits of a request, built once per role and config (keyed by the `limits` object).
 *
 * A role's `limits.roles.<role>` entry raises or lowers the gateway-wide limits (several active roles:
 * the strictest of theirs, introspection only if all may); with `exemptAdmin`,
 * the admin role (the admin secret not posing as another role) has no operation limit at all except
 * `maxBodyBytes` (the token ceiling of the parser, see `useOperationLimits`, applies too).
 *
 * @param settings - the config's `limits` and `introspection`
 * @param session - the request's session (`role` may be null)
 * @returns the limits of the request
 */
export function resolveLimits(settings: LimitsSettings, session: Session | undefined): ResolvedLimits {
  const role = session?.role ?? null;
  return cache.get(settings.limits, role, () => resolveFor(settings, role));
}

/**
 * {@link resolveLimits} for one role, uncached. Several active roles (the session's `role` is their
 * sorted names joined by commas, src/auth's activeRoles) run under the strictest of their roles' limits,
 * and introspect only when every one of them may: adding a role never lifts what another active role
 * is refused (their schemas are united, their limits are not).
 */
function resolveFor(settings: LimitsSettings, role: string | null): ResolvedLimits {
  const roles = role?.split(",") ?? [];
  if (roles.length > 1) {
    const each = roles.map((one) => resolveFor(settings, one));
    const own = each.some((limits) => limits.key !== "*");
    const resolved: ResolvedLimits = {
      ...(each[0] as ResolvedLimits),
      key: own ? `role:${role}` : "*",
      introspection: each.every((limits) => limits.introspection),
    };
    for (const name of Object.keys(resolved) as Array<keyof ResolvedLimits>) {
      if (name !== "key" && name !== "introspection") {
        (resolved as unknown as Record<string, number>)[name] = Math.min(
          ...each.map((limits) => limits[name] as number),
        );
      }
    }
    return resolved;
  }
  const { limits, introspection } = settings;
  const overrides = role === null ? undefined : limits.roles[role];
  const exempt = limits.exemptAdmin && role === ADMIN_ROLE;
  const disabled = role !== null && introspection.disabledForRoles.includes(role);
  const own = overrides !== undefined || exempt || disabled;
  const base = {
    maxJoinDepth: limits.maxJoinDepth,
    maxJoinFanOut: limits.maxJoinFanOut,
    maxDepth: limits.maxDepth,
    maxAliases: limits.maxAliases,
    maxDirectives: limits.maxDirectives,
    maxTokens: limits.maxTokens,
    maxCost: limits.maxCost,
    maxUpstreamCalls: limits.maxUpstreamCalls,
    maxBodyBytes: limits.maxBodyBytes,
    ...overrides,
  };
  const resolved: ResolvedLimits = exempt
    ? {
        key: `role:${role}`,
        maxJoinDepth: Number.POSITIVE_INFINITY,
        maxJoinFanOut: Number.POSITIVE_INFINITY,
        maxDepth: Number.POSITIVE_INFINITY,
        maxAliases: Number.POSITIVE_INFINITY,
        maxDirectives: Number.POSITIVE_INFINITY,
        maxTokens: Number.POSITIVE_INFINITY,
        maxCost: Number.POSITIVE_INFINITY,
        maxUpstreamCalls: Number.POSITIVE_INFINITY,
        maxBodyBytes: base.maxBodyBytes,
        introspection: !disabled,
      }
    : { key: own ? `role:${role}` : "*", ...base, introspection: !disabled };
  return resolved;
}

/** Resolved limits per config object and role (the same few objects for every request). */
const cache = createNestedCache<LimitsConfig, string | null, ResolvedLimits>();

/**
 * The parser's token ceiling: the largest `maxTokens` of the gateway and of any role. Parse results are
 * cached by document text for every caller alike, so the parser stops at this ceiling and each
 * caller's own `maxTokens` is checked in validation.
 * @param limits - the config's `limits`
 * @returns the ceiling, in tokens
 */
export function tokenCeiling(limits: LimitsConfig): number {
  return Math.max(limits.maxTokens, ...Object.values(limits.roles).map((role) => role.maxTokens ?? 0));
}
