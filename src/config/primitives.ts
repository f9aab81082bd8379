import { z } from "zod";

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
export const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name (RFC 9110 token)");

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
