/**
 * Shared pieces of the operation-limit tests (docs/security.md "Operation limits"): the assertion of a
 * refusal in the shape of JOIN_LIMIT_EXCEEDED, and query builders.
 */
import { expect } from "vitest";
import type { Answer } from "../fixtures/gateways";

/**
 * Asserts a refusal: `status`, no data, and a first error with `code`, `limit`, `max`, `actual` (when given).
 * @param res - the answer
 * @param status - the HTTP status (400, 413 for the body)
 * @param extensions - expected extensions (a subset)
 */
export function refused(res: Answer, status: number, extensions: Record<string, unknown>): void {
  const text = JSON.stringify(res.body);
  expect(res.status, text).toBe(status);
  expect(res.body.data ?? undefined, text).toBeUndefined();
  expect(res.body.errors?.[0]?.extensions, text).toMatchObject(extensions);
  expect(res.body.errors?.[0]?.message, text).toBeTruthy();
}

/** Asserts a 200 answer with data and without errors; returns the data. */
export function passed(res: Answer): Record<string, unknown> {
  const text = JSON.stringify(res.body);
  expect(res.status, text).toBe(200);
  expect(res.body.errors, text).toBeUndefined();
  return res.body.data as Record<string, unknown>;
}

/**
 * An introspection chain `levels` fields deep: `__type(name: "User")` then `ofType` down to `name`.
 * @param levels - the depth (at least 2)
 */
export function typeChain(levels: number): string {
  let inner = "name";
  for (let level = levels - 1; level >= 2; level--) inner = `ofType { ${inner} }`;
  return `{ __type(name: "User") { ${inner} } }`;
}

/** `{ me { a0: id ... } }` with `n` aliases (armor does not count aliases of `__typename`). */
export const idAliases = (n: number): string =>
  `{ me { ${Array.from({ length: n }, (_, i) => `a${i}: id`).join(" ")} } }`;

/**
 * A document of exactly `n` lexical tokens: `{ me { id ... } user(id: "1") { id ... } }` (13 tokens and
 * the ids, split in two selection sets: graphql-js's overlap check gives up on ~1000 fields in one set).
 * @param n - the number of tokens (at least 15)
 */
export function tokens(n: number): string {
  const ids = n - 13;
  const first = Math.floor(ids / 2);
  return `{ me { ${"id ".repeat(first)}} user(id: "1") { ${"id ".repeat(ids - first)}} }`;
}
