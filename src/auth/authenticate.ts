import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { errors, type JWTVerifyOptions, jwtVerify } from "jose";
import type { AuthConfig, JwtConfig } from "../config";
import { AuthError, ErrorCode, ForbiddenError, GatewayError } from "../errors";
import type { Logger } from "../observability";
import {
  ADMIN_SECRET_HEADER,
  type FetchFn,
  ROLE_VARIABLE,
  SESSION_VARIABLE_PREFIX,
  type Session,
  type WaitUntil,
} from "../shared";
import { compileClaimsReader, type HasuraClaims } from "./claims";
import { createJwksKeySource } from "./jwks";
import { secretsEqual } from "./secrets";
import { createWebhookClient, type WebhookRequest } from "./webhook";

/** The role of a request authorised by the admin secret that does not pose as another role. */
export const ADMIN_ROLE = "admin";

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** The validated `auth` section; undefined when the config has none. */
  auth: AuthConfig | undefined;
  /** Fetch for the JWK Set. @default globalThis.fetch */
  fetch?: FetchFn;
  /** The isolate's logger. */
  log?: Logger;
  /** KV for `auth.webhook.kvCache` (binding SCHEMA_CACHE). */
  kv?: KVNamespace;
  /** Prefix of KV keys. @default "" */
  kvPrefix?: string;
}

/** What one request gives {@link Authenticator.authenticate} besides its headers. */
export interface AuthenticateInput {
  /** The GraphQL request, sent to a POST auth webhook (Hasura's `request`); absent outside /graphql. */
  request?: WebhookRequest | null;
  /** Where background work of the request is registered (webhook answers written to KV). */
  waitUntil?: WaitUntil;
}

/** Identifies the caller of each request; one per isolate (the JWK Set and HMAC keys are cached in it). */
export interface Authenticator {
  /**
   * Decides the request's session.
   * @param headers - the client's request headers
   * @param adminSecret - the `ADMIN_SECRET` secret, if set
   * @param input - the GraphQL request for a POST auth webhook, and `waitUntil`
   * @returns the session
   * @throws GatewayError `UNAUTHORIZED` (401) for a wrong `x-admin-secret`; `INVALID_AUTHORIZATION_HEADER`
   *   (400); `INVALID_JWT`, `JWT_EXPIRED`, `INVALID_CLAIMS`, `UNAUTHENTICATED` (401); `ROLE_NOT_ALLOWED`
   *   (403); `JWKS_UNAVAILABLE` (503); `AUTH_WEBHOOK_FAILED` (500)
   */
  authenticate(headers: Headers, adminSecret: string | undefined, input?: AuthenticateInput): Promise<Session>;
  /** The prefix session variables are forwarded with (`auth.sessionHeaderPrefix`, default `x-hasura-`). */
  readonly headerPrefix: string;
}

/**
 * Verified tokens are remembered per isolate, so a session replaying its token is not verified again
 * (signature checks cost 0.1-0.25 ms of CPU each). An entry is used only while the token's own `exp`
 * and `nbf` allow (with the tolerance) and for at most this long, which bounds how late a key removed
 * from the JWK Set stops being honoured.
 */
const VERIFIED_CACHE_TTL_MS = 60_000;
/** At most this many verified tokens are remembered; the oldest is dropped first. */
const VERIFIED_CACHE_ENTRIES = 1000;

interface VerifiedToken {
  claims: HasuraClaims;
  /** ms since the epoch: min(exp + tolerance, verification time + {@link VERIFIED_CACHE_TTL_MS}). */
  usableUntil: number;
  /** ms since the epoch: nbf - tolerance, or 0. */
  notBefore: number;
  /** ms since the epoch: exp + tolerance (when a long-lived connection of the token must end). */
  expiresAt: number;
}

const fail = (code: ErrorCode, message: string, cause?: unknown): AuthError => new AuthError(code, message, { cause });

/** A JWS compact serialization: three base64url segments (RFC 7515 section 7.1); `alg: none` has an empty third. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The token of a request, from where `auth.jwt.header` says.
 * @returns the raw token, or undefined when the request carries none
 * @throws GatewayError `INVALID_AUTHORIZATION_HEADER` (400) when Authorization is not `Bearer <jwt>` (RFC 6750 section 2.1)
 */
