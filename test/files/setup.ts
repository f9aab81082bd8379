/**
 * The files tests' gateways and objects: a `files` config with the issue's rules (users own
 * `uploads/<user id>/`, anonymous callers read `public/`), objects put straight into the test R2
 * bucket (binding FILES), and an HMAC signer independent of src/files/signing.ts.
 */
import { env } from "cloudflare:workers";
import { type Entry, hsAuth, testGateway } from "../fixtures/gateways";
import { type TestGateway, uniqueId } from "../helpers";

/** FILES_SIGNING_SECRET of the test gateways. */
export const SIGNING_SECRET = "files-signing-test-secret-0123456789";

/** The rules, plus a read-only role and one whose earlier rule hides a sub-prefix. */
export const FILES_CONFIG: Entry = {
  keyPrefix: "uploads/{session.x-hasura-user-id}/",
  rules: [
    { role: "user", prefix: "uploads/{session.x-hasura-user-id}/", read: true, write: true, delete: true },
    { role: "user", prefix: "public/", read: true },
    { role: "anonymous", prefix: "public/", read: true },
    { role: "auditor", prefix: "uploads/hidden/", read: false },
    { role: "auditor", prefix: "uploads/", read: true },
  ],
  graphql: true,
};

/**
 * A gateway with `files` (FILES_CONFIG, `more` merged in) and HS256 auth.
 * @param options - `anonymous`: an unauthenticated role "anonymous" (default true); `secret`: FILES_SIGNING_SECRET
 */
export function filesGateway(
  more: Entry = {},
  options: { anonymous?: boolean; secret?: string; spec?: Entry } = {},
): TestGateway {
  const auth = hsAuth({}, options.anonymous === false ? {} : { unauthenticatedRole: "anonymous" });
  return testGateway(
    uniqueId("files"),
    { auth, files: { ...FILES_CONFIG, ...more }, ...options.spec },
    { env: { FILES_SIGNING_SECRET: options.secret ?? SIGNING_SECRET } },
  );
}

/**
 * Puts an object into the test bucket with the metadata the upload path stores.
 * @returns the object's key and bytes
 */
export async function putFile(
  key: string,
  body: string | Uint8Array<ArrayBuffer>,
  meta: { filename?: string; contentType?: string; uploaderId?: string } = {},
): Promise<{ key: string; bytes: Uint8Array<ArrayBuffer> }> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const contentType = meta.contentType ?? "text/plain";
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const sha256 = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  await env.FILES.put(key, bytes, {
    httpMetadata: { contentType },
    customMetadata: {
      filename: meta.filename ?? "report.txt",
      contentType,
      sha256,
      size: String(bytes.length),
      uploaderId: meta.uploaderId ?? "",
      uploaderRole: "user",
      uploadedAt: "2026-01-02T03:04:05.000Z",
    },
  });
  return { key, bytes };
}

/** A fresh user id and the key prefix the rules give them. */
export function newUser(): { id: string; prefix: string } {
  const id = uniqueId("u");
  return { id, prefix: `uploads/${id}/` };
}

/** HMAC-SHA256 over `<key>\n<exp>` in hex, computed here (not with src/files/signing.ts). */
export async function sign(key: string, exp: number | string, secret = SIGNING_SECRET): Promise<string> {
  const hmac = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${key}\n${exp}`)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The path of `key` under /files (each segment encoded). */
export const filePath = (key: string): string => `/files/${key.split("/").map(encodeURIComponent).join("/")}`;

/** The `error.code` of a JSON error answer. */
export async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code;
}
