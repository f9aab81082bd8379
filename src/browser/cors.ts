import { ADMIN_SECRET_HEADER } from "../shared";

/**
 * Takes `x-admin-secret` out of a CORS preflight answer's `Access-Control-Allow-Headers` (dropping the
 * header when nothing else is left), so no page, from any allowed origin, may send the admin secret:
 * the admin secret is for servers and operators, never for browsers. Hono's `cors()` mirrors what the
 * preflight asks for when `cors.allowedHeaders` is not configured; the config refuses the name (and
 * `"*"`) in that list.
 *
 * @param headers - the preflight response's headers, changed in place
 * @see https://fetch.spec.whatwg.org/#http-access-control-allow-headers
 */
export function withoutAdminSecret(headers: Headers): void {
  const allowed = headers.get("access-control-allow-headers");
  if (allowed === null) return;
  const kept = allowed
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "" && name.toLowerCase() !== ADMIN_SECRET_HEADER);
  if (kept.length === 0) headers.delete("access-control-allow-headers");
  else headers.set("access-control-allow-headers", kept.join(","));
}