function extractToken(headers: Headers, location: JwtConfig["header"]): string | undefined {
  if (location.type === "Authorization") {
    const value = headers.get("authorization");
    if (value === null) return undefined;
    const match = /^bearer +(\S+)$/i.exec(value.trim());
    if (match === null || !COMPACT_JWS.test(match[1] as string)) {
      throw fail(
        ErrorCode.INVALID_AUTHORIZATION_HEADER,
        "The Authorization header must be exactly `Bearer <jwt>`, with one token.",
      );
    }
    return match[1];
  }
  if (location.type === "CustomHeader") {
    const value = headers.get(location.name)?.trim();
    return value === undefined || value === "" ? undefined : value;
  }
  // hono's cookie helper reads only `c.req.raw.headers`.
  const value = getCookie({ req: { raw: { headers } } } as unknown as Context, location.name)?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** The public reason of a jose verification failure; jose's messages name claims, never values. */
function verificationError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof errors.JWTExpired) return fail(ErrorCode.JWT_EXPIRED, "The token has expired.", error);
  if (error instanceof errors.JWKSNoMatchingKey) {
    return fail(ErrorCode.INVALID_JWT, "No signing key matches the token's kid.", error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return fail(ErrorCode.INVALID_JWT, `The token's ${error.claim} claim is invalid: ${error.message}.`, error);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return fail(ErrorCode.INVALID_JWT, "The token's algorithm is not allowed.", error);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return fail(ErrorCode.INVALID_JWT, "The token's signature is invalid.", error);
  }
  return fail(ErrorCode.INVALID_JWT, "The token is malformed or cannot be verified.", error);
}

/** Builds jose's key function: HS* from the secret (imported once per algorithm), the rest from the JWK Set. */
function keyResolver(jwt: JwtConfig, options: AuthenticatorOptions): NonNullable<Parameters<typeof jwtVerify>[1]> {
  const jwks =
    jwt.jwksUrl === undefined
      ? undefined
      : createJwksKeySource({
          url: jwt.jwksUrl,
          cooldownMs: jwt.jwksCooldownSec * 1000,
          fetch: options.fetch,
          log: options.log,
        });
  const hmacKeys = new Map<string, Promise<CryptoKey>>();
  const secret = jwt.secret === undefined ? undefined : new TextEncoder().encode(jwt.secret);
  return async function verificationKey(header, token) {
    const alg = header.alg ?? "";
    if (alg.startsWith("HS")) {
      if (secret === undefined) throw new errors.JOSEAlgNotAllowed("no secret for HMAC algorithms");
      let key = hmacKeys.get(alg);
      if (key === undefined) {
        key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: `SHA-${alg.slice(2)}` }, false, ["verify"]);
        hmacKeys.set(alg, key);
      }
      return key;
    }
    if (jwks === undefined) throw new errors.JOSEAlgNotAllowed("no JWK Set for asymmetric algorithms");
    return jwks(header, token);
  };
}

/**
 * Verifies tokens with jose and reads their Hasura claims, remembering verified tokens (see
 * {@link VERIFIED_CACHE_TTL_MS}).
 * @param jwt - the validated `auth.jwt`
 * @param options - fetch and logger for the JWK Set
 * @returns `(token) => { claims, expiresAt }` (ms: exp + tolerance); it rejects with the GatewayErrors of {@link verificationError} and
 *   `INVALID_CLAIMS`
 */
