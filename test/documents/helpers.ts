/**
 * Helpers of the trusted documents tests: a gateway in a given `trustedDocuments.mode` over test `id`'s
 * accounts remote, pushing a manifest through `POST /admin/documents`, and GraphQL requests by POST and
 * GET with `documentId` or Apollo's `extensions.persistedQuery`.
 */
import { ADMIN_HEADERS, type GatewaySpec, type TestGatewayOptions, testGateway } from "../fixtures/gateways";
import type { GraphQLBody, TestGateway } from "../helpers";

/** SHA-256 of a text as lower-case hex (what graphql-codegen's client preset and Apollo compute). */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** A gateway over test `id`'s accounts remote with `trustedDocuments.mode` = `mode`; `more` wins key by key. */
export function documentsGateway(
  id: string,
  mode: "off" | "allow" | "require",
  more: GatewaySpec = {},
  options: TestGatewayOptions = {},
): TestGateway {
  return testGateway(id, { remotes: ["accounts"], trustedDocuments: { mode }, ...more }, options);
}

/** An answer: status and parsed JSON body (or text when it is not JSON). */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  body: any;
}

/** Reads a response as an {@link Answer}. */
async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

/** `POST /admin/documents` (with the admin secret unless `headers` says otherwise) of a manifest. */
export async function push(gw: TestGateway, manifest: unknown, query = "", headers = ADMIN_HEADERS): Promise<Answer> {
  const res = await gw.fetch(`/admin/documents${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof manifest === "string" ? manifest : JSON.stringify(manifest),
  });
  return answer(res);
}

/** An admin request (GET or DELETE) with the secret. */
export async function admin(gw: TestGateway, path: string, method = "GET", headers = ADMIN_HEADERS) {
  return answer(await gw.fetch(path, { method, headers }));
}

/** POSTs GraphQL parameters to /graphql as JSON (Accept: application/graphql-response+json). */
export async function post(gw: TestGateway, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify(body),
  });
  return answer(res);
}

/** GETs /graphql with `params` in the query string (objects as JSON). */
export async function get(
  gw: TestGateway,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const search = new URLSearchParams(
    Object.entries(params).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]),
  );
  const res = await gw.fetch(`/graphql?${search}`, {
    // Every GET needs a CSRF header (src/browser/csrf.ts).
    headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1", ...headers },
  });
  return answer(res);
}

/** Apollo's `extensions` for a hash. */
export const apollo = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

/** The `extensions.code` of each error of a GraphQL body. */
export const codes = (body: GraphQLBody): unknown[] => (body.errors ?? []).map((error) => error.extensions?.code);
