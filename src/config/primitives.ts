import * as z from "zod";
import { HEADER_NAME } from "../shared";

/** Building blocks of the config schema shared by its parts. */

/** Matches a `{{env.NAME}}` reference inside any config string. */
export const ENV_REFERENCE = /\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Whether a config string still holds a `{{env.X}}` reference (checked again after interpolation). */
export const hasEnvReference = (value: string): boolean => value.includes("{{");

/** A GraphQL name (GraphQL spec, section 2.1.9 "Names"). */
export const graphqlName = z
  .string()
  .regex(/^[_A-Za-z][_0-9A-Za-z]*$/, "must be a GraphQL name ([_A-Za-z][_0-9A-Za-z]*)");

/** A prefix or suffix added to GraphQL names: may be empty, must keep the name valid. */
export const nameAffix = z.string().regex(/^[_0-9A-Za-z]*$/, "may contain only [_0-9A-Za-z]");

/**
 * An absolute http(s) URL. A value that still holds `{{env.X}}` passes here: the config is checked
 * again after interpolation, when the real value must be a URL.
 */
export const httpUrl = z.string().refine(
  (value) => {
    if (hasEnvReference(value)) return true;
    try {
      const url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "must be an absolute http(s) URL" },
);

/** An HTTP header name: an RFC 9110 token (section 5.1). */
export const headerName = z.string().regex(HEADER_NAME, "must be an HTTP header name (RFC 9110 token)");

/** Header name -> value. Names are matched case-insensitively (RFC 9110, section 5.1). */
export const headerMap = z.record(headerName, z.string());

/** `forwardClientHeaders`, shared by remotes and services. */
export const forwardClientHeaders = z
  .union([z.array(z.string()), z.literal(true)])
  .default([])
  .describe(
    "Client headers to forward: a list of names, or true for all but hop-by-hop, host, content-length, x-admin-secret, authorization and cookie (name those two in a list to forward them).",
  );

/** `timeoutMs`, shared by remotes and services. */
export const timeoutMs = z
  .number()
  .int()
  .positive()
  .max(600_000)
  .default(10_000)
  .describe("Time in ms for the whole upstream exchange (headers and body).");

/** Per-upstream switch for the `x-gateway-token` header. */
export const gatewayTokenSwitch = z
  .boolean()
  .default(true)
  .describe("Send x-gateway-token (a JWT signed by the gateway, aud = this upstream's name) with every call.");

/** The name of a remote or service: unique across both, `[a-z][a-z0-9_]*`. */
export const upstreamName = z.string().regex(/^[a-z][a-z0-9_]*$/, "must match [a-z][a-z0-9_]*");

/** The default of `retries`: two retries, three attempts in all. */
export const DEFAULT_RETRIES = 2;

/**
 * `retries`, shared by remotes and services: how often an idempotent call is tried again. Optional in
 * the parsed config (like `circuitBreaker` and `maxResponseBytes`): the upstream plugins apply the default.
 */
export const retries = z
  .number()
  .int()
  .min(0)
  .max(10)
  .optional()
  .describe(
    "Retries of an idempotent call (a remote's queries, a service's GET and HEAD; never mutations or POST) after a connection failure or HTTP 429, 502, 503, 504, honouring Retry-After, with full-jitter exponential backoff, all within timeoutMs. Default 2.",
  );

/** The default of `circuitBreaker`: open after 5 consecutive failures, probe again after 30 s. */
export const CIRCUIT_BREAKER_DEFAULTS = { failureThreshold: 5, resetTimeoutMs: 30_000 } as const;

/** `circuitBreaker`, shared by remotes and services: per upstream and isolate; `false` turns it off. */
export const circuitBreaker = z
  .union([
    z.literal(false),
    z
      .object({
        failureThreshold: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(CIRCUIT_BREAKER_DEFAULTS.failureThreshold)
          .describe("Consecutive failed calls (connection failure, timeout, HTTP 5xx) that open the circuit."),
        resetTimeoutMs: z
          .number()
          .int()
          .positive()
          .max(3_600_000)
          .default(CIRCUIT_BREAKER_DEFAULTS.resetTimeoutMs)
          .describe("Time in ms the circuit stays open before one probe call is let through."),
      })
      .strict(),
  ])
  .optional()
  .describe(
    "Circuit breaker of this upstream (per isolate): after failureThreshold consecutive failures calls are refused with UPSTREAM_CIRCUIT_OPEN for resetTimeoutMs, then one probe decides. Default { failureThreshold: 5, resetTimeoutMs: 30000 }; false turns it off.",
  );

/** The default of `maxResponseBytes`: 10 MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** `maxResponseBytes`, shared by remotes and services. */
export const maxResponseBytes = z
  .number()
  .int()
  .positive()
  .max(100 * 1024 * 1024)
  .optional()
  .describe(
    "Largest answer body in bytes (after decompression); a larger one is cut off while it is read and fails with UPSTREAM_RESPONSE_TOO_LARGE. Default 10485760 (10 MB).",
  );

/** A Worker service binding name as wrangler.toml spells it (`binding` of `[[services]]`). */
export const SERVICE_BINDING_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `binding`, shared by remotes and services: the Worker service binding called instead of a `url`. */
export const serviceBinding = z
  .string()
  .regex(SERVICE_BINDING_NAME, "must be a service binding name ([A-Z_][A-Z0-9_]*)")
  .optional()
  .describe(
    'Instead of url: the name of a Worker service binding (wrangler.toml [[services]] binding = "..."); calls go to env.<binding>.fetch() as https://<binding in lower case>.binding<path>, with everything a url call has (headers, gateway token, timeout, retries, circuit breaker).',
  );

/**
 * The URL a call through a service binding carries (the bound Worker sees it as `request.url`): the
 * host is the binding's name in lower case under the made-up top-level domain `binding`, which no DNS
 * resolves, so such a URL never leaves the Worker by a plain fetch.
 * @param binding - the binding's name, e.g. `ACCOUNTS`
 * @param path - the path (and query) on the bound Worker, starting with `/`, or "" for the base
 * @returns e.g. `https://accounts.binding/graphql`
 */
export const bindingUrl = (binding: string, path: string): string => `https://${binding.toLowerCase()}.binding${path}`;

/**
 * The problem of an upstream that names neither or both of `url` and `binding` (exactly one is needed),
 * and of a remote's `path` without a `binding` (a url carries its own path; services have no `path`).
 * @param upstream - a raw remote or service entry
 * @param kind - which of the two it is
 * @returns the problems, each with its path inside the entry
 */
export function targetProblems(
  upstream: unknown,
  kind: "remote" | "service",
): Array<{ path: string[]; message: string }> {
  if (upstream === null || typeof upstream !== "object") return [];
  const entry = upstream as Record<string, unknown>;
  const hasUrl = entry.url !== undefined;
  const hasBinding = entry.binding !== undefined;
  const problems: Array<{ path: string[]; message: string }> = [];
  if (hasUrl && hasBinding) {
    problems.push({ path: ["binding"], message: "give url or binding, not both" });
  } else if (!hasUrl && !hasBinding) {
    problems.push({ path: ["url"], message: "needs a url or a binding (a Worker service binding name)" });
  }
  if (kind === "remote" && entry.path !== undefined && !hasBinding) {
    problems.push({ path: ["path"], message: "path goes with binding (a url carries its own path)" });
  }
  return problems;
}
