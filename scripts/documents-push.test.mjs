/**
 * `npm run documents:push` against a real loopback HTTP server standing in for the gateway's
 * `POST /admin/documents` (admin secret, `?dryRun=true`, 400 INVALID_DOCUMENT for a document whose
 * SHA-256 id is not its text's): parts, check-then-store, the saved copy, exit codes and printed errors.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { chunks, pushDocuments } from "./documents-push.mjs";

const SECRET = "push-test-secret";
const SCRIPT = fileURLToPath(new URL("./documents-push.mjs", import.meta.url));
const sha = (text) => createHash("sha256").update(text).digest("hex");

/** What the stand-in gateway received: `{ dryRun, ids }` per request, and what it stored. */
let requests = [];
let stored = new Map();
let server;
let url;
const dirs = [];

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const answer = (status, value) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const path = new URL(req.url, "http://x");
      if (req.method !== "POST" || path.pathname !== "/admin/documents")
        return answer(404, { error: { code: "NOT_FOUND" } });
      if (req.headers["x-admin-secret"] !== SECRET) {
        return answer(401, { error: { code: "UNAUTHORIZED", message: "Missing or wrong x-admin-secret header" } });
      }
      const manifest = JSON.parse(body);
      const dryRun = path.searchParams.get("dryRun") === "true";
      requests.push({ dryRun, ids: Object.keys(manifest) });
      const bad = Object.entries(manifest)
        .filter(([id, text]) => id.replace(/^sha256:/, "") !== sha(text))
        .map(([id]) => ({ id, reason: "the SHA-256 of its text is not its id" }));
      if (bad.length > 0) {
        return answer(400, {
          error: { code: "INVALID_DOCUMENT", message: `${bad.length} document(s) cannot be stored`, documents: bad },
        });
      }
      const ids = Object.keys(manifest).map((id) => (id.startsWith("sha256:") ? id : `sha256:${id}`));
      if (!dryRun) for (const [id, text] of Object.entries(manifest)) stored.set(id, text);
      const warnings = ids
        .filter((_, i) => Object.values(manifest)[i].includes("old"))
        .map((id) => ({ id, message: 'Cannot query field "old"' }));
      return answer(200, { stored: dryRun ? 0 : ids.length, ids, warnings });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  requests = [];
  stored = new Map();
});

/** A temporary project root and a manifest file of `count` documents (+ `extra`) in it. */
function manifestFile(count, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), "junction-documents-push-"));
  dirs.push(dir);
  const manifest = {};
  for (let i = 0; i < count; i++) {
    const text = `query Q${i} { me { id${i % 7 === 0 ? " old" : ""} } }`;
    manifest[sha(text)] = text;
  }
  Object.assign(manifest, extra);
  const path = join(dir, "web-app.json");
  writeFileSync(path, JSON.stringify(manifest));
  return { dir, path, manifest };
}

/** Runs the command with GATEWAY_URL / ADMIN_SECRET; resolves `{ code, stdout, stderr }`. */
function run(args, env = {}) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { env: { ...process.env, GATEWAY_URL: url, ADMIN_SECRET: SECRET, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }),
    );
  });
}

describe("documents:push", () => {
  it("checks every part, then stores them, 100 documents a part, and saves the manifest for schema:check", async () => {
    const { dir, path, manifest } = manifestFile(250);
    const outcome = await pushDocuments({ manifestPath: path, gatewayUrl: url, adminSecret: SECRET, root: dir });
    assert.equal(outcome.ok, true, outcome.lines.join("\n"));
    assert.deepEqual(
      requests.map((r) => [r.dryRun, r.ids.length]),
      [
        [true, 100],
        [true, 100],
        [true, 50],
        [false, 100],
        [false, 100],
        [false, 50],
      ],
    );
    assert.equal(stored.size, 250);
    assert.equal(outcome.stored, 250);
    assert.equal(outcome.warnings.length, 36);
    assert.equal(outcome.saved, "schemas/documents/web-app.json");
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "schemas/documents/web-app.json"), "utf8")), manifest);
    assert.match(outcome.lines.at(-1), /stored 250 document\(s\) .* in 3 part\(s\), 36 warning\(s\)/);
  });

  it("splits by bytes too", () => {
    const big = "x".repeat(300 * 1024);
    const parts = chunks({ a: big, b: big, c: "{ me { id } }" });
    assert.deepEqual(
      parts.map((part) => Object.keys(part)),
      [["a"], ["b", "c"]],
    );
  });

  it("stores nothing and saves nothing when the gateway refuses a document of any part, printing each bad id (exit 1)", async () => {
    const { dir, path } = manifestFile(150, { [sha("{ a }")]: "{ b }" });
    const result = await run([path]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /part 2\/2: 400 INVALID_DOCUMENT: 1 document\(s\) cannot be stored/);
    assert.match(result.stderr, new RegExp(`✘ ${sha("{ a }")}: the SHA-256 of its text is not its id`));
    assert.match(result.stderr, /nothing was stored/);
    assert.equal(requests.filter((r) => !r.dryRun).length, 0);
    assert.equal(stored.size, 0);
    assert.equal(existsSync(join(dir, "schemas/documents")), false);
  });

  it("prints the gateway's error for a wrong secret and an unreachable gateway (exit 1)", async () => {
    const { path } = manifestFile(3);
    const wrong = await run([path, "--no-save"], { ADMIN_SECRET: "nope" });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401 UNAUTHORIZED: Missing or wrong x-admin-secret header/);
    const down = await run([path, "--no-save"], { GATEWAY_URL: "http://127.0.0.1:9" });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /UNREACHABLE: http:\/\/127\.0\.0\.1:9/);
  });

  it("stores with --no-save (exit 0, summary on stdout), checks only with --dry-run, and refuses bad usage (exit 2)", async () => {
    const { path } = manifestFile(3);
    const ok = await run([path, "--no-save"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /stored 3 document\(s\)/);
    assert.doesNotMatch(ok.stdout, /saved/);
    assert.equal(stored.size, 3);
    stored = new Map();
    const dry = await run([path, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /checked 3 document\(s\)/);
    assert.equal(stored.size, 0);
    assert.equal((await run([])).code, 2);
    const notManifest = manifestFile(0).path;
    writeFileSync(notManifest, "[1, 2]");
    const bad = await run([notManifest, "--no-save"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /a manifest is a JSON object/);
  });
});
