import { type CryptoKey, calculateJwkThumbprint, importJWK, type JWK, SignJWT } from "jose";
import type { GatewayTokenConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";

/** The secret holding the HS256 key: any string of at least 32 bytes (UTF-8). */
export const GATEWAY_TOKEN_SECRET = "GATEWAY_TOKEN_SECRET";

/** The secret holding the EdDSA key: an Ed25519 private JWK as JSON, `{ kty: "OKP", crv: "Ed25519", x, d }`. */
export const GATEWAY_TOKEN_PRIVATE_KEY = "GATEWAY_TOKEN_PRIVATE_KEY";

/** RFC 7518 section 3.2: an HS256 key must be at least as long as the hash output (256 bits). */
const MIN_SECRET_BYTES = 32;

/** The caller's session, put into the token as `sub` and `session` (set per request by the `/graphql` route). */
export interface GatewayTokenSession {
  /** The caller's subject (user id); becomes the `sub` claim. */
  sub?: string;
  /** Session variables by Hasura name (e.g. `x-hasura-role`); become the `session` claim, an object of strings. */
  variables?: Record<string, string>;
}

/** An Ed25519 public JWK as served by `/.well-known/jwks.json` (no `d`). */
export interface GatewayPublicJwk extends JWK {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) of `{ crv, kty, x }`; also the token header's `kid`. */
  kid: string;
  alg: "EdDSA";
  use: "sig";
}

/** Signs `x-gateway-token` JWTs. One per isolate; see {@link createGatewayTokenSigner}. */
export interface GatewayTokenSigner {
  /** `"EdDSA"` when `GATEWAY_TOKEN_PRIVATE_KEY` is set, else `"HS256"`. */
  readonly alg: "EdDSA" | "HS256";
  /**
   * Imports the key (once per signer; later calls return the same promise), so a bad key fails before
   * any work is done.
   *
   * @throws GatewayError `INVALID_CONFIG` when the key secret cannot be imported
   */
  ready(): Promise<void>;
  /**
   * Signs one token: header `{ alg, typ: "JWT", kid? }` (`kid` for EdDSA only); claims `iss` (config
   * `issuer`), `aud` = `audience`, `iat`, `exp` = `iat + ttlSec` (seconds since the epoch), `jti` (a
   * random UUID) and, only when `session` is given, `sub` (if set) and `session` (its variables, `{}` if none).
   *
   * @param audience - the service or remote name the token is for
   * @param session - the caller's session (its user id and session variables)
   * @returns the compact JWS
   * @throws GatewayError `INVALID_CONFIG` (HTTP 500) when the key secret cannot be imported; the message
   *   names the secret, never its value
   */
  sign(audience: string, session?: GatewayTokenSession): Promise<string>;
  /**
   * The public JWKS for EdDSA, `{ keys: [{ kty, crv, x, kid, alg: "EdDSA", use: "sig" }] }` (a fresh
   * copy on every call; never `d`); `null` for HS256, whose key is secret.
   *
   * @throws GatewayError `INVALID_CONFIG` when the private key cannot be imported
   */
  jwks(): Promise<{ keys: GatewayPublicJwk[] } | null>;
}

interface SigningKey {
  key: CryptoKey;
  /** EdDSA only. */
  publicJwk?: GatewayPublicJwk;
}

const invalidSecret = (name: string, problem: string, cause?: unknown): GatewayError =>
  new GatewayError(ErrorCode.INVALID_CONFIG, `Secret ${name} ${problem}`, { cause });

const readSecret = (env: object, name: string): string | undefined => {
  const value = (env as Record<string, unknown>)[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw invalidSecret(name, "must be a string");
  return value;
};

/** Parses and shape-checks the Ed25519 private JWK (no crypto yet). */
function parsePrivateJwk(raw: string): JWK & { kty: "OKP"; crv: "Ed25519"; x: string; d: string } {
  let jwk: unknown;
  try {
    jwk = JSON.parse(raw);
  } catch (cause) {
    throw invalidSecret(GATEWAY_TOKEN_PRIVATE_KEY, "is not valid JSON (expected an Ed25519 private JWK)", cause);
  }
  const candidate = jwk as Record<string, unknown> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    candidate.kty !== "OKP" ||
    candidate.crv !== "Ed25519" ||
    typeof candidate.x !== "string" ||
    typeof candidate.d !== "string"
  ) {
    throw invalidSecret(
      GATEWAY_TOKEN_PRIVATE_KEY,
      'is not an Ed25519 private JWK ({ "kty": "OKP", "crv": "Ed25519", "x", "d" })',
    );
  }
  return candidate as JWK & { kty: "OKP"; crv: "Ed25519"; x: string; d: string };
}

