/**
 * `npm run documents:push <manifest.json>`: uploads a client's trusted documents to a running gateway
 * (`POST /admin/documents`) and keeps a copy of the manifest in schemas/documents/ for
 * `npm run schema:check`, which validates every manifest there against the next schema.
 *
 * The manifest is `{ "<id>": "<GraphQL document>" }`, as graphql-codegen's client preset
 * (`persisted-documents.json`) and Relay (`persisted_queries.json`) emit it. It is sent in parts of at most
 * 100 documents and 512 KiB (the route takes 200 and 1 MiB): every part is first checked with
 * `?dryRun=true`, and only when all pass are they stored, so a bad document stores nothing.
 *
 * Usage: npm run documents:push -- <manifest.json> [--no-save] [--dry-run]
 *   --no-save   do not copy the manifest to schemas/documents/<manifest basename>.json
 *   --dry-run   check every part, store nothing, save nothing
 * Env:   GATEWAY_URL (default http://127.0.0.1:8787, what `npm run dev` serves) and ADMIN_SECRET, from the
 *        environment or .dev.vars (the environment wins).
 * Exit:  0 stored (or checked), 1 the gateway refused or could not be reached (its error printed), 2 usage.
 * Node built-ins, and scripts/lifecycle.mjs for the project root and its variables.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DOCUMENTS_DIR, projectVars, ROOT } from "./lifecycle.mjs";

/** Documents per request (the route takes at most 200). */
export const CHUNK_DOCUMENTS = 100;
/** Bytes of JSON per request (the route takes at most 1 MiB). */
export const CHUNK_BYTES = 512 * 1024;
/** How long one request may take, ms. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A usage or input error (exit 2). */
export class UsageError extends Error {}

/**
 * Splits a manifest into parts of at most `maxDocuments` documents and about `maxBytes` of JSON each.
 * @param {Record<string, string>} manifest
 * @param {number} maxDocuments
 * @param {number} maxBytes
 * @returns {Record<string, string>[]} the parts, in manifest order
 */
export function chunks(manifest, maxDocuments = CHUNK_DOCUMENTS, maxBytes = CHUNK_BYTES) {
  const parts = [];
  let part = {};
  let count = 0;
  let bytes = 2;
  for (const [id, text] of Object.entries(manifest)) {
    const size = Buffer.byteLength(JSON.stringify(id)) + Buffer.byteLength(JSON.stringify(text)) + 2;
    if (count > 0 && (count >= maxDocuments || bytes + size > maxBytes)) {
      parts.push(part);
      part = {};
      count = 0;
      bytes = 2;
    }
    part[id] = text;
    count++;
    bytes += size;
  }
  if (count > 0) parts.push(part);
  return parts;
}

/**
 * Reads and checks a manifest file: a JSON object whose values are strings.
 * @param {string} path
 * @returns {Record<string, string>}
 * @throws UsageError naming the file and the problem
 */
export function readManifest(path) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${path}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  }
  if (manifest === null || typeof manifest !== "object" || Array.isArray(manifest)) {
    throw new UsageError(`${path}: a manifest is a JSON object { "<id>": "<GraphQL document>" }`);
  }
  for (const [id, text] of Object.entries(manifest)) {
    if (typeof text !== "string") throw new UsageError(`${path}: the document "${id}" is not a string`);
  }
  return manifest;
}

/**
 * One `POST /admin/documents`.
 * @returns {Promise<{ ok: boolean, status: number, body: any }>}
 */
async function post(gatewayUrl, adminSecret, part, dryRun) {
  const url = new URL(`/admin/documents${dryRun ? "?dryRun=true" : ""}`, gatewayUrl);
  let res;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-admin-secret": adminSecret },
      body: JSON.stringify(part),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    return {
      ok: false,
      status: 0,
      body: { error: { code: "UNREACHABLE", message: `${url.origin}: ${error.cause?.message ?? error.message}` } },
    };
  }
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { code: `HTTP_${res.status}`, message: text.slice(0, 500) } };
  }
  return { ok: res.ok, status: res.status, body };
}

