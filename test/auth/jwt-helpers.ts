/**
 * Helpers of the JWT tests (run inside workerd): tokens signed with jose, key pairs whose public JWKs
 * are published on the JWKS fixture host (test/fixtures/jwks.ts), and assertions on the gateway's auth
 * failures. Gateways, `auth` sections and the readers of answers are in test/fixtures/gateways.ts.
 */
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import { expect } from "vitest";
import { CLAIMS_NS, HS_SECRET, type RawAnswer } from "../fixtures/gateways";
import { type GraphQLBody, upstreamBase } from "../helpers";

/** Hasura's default claims namespace. */
export const NS = CLAIMS_NS;

/** Now, in seconds since the epoch. */
export const nowSec = (): number => Math.floor(Date.now() / 1000);

/** The default Hasura claims: roles user and editor, default user, user id 42. */
export function hasuraClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "x-hasura-allowed-roles": ["user", "editor"],
    "x-hasura-default-role": "user",
    "x-hasura-user-id": "42",
    ...extra,
  };
}

/**
 * A payload with sub, iat, exp (in 5 minutes), a fresh jti and the default claims under the default
 * namespace; `extra` wins. The jti makes every token distinct, so a gateway that remembers verified
 * tokens still has to verify each new one (with the keys it has at that moment).
 */
export function payload(extra: Record<string, unknown> = {}): JWTPayload {
  return { sub: "42", iat: nowSec(), exp: nowSec() + 300, jti: crypto.randomUUID(), [NS]: hasuraClaims(), ...extra };
}

/**
 * Signs exactly `claims` (no registered claim is added) with the protected header given.
 * @param claims - the payload
 * @param key - a private CryptoKey, or bytes for HS*
 * @param header - alg (default HS256), kid, ...
 */
export async function sign(
  claims: JWTPayload,
  key: CryptoKey | Uint8Array = new TextEncoder().encode(HS_SECRET),
  header: { alg: string; kid?: string; typ?: string } = { alg: "HS256" },
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: "JWT", ...header }).sign(key);
}

/** Base64url of a string (RFC 4648, section 5, no padding). */
export function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An unsecured JWT (RFC 7519, section 6): header {"alg":"none"}, the payload, an empty signature. */
export function unsecuredToken(claims: JWTPayload): string {
  return `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(claims))}.`;
}

/** A key pair made in workerd, with its public JWK (kid, alg, use: sig) ready to publish. */
export interface TestKeyPair {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Generates a key pair for `alg` (RS256, ES256, EdDSA, ...).
 * @param alg - the JWS algorithm
 * @param kid - the key id put into the public JWK and, by `signWith`, into tokens
 */
export async function keyPair(alg: string, kid: string): Promise<TestKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/** Signs `claims` with a key pair's private key, its alg and kid in the header. */
export function signWith(pair: TestKeyPair, claims: JWTPayload = payload()): Promise<string> {
  return sign(claims, pair.privateKey, { alg: pair.alg, kid: pair.kid });
}

/** Sets test `id`'s JWKS host state: published public keys, Cache-Control, mode. */
export async function jwksControl(
  id: string,
  state: { keys?: JWK[]; cacheControl?: string | null; mode?: "ok" | "down" | "big" | "big-chunked" },
): Promise<void> {
  const res = await fetch(`${upstreamBase()}/jwks/${id}/control`, { method: "POST", body: JSON.stringify(state) });
  if (!res.ok) throw new Error(`jwks control failed: ${res.status}`);
}

/** How many times the gateway asked test `id`'s JWKS host for the keys. */
export async function jwksRequests(id: string): Promise<number> {
  const res = await fetch(`${upstreamBase()}/jwks/${id}/stats`);
  return ((await res.json()) as { requests: number }).requests;
}

/** Waits `ms` (bounded: every caller passes a constant of a few seconds at most). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A body holds no stack trace: no `stack` key, no `at fn (file:1:2)` frames. */
export function expectNoStack(text: string): void {
  expect(text).not.toMatch(/"stack"/i);
  expect(text).not.toMatch(/\n\s*at\s/);
  expect(text).not.toMatch(/\bat [^\s"]+ \(/);
  expect(text).not.toMatch(/\bat [^\s"]+:\d+:\d+/);
}

/**
 * Asserts an auth failure: the HTTP status, a GraphQL-shaped body with one error of `code`, no data, no stack.
 * @returns the error's message
 */
export function expectAuthFailure(answer: RawAnswer, status: number, code: string): string {
  const context = `${answer.status} ${answer.text.slice(0, 500)}`;
  expect(answer.status, context).toBe(status);
  expect(answer.headers.get("content-type") ?? "", context).toContain("json");
  expect(answer.body.errors, context).toHaveLength(1);
  const [error] = answer.body.errors as [NonNullable<GraphQLBody["errors"]>[number]];
  expect(error.extensions?.code, context).toBe(code);
  expect(typeof error.message, context).toBe("string");
  expect(error.message.length, context).toBeGreaterThan(0);
  expect(answer.body.data, context).toBeUndefined();
  expectNoStack(answer.text);
  return error.message;
}
