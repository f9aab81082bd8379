/**
 * docs/errors.md lists every code of the error table (src/errors/codes.ts) with its HTTP status, so the
 * docs cannot drift from what the gateway answers. Run by `npm test` (`node --test scripts/`).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const root = new URL("..", import.meta.url);
const read = (path) => readFileSync(new URL(path, root), "utf8");

/** Code -> status ("cause" or a number as text), read from the table's source. */
function tableOf(source) {
  const table = new Map();
  const entry = /^ {2}([A-Z_]+): \{\s*status: ("cause"|\d+),/gm;
  for (const match of source.matchAll(entry)) table.set(match[1], match[2].replaceAll('"', ""));
  return table;
}

/** Code -> status column, read from docs/errors.md's rows (`| \`CODE\` | 400 | ... |`). */
function docsOf(markdown) {
  const rows = new Map();
  for (const match of markdown.matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \|/gm)) rows.set(match[1], match[2].trim());
  return rows;
}

test("every code of src/errors/codes.ts has a row in docs/errors.md with its status", () => {
  const table = tableOf(read("src/errors/codes.ts"));
  assert.ok(table.size >= 20, `read only ${table.size} codes from codes.ts`);
  const docs = docsOf(read("docs/errors.md"));
  for (const [code, status] of table) {
    assert.ok(docs.has(code), `docs/errors.md has no row for ${code}`);
    const expected = status === "cause" ? "its cause's" : status;
    assert.equal(
      docs.get(code),
      expected,
      `docs/errors.md gives ${code} status ${docs.get(code)}, codes.ts ${expected}`,
    );
  }
  for (const code of docs.keys())
    assert.ok(table.has(code), `docs/errors.md lists ${code}, which codes.ts does not have`);
});
