import type { Hono } from "hono";
import {
  checkManifest,
  type DocumentProblem,
  type DocumentWarning,
  ID_RULE,
  MAX_MANIFEST_BYTES,
  parseDocumentId,
  validateDocuments,
} from "../documents";
import type { AppEnv } from "../env";
import { ErrorCode, GatewayError, ValidationError } from "../errors";

/** Ids per page of `GET /admin/documents` when `limit` is not given, and the most a page may hold (KV's list). */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

/** The canonical id of a route's `:id`, or NOT_FOUND when it cannot name a document. */
function idParam(raw: string): string {
  const id = parseDocumentId(raw);
  if (id === null) throw new GatewayError(ErrorCode.NOT_FOUND, `No document ${JSON.stringify(raw)}: ${ID_RULE}.`);
  return id.id;
}

/**
 * The trusted documents routes of the admin sub-app (behind its `x-admin-secret` check):
 * - `POST /admin/documents` (`?dryRun=true` checks without storing): a manifest `{ "<id>": "<document>" }`,
 *   stored all or none. A document that does not parse, whose SHA-256 id is not its text's, or whose
 *   opaque id is already stored with another text answers 400 `INVALID_DOCUMENT` with
 *   `documents: [{ id, reason }]` for each; else `{ stored, ids, warnings }` (`ids` canonical, in manifest
 *   order; `warnings`: `[{ id, message }]` for documents the current composed schema does not validate,
 *   which are stored anyway: a document may target a schema not deployed yet).
 * - `GET /admin/documents?cursor=&limit=`: `{ ids, cursor? }`, a page of stored ids (KV list order).
 * - `GET /admin/documents/:id`: the document's text (`text/plain`), 404 `NOT_FOUND` when not stored.
 * - `DELETE /admin/documents/:id`: `{ deleted: id }`, 404 `NOT_FOUND` when not stored.
 * `:id` may be `sha256:<hex>` or the bare hex.
 *
 * @param admin - the admin sub-app
 */
export function documentRoutes(admin: Hono<AppEnv>): void {
  admin.post("/documents", async (c) => {
    const tooLarge = () =>
      new ValidationError(
        ErrorCode.BAD_REQUEST,
        `The manifest is over ${MAX_MANIFEST_BYTES} bytes: send it in parts (npm run documents:push does).`,
      );
    // A declared length is refused before the body is read; the text is measured anyway.
    if (Number(c.req.header("content-length") ?? 0) > MAX_MANIFEST_BYTES) throw tooLarge();
    const text = await c.req.text();
    if (new TextEncoder().encode(text).byteLength > MAX_MANIFEST_BYTES) throw tooLarge();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ValidationError(ErrorCode.BAD_REQUEST, "The manifest is not JSON.");
    }
    const { documents: store, registry } = c.get("gateway");
    const { documents, problems } = await checkManifest(body);
    // Ids are immutable: an opaque id already stored with another text is refused (SHA-256 ids cannot differ).
    const stored = await Promise.all(documents.map((document) => store.read(document.id)));
    const fresh = documents.filter((document, i) => {
      const before = stored[i];
      if (before === null || before === undefined) return true;
      if (before !== document.text) {
        problems.push({
          id: document.id,
          reason: "is already stored with another text (ids are immutable: DELETE it first, or use a new id)",
        });
      }
      return false;
    });
    if (problems.length > 0) {
      throw new GatewayError(
        ErrorCode.INVALID_DOCUMENT,
        `${problems.length} document(s) of the manifest cannot be stored; none was stored.`,
        { extensions: { documents: problems satisfies DocumentProblem[] } },
      );
    }
    let warnings: DocumentWarning[];
    try {
      const schema = await registry.getSchema((promise) => c.executionCtx.waitUntil(promise));
      warnings = validateDocuments(schema, documents);
    } catch (error) {
      const message = `not validated: no schema is available (${error instanceof Error ? error.message : String(error)})`;
      warnings = documents.map((document) => ({ id: document.id, message }));
    }
    const ids = documents.map((document) => document.id);
    if (c.req.query("dryRun") === "true") return c.json({ stored: 0, ids, warnings, dryRun: true });
    await store.put(fresh.map(({ id, text }) => ({ id, text })));
    c.get("log").info({ documents: ids.length, written: fresh.length }, "trusted documents stored");
    return c.json({ stored: ids.length, ids, warnings });
  });

  admin.get("/documents", async (c) => {
    const limitParam = c.req.query("limit");
    const limit = limitParam === undefined ? DEFAULT_PAGE : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new ValidationError(ErrorCode.BAD_REQUEST, `limit must be an integer from 1 to ${MAX_PAGE}.`);
    }
    const cursor = c.req.query("cursor") || undefined;
    return c.json(await c.get("gateway").documents.list(cursor, limit));
  });

  admin.get("/documents/:id", async (c) => {
    const id = idParam(c.req.param("id"));
    const text = await c.get("gateway").documents.read(id);
    if (text === null) throw new GatewayError(ErrorCode.NOT_FOUND, `No trusted document ${id}.`);
    return c.text(text, 200, { "content-type": "text/plain; charset=utf-8" });
  });

  admin.delete("/documents/:id", async (c) => {
    const id = idParam(c.req.param("id"));
    if (!(await c.get("gateway").documents.delete(id))) {
      throw new GatewayError(ErrorCode.NOT_FOUND, `No trusted document ${id}.`);
    }
    c.get("log").info({ documentId: id }, "trusted document deleted");
    return c.json({ deleted: id });
  });
}