function createTokenVerifier(
  jwt: JwtConfig,
  options: AuthenticatorOptions,
): (token: string) => Promise<{ claims: HasuraClaims; expiresAt: number }> {
  const readClaims = compileClaimsReader(jwt);
  const getKey = keyResolver(jwt, options);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...jwt.algorithms],
    issuer: jwt.issuer,
    audience: jwt.audience,
    clockTolerance: jwt.clockToleranceSec,
    requiredClaims: ["exp"],
    // jose then requires iat, refuses a token older than this (JWTExpired) and one issued in the future.
    maxTokenAge: jwt.maxTokenAgeSec,
  };
  const toleranceMs = jwt.clockToleranceSec * 1000;
  const verified = new Map<string, VerifiedToken>();
  return async function verify(token) {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit !== undefined) {
      if (now < hit.usableUntil && now >= hit.notBefore) return { claims: hit.claims, expiresAt: hit.expiresAt };
      verified.delete(token);
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, getKey, verifyOptions));
    } catch (error) {
      throw verificationError(error);
    }
    // jose checks iat against the clock only with maxTokenAge; a token issued in the future is refused always.
    const issuedAt = typeof payload.iat === "number" ? payload.iat * 1000 : undefined;
    if (issuedAt !== undefined && issuedAt > now + toleranceMs) {
      throw fail(ErrorCode.INVALID_JWT, "The token's iat claim is invalid: it is in the future.");
    }
    const claims = readClaims(payload);
    if (verified.size >= VERIFIED_CACHE_ENTRIES) verified.delete(verified.keys().next().value as string);
    const tooOldAt =
      jwt.maxTokenAgeSec === undefined || issuedAt === undefined
        ? Number.POSITIVE_INFINITY
        : issuedAt + jwt.maxTokenAgeSec * 1000 + toleranceMs;
    const expiresAt = Number(payload.exp) * 1000 + toleranceMs;
    verified.set(token, {
      claims,
      expiresAt,
      usableUntil: Math.min(Number(payload.exp) * 1000 + toleranceMs, now + VERIFIED_CACHE_TTL_MS, tooOldAt),
      notBefore: typeof payload.nbf === "number" ? payload.nbf * 1000 - toleranceMs : 0,
    });
    return { claims, expiresAt };
  };
}

/**
 * Creates the isolate's authenticator, with Hasura's rules.
 *
 * Roles: `x-hasura-role` may name one role or several separated by commas; each must be allowed (by
 * the token's `x-hasura-allowed-roles`, the auth webhook's answer, or any role for the admin secret),
 * else 403 `ROLE_NOT_ALLOWED`. Without the header the token's (or hook's) `x-hasura-roles` are active,
 * else its default role. Several active roles run as their union (see {@link activeRoles}).
 *
 * 1. `x-admin-secret` present: it must equal `ADMIN_SECRET` (else 401 `UNAUTHORIZED`). The request is
 *    admin; it may pose as a role with `x-hasura-role`, and only then are the client's session headers
 *    (`x-hasura-*`, `<prefix>*`) taken as its session.
 * 2. A token (where `auth.jwt.header` says): verified with jose against `algorithms` only (never the
 *    token's own choice), `exp` required, `iss`/`aud` and clock tolerance as configured; an `iat` in the
 *    future (beyond the tolerance) is refused, and with `maxTokenAgeSec` an `iat` is required and may
 *    be at most that old (else `JWT_EXPIRED`). Role: the
 *    `x-hasura-role` header if among the allowed roles (else 403), otherwise the default role.
 * 3. No token: `unauthenticatedRole` if configured; otherwise a role-less session that may use only
 *    `public` fields (the GraphQL layer answers 401 `UNAUTHENTICATED` for anything else).
 * Without an `auth` section nobody is identified (`source: "none"`). Verified tokens are remembered
 * (at most 1,000, each for at most 60 s and never past its `exp`), so a replayed token costs a map
 * lookup instead of a signature check.
 *
 * @param options - the `auth` section, fetch and logger
 * @returns the authenticator
 * @throws Error for a JSON path outside the supported subset in the claims settings (config time)
 * @see https://hasura.io/docs/latest/auth/authentication/jwt/
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const auth = options.auth;
  const headerPrefix = auth?.sessionHeaderPrefix ?? SESSION_VARIABLE_PREFIX;
  const roleHeaders = [...new Set([ROLE_VARIABLE, `${headerPrefix}role`])];
  const clientPrefixes = [...new Set([SESSION_VARIABLE_PREFIX, headerPrefix])];
  const jwt = auth?.jwt;
  const verify = jwt === undefined ? undefined : createTokenVerifier(jwt, options);
  const webhook =
    auth?.webhook === undefined
      ? undefined
      : createWebhookClient(auth.webhook, {
          fetch: options.fetch,
          log: options.log,
          kv: options.kv,
          kvPrefix: options.kvPrefix,
        });

  /** The roles the request asks for: `x-hasura-role: a` or `x-hasura-role: a,b` (several at once). */
  const requestedRoles = (headers: Headers): string[] | undefined => {
    for (const name of roleHeaders) {
      const value = headers.get(name)?.trim();
      if (!value) continue;
      const roles = [...new Set(value.split(",").map((role) => role.trim()))];
      return roles.includes("") ? [value] : roles;
    }
    return undefined;
  };

  /** The client's own session headers, under Hasura names (admin requests only). */
  const clientVariables = (headers: Headers): Record<string, string> => {
    const variables: Record<string, string> = {};
    headers.forEach((value, name) => {
      for (const prefix of clientPrefixes) {
        if (name.startsWith(prefix) && name.length > prefix.length) {
          variables[`${SESSION_VARIABLE_PREFIX}${name.slice(prefix.length)}`] = value;
          break;
        }
      }
    });
    return variables;
  };

  /** The session of verified claims: the asked roles within the allowed ones, else the active or default roles. */
  const claimsSession = (
    source: "jwt" | "webhook",
    claims: HasuraClaims,
    headers: Headers,
    expiresAt: number | undefined,
  ): Session => {
    const asked = requestedRoles(headers);
    const from = source === "jwt" ? "token's" : "auth webhook's";
    for (const role of asked ?? []) {
      if (!claims.allowedRoles.includes(role)) {
        throw new ForbiddenError(
          ErrorCode.ROLE_NOT_ALLOWED,
          `The role "${role}" is not among the ${from} allowed roles.`,
        );
      }
    }
    const { role, roles } = activeRoles(asked ?? claims.activeRoles ?? [claims.defaultRole]);
    return {
      source,
      role,
      ...(roles === undefined ? {} : { roles }),
      variables: { ...claims.variables, [ROLE_VARIABLE]: role },
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
  };

  return {
    headerPrefix,
    async authenticate(headers, adminSecret, input): Promise<Session> {
      const givenSecret = headers.get(ADMIN_SECRET_HEADER);
      if (givenSecret !== null) {
        if (!adminSecret || !(await secretsEqual(givenSecret, adminSecret))) {
          throw fail(ErrorCode.UNAUTHORIZED, `Wrong ${ADMIN_SECRET_HEADER} header.`);
        }
        const { role, roles } = activeRoles(requestedRoles(headers) ?? [ADMIN_ROLE]);
        return {
          source: "admin",
          role,
          ...(roles === undefined ? {} : { roles }),
          variables: { ...clientVariables(headers), [ROLE_VARIABLE]: role },
        };
      }
      if (auth === undefined) return { source: "none", role: null, variables: {} };
      if (webhook !== undefined) {
        return claimsSession("webhook", await webhook(headers, input), headers, undefined);
      }
      const token = jwt === undefined ? undefined : extractToken(headers, jwt.header);
      if (token === undefined || verify === undefined) {
        const role = auth.unauthenticatedRole ?? null;
        return { source: "unauthenticated", role, variables: role === null ? {} : { [ROLE_VARIABLE]: role } };
      }
      const { claims, expiresAt } = await verify(token);
      return claimsSession("jwt", claims, headers, expiresAt);
    },
  };
}