/** Imports the Ed25519 key pair and checks that `x` belongs to `d` (a mismatch would publish a useless JWKS). */
async function importEd25519(jwk: ReturnType<typeof parsePrivateJwk>): Promise<SigningKey> {
  const publicPart = { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  let key: CryptoKey;
  let matches: boolean;
  try {
    // Only the key material: a stray "alg", "use", "key_ops" or "ext" in the secret must not change the import.
    key = (await importJWK({ ...publicPart, d: jwk.d }, "EdDSA", { extractable: false })) as CryptoKey;
    const publicKey = (await importJWK(publicPart, "EdDSA")) as CryptoKey;
    const probe = new TextEncoder().encode("junction gateway token key check");
    const signature = await crypto.subtle.sign("Ed25519", key, probe);
    matches = await crypto.subtle.verify("Ed25519", publicKey, signature, probe);
  } catch (cause) {
    throw invalidSecret(GATEWAY_TOKEN_PRIVATE_KEY, "could not be imported as an Ed25519 private key", cause);
  }
  if (!matches) throw invalidSecret(GATEWAY_TOKEN_PRIVATE_KEY, 'has an "x" that is not the public key of its "d"');
  const kid = await calculateJwkThumbprint(publicPart, "sha256");
  return { key, publicJwk: { ...publicPart, kid, alg: "EdDSA", use: "sig" } };
}

/** Imports the HS256 secret once as a non-extractable HMAC key. */
async function importHmac(bytes: Uint8Array<ArrayBuffer>): Promise<SigningKey> {
  try {
    const key = await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    return { key };
  } catch (cause) {
    throw invalidSecret(GATEWAY_TOKEN_SECRET, "could not be imported as an HMAC key", cause);
  }
}

/**
 * Creates the isolate's signer of `x-gateway-token` (Space Cloud's X-SC-Token, done with jose).
 * Key choice: `GATEWAY_TOKEN_PRIVATE_KEY` (EdDSA, wins when both are set), else `GATEWAY_TOKEN_SECRET`
 * (HS256). An empty secret counts as unset. The secrets are read and shape-checked here (no crypto);
 * the key is imported once, on the first `sign()` or `jwks()`, and a failed import stays failed.
 *
 * @param config - the validated `gatewayToken` config (`issuer`, `ttlSec`)
 * @param env - the Worker's bindings (read: `GATEWAY_TOKEN_PRIVATE_KEY`, `GATEWAY_TOKEN_SECRET`)
 * @returns the signer, or `null` when neither secret is set (no token is sent then)
 * @throws GatewayError `INVALID_CONFIG` (HTTP 500) when `GATEWAY_TOKEN_PRIVATE_KEY` is not JSON or not an
 *   Ed25519 private JWK, or `GATEWAY_TOKEN_SECRET` is shorter than 32 bytes; the message names the secret,
 *   never its value
 * @see https://www.rfc-editor.org/rfc/rfc7519 (JWT claims)
 * @see https://www.rfc-editor.org/rfc/rfc8037 (EdDSA in JOSE), https://www.rfc-editor.org/rfc/rfc7638 (kid)
 */
export function createGatewayTokenSigner(config: GatewayTokenConfig, env: object): GatewayTokenSigner | null {
  const privateKey = readSecret(env, GATEWAY_TOKEN_PRIVATE_KEY);
  const secret = privateKey === undefined ? readSecret(env, GATEWAY_TOKEN_SECRET) : undefined;
  let load: () => Promise<SigningKey>;
  let alg: "EdDSA" | "HS256";
  if (privateKey !== undefined) {
    const jwk = parsePrivateJwk(privateKey);
    alg = "EdDSA";
    load = () => importEd25519(jwk);
  } else if (secret !== undefined) {
    const bytes = new TextEncoder().encode(secret);
    if (bytes.byteLength < MIN_SECRET_BYTES) {
      throw invalidSecret(GATEWAY_TOKEN_SECRET, `must be at least ${MIN_SECRET_BYTES} bytes long (RFC 7518, 3.2)`);
    }
    alg = "HS256";
    load = () => importHmac(bytes);
  } else {
    return null;
  }

  let imported: Promise<SigningKey> | undefined;
  const signingKey = (): Promise<SigningKey> => {
    imported ??= load();
    return imported;
  };

  return {
    alg,
    async ready() {
      await signingKey();
    },
    async sign(audience, session) {
      const { key, publicJwk } = await signingKey();
      const now = Math.floor(Date.now() / 1000);
      const claims = session === undefined ? {} : { session: { ...(session.variables ?? {}) } };
      const jwt = new SignJWT(claims)
        .setProtectedHeader(publicJwk === undefined ? { alg, typ: "JWT" } : { alg, typ: "JWT", kid: publicJwk.kid })
        .setIssuer(config.issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(now + config.ttlSec)
        .setJti(crypto.randomUUID());
      if (session?.sub !== undefined) jwt.setSubject(session.sub);
      return jwt.sign(key);
    },
    async jwks() {
      if (alg !== "EdDSA") return null;
      const { publicJwk } = await signingKey();
      return publicJwk === undefined ? null : { keys: [{ ...publicJwk }] };
    },
  };
}

/**
 * The per-request token source put on the GraphQL context as `gatewayToken`: signs at most one token
 * per audience per request (the promise is memoized, a failure included).
 *
 * @param signer - the isolate's signer, or `null` (then every call resolves `undefined`), or a function
 *   that gives it (called on the first token asked for, so a request that sends no token never waits
 *   for the key, nor fails on a bad one)
 * @param session - the caller's session (its user id and session variables)
 * @returns `(audience) => Promise<token | undefined>`
 * @throws nothing itself; the returned promise rejects with GatewayError `INVALID_CONFIG` on a bad key
 */
export function createGatewayTokenSource(
  signer: GatewayTokenSigner | null | (() => Promise<GatewayTokenSigner | null>),
  session?: GatewayTokenSession,
): (audience: string) => Promise<string | undefined> {
  if (signer === null) return () => Promise.resolve(undefined);
  const signerOf = typeof signer === "function" ? signer : () => Promise.resolve(signer);
  const tokens = new Map<string, Promise<string | undefined>>();
  return function gatewayToken(audience) {
    let token = tokens.get(audience);
    if (token === undefined) {
      token = signerOf().then((found) => found?.sign(audience, session));
      tokens.set(audience, token);
    }
    return token;
  };
}
