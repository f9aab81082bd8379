/**
 * Header and session-variable names every folder uses. A leaf: it imports nothing.
 */

/** An HTTP header name: an RFC 9110 token (section 5.1, `tchar`). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The header carrying the admin secret (Hasura's `x-hasura-admin-secret`); never forwarded upstream. */
export const ADMIN_SECRET_HEADER = "x-admin-secret";

/** The request header that carries the gateway token to services and remote schemas. */
export const GATEWAY_TOKEN_HEADER = "x-gateway-token";

/** Every session variable name starts with this (Hasura's naming, whatever the forwarding prefix). */
export const SESSION_VARIABLE_PREFIX = "x-hasura-";

/** The session variable holding the request's role. */
export const ROLE_VARIABLE = "x-hasura-role";

/** The session variable holding the caller's user id; the gateway token's `sub`. */
export const USER_ID_VARIABLE = "x-hasura-user-id";
