/**
 * Shared pieces of the upload tests (issue 14, /work/notes/files-spec.md): the orders service whose
 * `@rest` fields take `Upload` arguments (the REST fixture's `/record/...` routes keep the JSON they
 * receive), a gateway per test with its own key prefix (so `env.FILES.list()` of that prefix sees only
 * the test's objects), and readers of what the gateway answered, what R2 holds and what upstreams got.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { FileReference } from "../../src/files";
import { asRole, type Entry, hsAuth, testGateway } from "../fixtures/gateways";
import type { MultipartRequest } from "../fixtures/multipart";
import { type GraphQLBody, restUrl, type TestGateway, upstreamBase } from "../helpers";

/** The signing secret of the test gateways (FILES_SIGNING_SECRET). */
export const SIGNING_SECRET = "files-test-signing-secret-0123456789abcdef";

/** The orders SDL: REST fields taking uploads (`Upload` is provided by the gateway, undeclared here). */
export const ORDERS_SDL = `
scalar JSON
type Order { id: ID! file: JSON files: JSON invoice: JSON receipt: JSON }
extend type Query { orderPing: String @rest(service: "orders", endpoint: "ping") }
extend type Mutation {
  attachInvoice(orderId: ID!, file: Upload!): Order @rest(service: "orders", endpoint: "attachInvoice")
  attachInvoiceFailing(orderId: ID!, file: Upload!): Order @rest(service: "orders", endpoint: "failing")
  attachTwo(orderId: ID!, invoice: Upload!, receipt: Upload!): Order @rest(service: "orders", endpoint: "attachTwo")
  attachMany(orderId: ID!, files: [Upload!]!): Order @rest(service: "orders", endpoint: "attachMany")
}
`;

/** The orders service: every upload endpoint records its JSON body (fixtures/rest-upstream.ts). */
export const ORDERS = {
  name: "orders",
  endpoints: {
    ping: { method: "GET", path: "/record/ping" },
    attachInvoice: { method: "POST", path: "/record/orders/{args.orderId}/invoice", body: { file: "{args.file}" } },
    failing: { method: "POST", path: "/status/500", body: { file: "{args.file}" } },
    attachTwo: {
      method: "POST",
      path: "/record/orders/{args.orderId}/two",
      body: { invoice: "{args.invoice}", receipt: "{args.receipt}" },
    },
    attachMany: { method: "POST", path: "/record/orders/{args.orderId}/many", body: { files: "{args.files}" } },
  },
};

/** The mutation of the main case. */
export const ATTACH = `mutation Attach($orderId: ID!, $file: Upload!) { attachInvoice(orderId: $orderId, file: $file) { id file } }`;

/** The user id of {@link userHeaders}. */
export const USER_ID = "u1";

/** Authorization of user `u1` (role user). */
export const userHeaders = (): Promise<Record<string, string>> => asRole("user", USER_ID);

/** The key prefix of test `id`'s uploads of user u1 (keyPrefix `uploads/<id>/{session.x-hasura-user-id}/`). */
export const prefixOf = (id: string): string => `uploads/${id}/${USER_ID}/`;

/** The `files` section of test `id` (more wins). */
export function filesConfig(id: string, more: Entry = {}): Entry {
  return {
    keyPrefix: `uploads/${id}/{session.x-hasura-user-id}/`,
    maxFiles: 2,
    maxFileBytes: 1024 * 1024,
    allowedContentTypes: ["text/plain", "image/*", "application/pdf", "application/octet-stream"],
    rules: [
      { role: "user", prefix: `uploads/${id}/{session.x-hasura-user-id}/`, read: true, write: true, delete: true },
    ],
    ...more,
  };
}

/** A gateway with test `id`'s orders service (REST fixture), HS256 auth and `files` ({@link filesConfig}). */
export function ordersGateway(id: string, files: Entry = {}, more: Entry = {}): TestGateway {
  return testGateway(
    id,
    { auth: hsAuth(), services: [ORDERS], files: filesConfig(id, files), ...more },
    { files: { "schemas/orders.graphql": ORDERS_SDL }, env: { FILES_SIGNING_SECRET: SIGNING_SECRET } },
  );
}

/** A gateway with test `id`'s `uploads` remote (fixtures/upstreams.ts) and `files`. */
export function remoteGateway(id: string, remote: Entry = {}, files: Entry = {}): TestGateway {
  return testGateway(
    id,
    { auth: hsAuth(), remotes: [{ name: "uploads", ...remote }], files: filesConfig(id, files) },
    { env: { FILES_SIGNING_SECRET: SIGNING_SECRET } },
  );
}

/** An answer of the gateway, its body parsed (JSON or not). */
export interface Sent {
  status: number;
  headers: Headers;
  text: string;
  body: GraphQLBody & { error?: { code?: string; message?: string } };
}

