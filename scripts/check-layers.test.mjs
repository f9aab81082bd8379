/**
 * Tests of scripts/check-layers.mjs on small fake src trees written to a temporary directory.
 * Run with `npm run test:scripts` (`node --test scripts/`).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkLayers, formatReport, readImports } from "./check-layers.mjs";

const SCRIPT = fileURLToPath(new URL("./check-layers.mjs", import.meta.url));
const temp = mkdtempSync(path.join(tmpdir(), "check-layers-"));
after(() => rmSync(temp, { recursive: true, force: true }));

let trees = 0;
/**
 * Writes a fake tree and returns its `src` directory.
 * @param {Record<string, string>} files file contents by path relative to `src`
 * @returns {string} the absolute `src` directory
 */
function tree(files) {
  const root = path.join(temp, `tree-${++trees}`, "src");
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** A clean tree using every allowed pattern; the failing cases below each add one violation to it. */
const CLEAN = {
  "index.ts": 'import { createApp } from "./app";\nexport default createApp;\n',
  "app.ts":
    'import { login } from "./auth";\nimport { Env } from "./env";\nexport const createApp = () => [login, Env];\n',
  "env.ts": "export const Env = 1;\n",
  // a file in a folder importing a root file, and its own folder's files
  "auth/index.ts": 'export { login } from "./login";\n',
  "auth/login.ts":
    'import { Env } from "../env";\nimport { secret } from "./secrets";\nexport const login = () => Env + secret;\n',
  "auth/secrets.ts": 'import type { login } from "./login";\nexport const secret = 2;\nexport type L = typeof login;\n',
  // a sub-folder importing a file of its parent folder, and a folder through its index.ts
  "sources/index.ts": 'export { call } from "./rest";\n',
  "sources/transport.ts": "export const transport = 3;\n",
  "sources/rest/index.ts": 'export { call } from "./call";\n',
  "sources/rest/call.ts":
    'import { login } from "../../auth";\nimport { transport } from "../transport";\nimport data from "./data.json";\nexport const call = () => [login, transport, data];\n',
  "sources/rest/data.json": "{}\n",
  "compose/index.ts":
    'import { call } from "../sources";\nimport * as graphql from "graphql";\nexport const compose = [call, graphql];\n',
  // generated files are not checked as importers
  "generated/schema-files.ts": 'import { call } from "../sources/rest/call";\nexport const files = call;\n',
};

/** Runs the checker and returns its findings shown relative to the tree (`src/...`). */
function check(root) {
  const result = checkLayers(root);
  const show = (file) => path.relative(path.dirname(root), file);
  return {
    result,
    report: formatReport(result),
    deep: result.deepImports.map((d) => `${show(d.from)}:${d.line} ${d.specifier} -> ${d.instead}`),
    cycles: result.cycles.map((c) => c.nodes.map(show).join(" -> ")),
  };
}

describe("check-layers", () => {
  test("passes on a clean tree", () => {
    const { result, report, deep, cycles } = check(tree(CLEAN));
    assert.equal(result.files, 11);
    assert.deepEqual(deep, []);
    assert.deepEqual(cycles, []);
    assert.deepEqual(result.unresolved, []);
    assert.equal(report.ok, true);
    assert.equal(report.text, "✔ layers: 11 files, no deep import, no cycle between folders");
  });

  test("(a) fails on a cycle between two folders through their index.ts", () => {
    const { deep, cycles, report } = check(
      tree({
        ...CLEAN,
        "auth/login.ts":
          'import { Env } from "../env";\nimport { compose } from "../compose";\nexport const login = () => [Env, compose];\n',
      }),
    );
    assert.deepEqual(deep, []);
    // auth -> compose -> sources -> auth
    assert.deepEqual(cycles, ["src/auth -> src/compose -> src/sources -> src/auth"]);
    assert.equal(report.ok, false);
    assert.match(report.text, /src\/auth -> src\/compose: src\/auth\/login\.ts:2 "\.\.\/compose"/);
    assert.match(report.text, /src\/sources -> src\/auth: src\/sources\/rest\/call\.ts:1 "\.\.\/\.\.\/auth"/);
  });

  test("(b) fails on a cycle made only of type-only imports", () => {
    const { deep, cycles } = check(
      tree({
        ...CLEAN,
        "env.ts": 'import type { login } from "./auth";\nexport const Env = 1;\nexport type Login = typeof login;\n',
        "auth/login.ts": 'import type { Env } from "../env";\nexport const login = (env: typeof Env) => env;\n',
        "auth/secrets.ts": "export const secret = 2;\n",
      }),
    );
    assert.deepEqual(deep, []);
    assert.deepEqual(cycles, ["src/auth -> src/env.ts -> src/auth"]);
  });

  test("(b') type-only re-exports and dynamic imports count too", () => {
    const { cycles } = check(
      tree({
        ...CLEAN,
        "env.ts": 'export type { login } from "./auth";\nexport const Env = 1;\n',
        "auth/login.ts": 'export const login = () => import("../env");\n',
      }),
    );
    assert.deepEqual(cycles, ["src/auth -> src/env.ts -> src/auth"]);
  });

  test("(c) fails on deep imports, and names the index.ts to import instead", () => {
    const { deep, cycles, report } = check(
      tree({
        ...CLEAN,
        "app.ts": 'import { secret } from "./auth/secrets";\nexport const createApp = () => secret;\n',
        "compose/index.ts": 'import { call } from "../sources/rest";\nexport const compose = call;\n',
        "compose/keys.ts": 'import { call } from "../sources/rest/call.ts";\nexport const keys = call;\n',
      }),
    );
    assert.deepEqual(deep, [
      "src/app.ts:1 ./auth/secrets -> ./auth",
      "src/compose/index.ts:1 ../sources/rest -> ../sources",
      "src/compose/keys.ts:1 ../sources/rest/call.ts -> ../sources",
    ]);
    assert.deepEqual(cycles, []);
    assert.equal(report.ok, false);
    assert.match(report.text, /src\/app\.ts:1 "\.\/auth\/secrets" reaches src\/auth\/secrets\.ts inside src\/auth\//);
  });

  test("a deep import into a folder without index.ts says so", () => {
    const { deep, report } = check(
      tree({ ...CLEAN, "plugins/a.ts": "export const a = 1;\n", "app.ts": 'export { a } from "./plugins/a";\n' }),
    );
    assert.deepEqual(deep, ["src/app.ts:1 ./plugins/a -> ./plugins"]);
    assert.match(report.text, /\(src\/plugins\/index\.ts does not exist yet\)/);
  });

  test("a cycle between a folder and root files runs through plain-file links; plain files alone do not count", () => {
    // observability -> env.ts -> gateway.ts -> observability: a folder cycle through two root files
    const { cycles } = check(
      tree({
        ...CLEAN,
        "env.ts": 'import type { Gateway } from "./gateway";\nexport const Env = 1;\nexport type G = Gateway;\n',
        "gateway.ts": 'import { log } from "./observability";\nexport type Gateway = typeof log;\n',
        "observability/index.ts": 'import { Env } from "../env";\nexport const log = Env;\n',
      }),
    );
    assert.deepEqual(cycles, ["src/observability -> src/env.ts -> src/gateway.ts -> src/observability"]);

    const plain = check(
      tree({
        ...CLEAN,
        "a.ts": 'import { b } from "./b";\nexport const a = b;\n',
        "b.ts": 'import type { a } from "./a";\nexport const b = 1;\nexport type A = typeof a;\n',
      }),
    );
    assert.deepEqual(plain.cycles, []);
  });

  test("readImports lists every import form with its line, not comments or strings", () => {
    const text = [
      'import a from "./a";',
      'import type { B } from "./b";',
      'export { c } from "./c";',
      'export * from "./d";',
      'type F = import("./f").F;',
      'const g = await import("./g");',
      '// import x from "./comment"',
      'const s = "import y from \\"./string\\"";',
    ].join("\n");
    assert.deepEqual(readImports(text), [
      { specifier: "./a", line: 1 },
      { specifier: "./b", line: 2 },
      { specifier: "./c", line: 3 },
      { specifier: "./d", line: 4 },
      { specifier: "./f", line: 5 },
      { specifier: "./g", line: 6 },
    ]);
  });

  test("the command line exits 1 with the report, 0 with the one-line success", () => {
    const bad = tree({ ...CLEAN, "app.ts": 'export { secret } from "./auth/secrets";\n' });
    const failed = spawnSync(process.execPath, [SCRIPT, "--root", bad], { encoding: "utf8" });
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /✘ layers: 11 files, 1 deep import, 0 cycles between folders/);

    const good = tree(CLEAN);
    const output = execFileSync(process.execPath, [SCRIPT, "--root", good], { encoding: "utf8" });
    assert.equal(output.trim(), "✔ layers: 11 files, no deep import, no cycle between folders");

    const usage = spawnSync(process.execPath, [SCRIPT, "--root", path.join(good, "missing")], { encoding: "utf8" });
    assert.equal(usage.status, 2);
  });
});
