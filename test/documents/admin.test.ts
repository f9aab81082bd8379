/**
 * The trusted documents admin routes (docs/schema-lifecycle.md): `POST /admin/documents` stores
 * a manifest all or none (400 INVALID_DOCUMENT listing each bad id and why), warns about documents the
 * current schema does not validate, keeps ids immutable; `GET /admin/documents` pages ids with KV's
 * cursor; `GET` / `DELETE /admin/documents/:id`; every route behind the admin secret.
 */
import { describe, expect, it } from "vitest";
import { uniqueId } from "../helpers";
import { admin, apollo, codes, documentsGateway, post, push, sha256 } from "./helpers";

const ME = "query Me { me { id name } }";
const USER = "query User($id: ID!) { user(id: $id) { id name } }";

describe("admin routes of trusted documents", () => {
  it("need the admin secret: 401 UNAUTHORIZED without it, nothing stored", async () => {
    const gw = documentsGateway(uniqueId(), "require");
    const hash = await sha256(ME);
    const wrong = { "x-admin-secret": "nope" };
    const pushed = await push(gw, { [hash]: ME }, "", wrong);
    expect(pushed.status).toBe(401);
    expect(pushed.body.error.code).toBe("UNAUTHORIZED");
    for (const [path, method] of [
      ["/admin/documents", "GET"],
      [`/admin/documents/${hash}`, "GET"],
      [`/admin/documents/${hash}`, "DELETE"],
    ] as const) {
      expect((await admin(gw, path, method, {})).status, `${method} ${path}`).toBe(401);
    }
    expect((await admin(gw, `/admin/documents/${hash}`)).status).toBe(404);
    expect(codes((await post(gw, { documentId: hash })).body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });

  it("refuses a manifest with bad documents with 400 INVALID_DOCUMENT listing each bad id and why, and stores none of it", async () => {
    const gw = documentsGateway(uniqueId(), "allow");
    const good = await sha256(ME);
    const manifest = {
      [good]: ME,
      [await sha256("{ me {")]: "{ me {",
      [`sha256:${await sha256("{ me { id } }")}`]: "{ me { id name } }",
      "not/an id": "{ me { id } }",
      "sdl-doc": "type Query { x: Int }",
      "fragments-only": "fragment F on User { id }",
      numbered: 42,
    };
    const res = await push(gw, manifest);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_DOCUMENT");
    const reasons = Object.fromEntries(
      (res.body.error.documents as { id: string; reason: string }[]).map((d) => [d.id, d.reason]),
    );
    expect(Object.keys(reasons).sort()).toEqual(
      Object.keys(manifest)
        .filter((id) => id !== good)
        .sort(),
    );
    expect(reasons[await sha256("{ me {")]).toMatch(/does not parse: Syntax Error/);
    expect(reasons[`sha256:${await sha256("{ me { id } }")}`]).toMatch(/SHA-256 of its text is [0-9a-f]{64}, not/);
    expect(reasons["not/an id"]).toMatch(/not a valid id/);
    expect(reasons["sdl-doc"]).toMatch(/not an executable document/);
    expect(reasons["fragments-only"]).toMatch(/no operation/);
    expect(reasons.numbered).toMatch(/not a string/);
    // All or none: the good document was not stored either.
    expect((await admin(gw, "/admin/documents")).body).toEqual({ ids: [] });
    expect((await admin(gw, `/admin/documents/${good}`)).status).toBe(404);
    expect((await post(gw, { extensions: apollo(good) })).status).toBe(404);
    // Not a manifest at all.
    for (const body of ["[]", "not json", JSON.stringify("text")]) {
      const bad = await push(gw, body);
      expect(bad.status, body).toBe(400);
      expect(bad.body.error.code, body).toBe("BAD_REQUEST");
    }
  });

  it("stores a manifest ({ stored, ids } with canonical ids), warns about documents the schema does not validate, serves and deletes them", async () => {
    const gw = documentsGateway(uniqueId(), "require");
    const me = await sha256(ME);
    const stale = "query Old { me { id nickname } }";
    const manifest = { [me]: ME, [`sha256:${await sha256(USER)}`]: USER, "relay:0a1b2c": stale };
    const dry = await push(gw, manifest, "?dryRun=true");
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ stored: 0, dryRun: true });
    expect((await admin(gw, "/admin/documents")).body.ids).toEqual([]);
    const res = await push(gw, manifest);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.stored).toBe(3);
    expect(res.body.ids).toEqual([`sha256:${me}`, `sha256:${await sha256(USER)}`, "relay:0a1b2c"]);
    expect(res.body.warnings).toEqual([
      { id: "relay:0a1b2c", message: expect.stringMatching(/Cannot query field "nickname"/) },
    ]);
    // Stored anyway (it may target a schema not deployed yet): it runs into the same validation error.
    const oldRun = await post(gw, { documentId: "relay:0a1b2c" });
    expect(oldRun.status).toBe(400);
    expect(oldRun.body.errors[0].message).toMatch(/nickname/);
    // Read by either form of a SHA-256 id.
    for (const path of [`/admin/documents/${me}`, `/admin/documents/sha256:${me}`]) {
      expect((await admin(gw, path)).body).toBe(ME);
    }
    // Pushing again is fine; an opaque id with another text is refused (ids are immutable).
    expect((await push(gw, { [me]: ME })).status).toBe(200);
    const changed = await push(gw, { "relay:0a1b2c": ME });
    expect(changed.status).toBe(400);
    expect(changed.body.error.documents[0].reason).toMatch(/already stored with another text/);
    // Delete.
    expect((await admin(gw, `/admin/documents/sha256:${me}`, "DELETE")).body).toEqual({ deleted: `sha256:${me}` });
    expect((await admin(gw, `/admin/documents/${me}`, "DELETE")).status).toBe(404);
    expect((await admin(gw, `/admin/documents/${me}`)).status).toBe(404);
    expect(codes((await post(gw, { documentId: me })).body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });

  it("refuses a manifest over 200 documents or 1 MiB with 400 BAD_REQUEST, pointing at documents:push", async () => {
    const gw = documentsGateway(uniqueId(), "allow");
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`doc-${i}`, `query Q${i} { me { id } }`]));
    const tooMany = await push(gw, many);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/201 documents; at most 200 .*documents:push/);
    const big = await push(gw, { "big-1": `query Big { me { id } } # ${"x".repeat(1_100_000)}` });
    expect(big.status).toBe(400);
    expect(big.body.error.message).toMatch(/over 1048576 bytes/);
    expect((await admin(gw, "/admin/documents")).body).toEqual({ ids: [] });
  });

  it("lists ids a page at a time with KV's cursor", async () => {
    const gw = documentsGateway(uniqueId(), "allow");
    const texts = Array.from({ length: 5 }, (_, i) => `query Q${i} { me { id } }`);
    const manifest = Object.fromEntries(await Promise.all(texts.map(async (text) => [await sha256(text), text])));
    expect((await push(gw, manifest)).status).toBe(200);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await admin(gw, `/admin/documents?limit=2${cursor === undefined ? "" : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      expect(res.body.ids.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.ids);
      cursor = res.body.cursor;
      if (cursor === undefined) break;
    }
    expect(seen.sort()).toEqual(
      Object.keys(manifest)
        .map((hash) => `sha256:${hash}`)
        .sort(),
    );
    expect((await admin(gw, "/admin/documents?limit=0")).status).toBe(400);
  });
});