/**
 * POSTs a multipart request to /graphql.
 * @param request - body and headers (from uploadForm, rawMultipart or lazyMultipart)
 * @param headers - more headers (authorization; they win)
 */
export async function send(
  gw: TestGateway,
  request: MultipartRequest,
  headers: Record<string, string> = {},
): Promise<Sent> {
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: { accept: "application/graphql-response+json, application/json", ...request.headers, ...headers },
    body: request.body,
    duplex: "half",
  } as RequestInit);
  const text = await res.text();
  let body: Sent["body"];
  try {
    body = JSON.parse(text) as Sent["body"];
  } catch {
    body = { errors: [{ message: `not JSON: ${text.slice(0, 300)}` }] };
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** The error code of an answer: the first GraphQL error's `extensions.code`, or a JSON `error.code`. */
export const codeOf = (answer: Sent): unknown =>
  answer.body.errors?.[0]?.extensions?.code ?? answer.body.error?.code ?? null;

/** Asserts a refused request: `status`, `code`, a message, and no data. */
export function refusedWith(answer: Sent, status: number, code: string): void {
  const context = `${answer.status} ${answer.text.slice(0, 800)}`;
  expect({ status: answer.status, code: codeOf(answer) }, context).toEqual({ status, code });
  expect(answer.body.errors?.[0]?.message ?? answer.body.error?.message, context).toBeTruthy();
  expect(answer.body.data ?? null, context).toBeNull();
}

/** Asserts a 200 answer without errors; returns its data. */
export function succeeded(answer: Sent): Record<string, unknown> {
  const context = `${answer.status} ${answer.text.slice(0, 1500)}`;
  expect(answer.body.errors, context).toBeUndefined();
  expect(answer.status, context).toBe(200);
  return answer.body.data as Record<string, unknown>;
}

/** The keys R2 holds under `prefix` (all pages). */
export async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const list = await env.FILES.list({ prefix, ...(cursor ? { cursor } : {}) });
    keys.push(...list.objects.map((object) => object.key));
    if (!list.truncated) break;
    cursor = list.cursor;
  }
  return keys;
}

/** The JSON bodies test `id`'s REST `/record/...` routes received, oldest first. */
export async function recordedBodies(id: string): Promise<Array<{ path: string; body: Record<string, unknown> }>> {
  const res = await fetch(`${restUrl(id)}/__bodies`);
  return (await res.json()) as Array<{ path: string; body: Record<string, unknown> }>;
}

/** A file reference, as the gateway sends it upstream. */
export type { FileReference };

/**
 * Asserts the shape of a reference: exactly the six keys, key under `prefix` and free of the client's
 * filename, an absolute signed URL to /files/<key>, the size, type and hash given.
 */
export function expectReference(
  reference: unknown,
  expected: { prefix: string; size: number; contentType: string; sha256: string; clientFilename: string },
): FileReference {
  const ref = reference as FileReference;
  expect(Object.keys(ref ?? {}).sort()).toEqual(["contentType", "filename", "key", "sha256", "size", "url"]);
  expect(ref.key.startsWith(expected.prefix), ref.key).toBe(true);
  expect(ref.key.length).toBeGreaterThan(expected.prefix.length);
  // The client's name (without extension; long enough not to occur in a random id by chance) is not in the key.
  const base = expected.clientFilename.replace(/\.[^.]*$/, "");
  if (base.length >= 5) expect(ref.key.includes(base), `${ref.key} must not contain ${base}`).toBe(false);
  const url = new URL(ref.url);
  expect(url.protocol).toMatch(/^https?:$/);
  expect(decodeURIComponent(url.pathname)).toBe(`/files/${ref.key}`);
  expect(url.searchParams.get("sig")).toMatch(/^[0-9a-f]{64}$/);
  expect(Number(url.searchParams.get("exp"))).toBeGreaterThan(Date.now() / 1000);
  expect({ size: ref.size, contentType: ref.contentType, sha256: ref.sha256 }).toEqual({
    size: expected.size,
    contentType: expected.contentType,
    sha256: expected.sha256,
  });
  return ref;
}

/** The multipart uploads Miniflare's local R2 holds under `prefix` (test/fixtures/r2-state.ts). */
export async function multipartUploads(prefix: string): Promise<Array<{ key: string; state: number }>> {
  const res = await fetch(`${upstreamBase()}/__r2/multipart?prefix=${encodeURIComponent(prefix)}`);
  const body = (await res.json()) as {
    available: boolean;
    error?: string;
    uploads: Array<{ key: string; state: number }>;
  };
  expect(body.available, `local R2 storage not readable: ${body.error ?? "no database"}`).toBe(true);
  return body.uploads;
}

/** Asserts that no multipart upload under `prefix` is left open (state 0, in progress). */
export async function expectNoOpenMultipartUpload(prefix: string): Promise<void> {
  const open = (await multipartUploads(prefix)).filter((upload) => upload.state === 0);
  expect(open, "open R2 multipart uploads").toEqual([]);
}