/** The lines describing a refused request: the gateway's code and message, and each bad document. */
function refusal(result, index, total) {
  const error = result.body?.error ?? {};
  const lines = [
    `✘ part ${index + 1}/${total}: ${result.status || "no answer"} ${error.code ?? ""}: ${error.message ?? ""}`,
  ];
  for (const document of error.documents ?? []) lines.push(`  ✘ ${document.id}: ${document.reason}`);
  return lines;
}

/**
 * Pushes a manifest: every part checked (`?dryRun=true`), then stored; the manifest copied to
 * schemas/documents/ on success.
 * @param {{ manifestPath: string, gatewayUrl: string, adminSecret: string, save?: boolean, dryRun?: boolean,
 *   root?: string, maxDocuments?: number, maxBytes?: number }} options
 * @returns {Promise<{ ok: boolean, stored: number, ids: string[], warnings: { id: string, message: string }[],
 *   requests: number, saved: string | null, lines: string[] }>} what happened; `lines` is the printed summary
 * @throws UsageError for an unreadable or malformed manifest
 */
export async function pushDocuments(options) {
  const { manifestPath, gatewayUrl, adminSecret, save = true, dryRun = false, root = ROOT } = options;
  const manifest = readManifest(manifestPath);
  const parts = chunks(manifest, options.maxDocuments, options.maxBytes);
  const lines = [];
  const outcome = { ok: false, stored: 0, ids: [], warnings: [], requests: 0, saved: null, lines };
  // First every part is checked, so that a bad document anywhere stores nothing.
  for (const [index, part] of parts.entries()) {
    const result = await post(gatewayUrl, adminSecret, part, true);
    outcome.requests++;
    if (!result.ok) {
      lines.push(...refusal(result, index, parts.length), "nothing was stored");
      return outcome;
    }
    outcome.warnings.push(...(result.body.warnings ?? []));
  }
  if (!dryRun) {
    for (const [index, part] of parts.entries()) {
      const result = await post(gatewayUrl, adminSecret, part, false);
      outcome.requests++;
      if (!result.ok) {
        lines.push(...refusal(result, index, parts.length), `parts 1 to ${index} of ${parts.length} were stored`);
        return outcome;
      }
      outcome.stored += result.body.stored;
      outcome.ids.push(...result.body.ids);
    }
  }
  for (const warning of outcome.warnings) lines.push(`  ! ${warning.id}: ${warning.message}`);
  if (!dryRun && save) {
    const name = `${basename(manifestPath, extname(manifestPath))}.json`;
    const target = join(root, DOCUMENTS_DIR, name);
    if (resolve(target) !== resolve(manifestPath)) {
      mkdirSync(join(root, DOCUMENTS_DIR), { recursive: true });
      copyFileSync(manifestPath, target);
    }
    outcome.saved = `${DOCUMENTS_DIR}/${name}`;
  }
  const count = Object.keys(manifest).length;
  lines.push(
    `✔ ${dryRun ? "checked" : "stored"} ${count} document(s) at ${new URL(gatewayUrl).origin} in ${parts.length} part(s), ${outcome.warnings.length} warning(s) (documents the current schema does not validate)${outcome.saved ? `; saved ${outcome.saved} for npm run schema:check` : ""}`,
  );
  outcome.ok = true;
  return outcome;
}

/** The command line: arguments, variables, exit code. */
async function main(argv) {
  const flags = new Set(argv.filter((arg) => arg.startsWith("--")));
  const files = argv.filter((arg) => !arg.startsWith("--"));
  const unknown = [...flags].filter((flag) => flag !== "--no-save" && flag !== "--dry-run");
  if (files.length !== 1 || unknown.length > 0) {
    console.error("usage: npm run documents:push -- <manifest.json> [--no-save] [--dry-run]");
    return 2;
  }
  const vars = projectVars();
  const adminSecret = vars.ADMIN_SECRET;
  if (!adminSecret) {
    console.error("ADMIN_SECRET is not set (environment or .dev.vars)");
    return 2;
  }
  const gatewayUrl = vars.GATEWAY_URL || "http://127.0.0.1:8787";
  try {
    const outcome = await pushDocuments({
      manifestPath: resolve(files[0]),
      gatewayUrl,
      adminSecret,
      save: !flags.has("--no-save"),
      dryRun: flags.has("--dry-run"),
    });
    for (const line of outcome.lines) (outcome.ok ? console.log : console.error)(line);
    return outcome.ok ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    return 2;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
