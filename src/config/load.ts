import type * as z from "zod";
import { ConfigError, type ConfigProblem } from "../errors";
import { targetProblems } from "./primitives";
import { rateLimitReferences } from "./rate-limits-schema";
import { ENV_REFERENCE, type GatewayConfig, GatewayConfigSchema } from "./schema";

/** Formats a zod/object path as JSONPath: `["remotes", 0, "url"]` -> `$.remotes[0].url`. */
export function toJsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "$";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function zodProblems(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => ({ path: toJsonPath(issue.path), message: issue.message }));
}

/**
 * Replaces every `{{env.NAME}}` in every string of `value` (deeply) with `env.NAME`.
 *
 * @param value - a parsed JSON value
 * @param env - the Worker's bindings (vars and secrets); only string, number and boolean values are used
 * @param problems - receives one problem per missing or non-text variable, with its JSON path
 * @returns a copy of `value` with references replaced (missing ones left as written)
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, unknown>,
  problems: ConfigProblem[],
  path: PropertyKey[] = [],
): unknown {
  if (typeof value === "string") {
    if (!value.includes("{{")) return value;
    return value.replace(ENV_REFERENCE, (match, name: string) => {
      const found = env[name];
      if (typeof found === "string" || typeof found === "number" || typeof found === "boolean") return String(found);
      problems.push({
        path: toJsonPath(path),
        message:
          found === undefined
            ? `environment variable ${name} is not set (referenced as ${match}); add it to [vars] in wrangler.toml, as a secret, or to .dev.vars`
            : `environment variable ${name} is a binding, not a text variable (referenced as ${match})`,
      });
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateEnv(item, env, problems, [...path, index]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolateEnv(item, env, problems, [...path, key]);
    return out;
  }
  return value;
}

/**
 * Checks the structure of a raw config without resolving `{{env.X}}` references. This is what the
 * build step (`scripts/check-config.mjs`, run by `wrangler deploy --dry-run`) runs, where secrets are
 * not known.
 *
 * @param raw - the parsed `schemas/gateway.json`
 * @returns every problem found (empty when the structure is valid)
 */
export function checkConfigStructure(raw: unknown): ConfigProblem[] {
  const parsed = GatewayConfigSchema.safeParse(raw);
  const problems = [
    ...(parsed.success ? [] : zodProblems(parsed.error)),
    ...upstreamTargets(raw),
    ...duplicateNames(raw),
    ...authReferences(raw),
    ...rateLimitReferences(raw),
  ];
  // upstreamTargets repeats what zod reports when the rest of an entry is valid: keep one of each.
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.path}\n${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Each remote and service needs exactly one of `url` and `binding` (and `path` only with `binding`).
 * Checked apart from zod too, so the problem is reported even when other keys of the entry are invalid
 * (zod skips refinements of invalid values).
 */
function upstreamTargets(raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  forEachUpstream(raw, (item, key, kind, index) => {
    for (const problem of targetProblems(item, kind)) {
      problems.push({ path: toJsonPath([key, index, ...problem.path]), message: problem.message });
    }
  });
  return problems;
}

/** Calls `visit` with each entry of a raw config's `remotes`, then of its `services` (lists only). */
function forEachUpstream(
  raw: unknown,
  visit: (item: unknown, key: "remotes" | "services", kind: "remote" | "service", index: number) => void,
): void {
  for (const [key, kind] of [
    ["remotes", "remote"],
    ["services", "service"],
  ] as const) {
    const list = (raw as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(list)) continue;
    list.forEach((item: unknown, index) => {
      visit(item, key, kind, index);
    });
  }
}

/**
 * `permissions` and `public` mean something only with `auth`, and a role's permission entries must
 * name configured remotes or services.
 */
function authReferences(raw: unknown): ConfigProblem[] {
  const config = (raw ?? {}) as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  const hasAuth = config.auth !== undefined;
  if (config.permissions !== undefined && !hasAuth) {
    problems.push({ path: "$.permissions", message: "permissions need an auth section (who the caller is)" });
  }
  const roles = config.roles;
  if (roles !== null && typeof roles === "object" && Object.keys(roles).length > 0 && !hasAuth) {
    problems.push({ path: "$.roles", message: "roles need an auth section (who the caller is)" });
  }
  if (Array.isArray(config.public) && config.public.length > 0 && !hasAuth) {
    problems.push({ path: "$.public", message: "public fields need an auth section (otherwise every field is open)" });
  }
  const names = new Set<string>();
  for (const key of ["remotes", "services"]) {
    const list = config[key];
    if (Array.isArray(list)) for (const item of list) names.add(String((item as { name?: unknown } | null)?.name));
  }
  const permissions = config.permissions;
  if (permissions !== null && typeof permissions === "object") {
    for (const [role, entries] of Object.entries(permissions)) {
      if (entries === null || typeof entries !== "object") continue;
      for (const upstream of Object.keys(entries)) {
        if (!names.has(upstream)) {
          problems.push({
            path: toJsonPath(["permissions", role, upstream]),
            message: `no remote or service is named "${upstream}"`,
          });
        }
      }
    }
  }
  return problems;
}

/**
 * Remote and service names must be unique, together. Checked apart from zod so a duplicate is reported even when other
 * parts of the config are invalid too (zod skips refinements of invalid values).
 */
function duplicateNames(raw: unknown): ConfigProblem[] {
  const seen = new Map<string, string>();
  const problems: ConfigProblem[] = [];
  forEachUpstream(raw, (item, key, kind, index) => {
    const name = (item as { name?: unknown } | null)?.name;
    if (typeof name !== "string") return;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problems.push({
        path: toJsonPath([key, index, "name"]),
        message:
          earlier === kind
            ? `duplicate ${kind} name "${name}"`
            : `${kind} name "${name}" collides with a ${earlier}'s name`,
      });
    }
    seen.set(name, kind);
  });
  return problems;
}

/**
 * Validates the raw config, resolves `{{env.X}}` from the Worker's env, and validates again (so a
 * variable holding a bad URL is caught too).
 *
 * @param raw - the parsed `schemas/gateway.json`
 * @param env - the Worker's bindings
 * @returns the config with defaults applied
 * @throws ConfigError listing every problem with its JSON path
 */
export function loadConfig(raw: unknown, env: Record<string, unknown>): GatewayConfig {
  const structural = checkConfigStructure(raw);
  if (structural.length > 0) throw new ConfigError(structural);
  const problems: ConfigProblem[] = [];
  const resolved = interpolateEnv(raw, env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const parsed = GatewayConfigSchema.safeParse(resolved);
  if (!parsed.success) throw new ConfigError(zodProblems(parsed.error));
  // Names are not interpolated in practice, but a {{env.X}} name could resolve to a duplicate.
  const duplicates = duplicateNames(parsed.data);
  if (duplicates.length > 0) throw new ConfigError(duplicates);
  return parsed.data;
}