/**
 * The role key of a list of active roles: one role as itself; several sorted, without duplicates and
 * joined by commas (role names cannot contain commas, so the key names exactly that set).
 * @param list - the active roles, at least one
 * @returns the session's `role` and, with several, `roles`
 */
export function activeRoles(list: readonly string[]): { role: string; roles?: readonly string[] } {
  const unique = [...new Set(list)].sort();
  if (unique.length === 1) return { role: unique[0] as string };
  return { role: unique.join(","), roles: unique };
}

/**
 * The roles a session runs as: its active roles, or its one role; empty without a role.
 * @param session - the request's session
 * @returns the role names
 */
export function sessionRoles(session: Session): readonly string[] {
  return session.roles ?? (session.role === null ? [] : [session.role]);
}

/**
 * Whether a session may use only `public` fields: it has no token and the config no
 * `unauthenticatedRole`. Anything else such a request asks for is 401 {@link tokenRequired}.
 * @param session - the request's session
 */
export function isPublicOnly(session: Session): boolean {
  return session.source === "unauthenticated" && session.role === null;
}

/**
 * The error for a request without a token that asks for more than `public` fields.
 * @returns AuthError `UNAUTHENTICATED` (401 in the error table)
 */
export function tokenRequired(): AuthError {
  return fail(ErrorCode.UNAUTHENTICATED, "This operation needs a token: only public fields are open without one.");
}
