/**
 * `npm run module:add` (scripts/module-add.mjs) on throwaway projects: a folder copied into modules/ and
 * listed in schemas/gateway.json with the rest of the file as written, an installed npm package, the
 * {{env.X}} names the module needs against .dev.vars.example and .dev.vars, a folder already under
 * modules/, and the refusals (no module.json, a target that exists, invalid JSON, usage).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { addModule, withModuleEntry } from "./module-add.mjs";

const SCRIPT = fileURLToPath(new URL("./module-add.mjs", import.meta.url));
const CONFIG = `{
  "$schema": "./gateway.schema.json",
  "remotes": [{ "name": "users", "url": "{{env.USERS_URL}}" }]
}
`;
const MODULE = {
  name: "stripe",
  services: [
    {
      name: "payments",
      url: "{{env.STRIPE_URL}}",
      headers: { authorization: "Bearer {{env.STRIPE_KEY}}" },
      endpoints: {},
    },
  ],
};
const roots = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** A project with schemas/gateway.json, .dev.vars.example (STRIPE_URL only) and a module folder outside it. */
function project() {
  const root = mkdtempSync(join(tmpdir(), "junction-module-add-"));
  roots.push(root);
  mkdirSync(join(root, "schemas"), { recursive: true });
  writeFileSync(join(root, "schemas/gateway.json"), CONFIG);
  writeFileSync(join(root, ".dev.vars.example"), "USERS_URL=http://127.0.0.1:4001\nSTRIPE_URL=http://127.0.0.1:4010\n");
  const source = join(root, "vendor/stripe");
  mkdirSync(join(source, "node_modules/dep"), { recursive: true });
  writeFileSync(join(source, "module.json"), JSON.stringify(MODULE, null, 2));
  writeFileSync(
    join(source, "payments.graphql"),
    'extend type Query { charge(id: ID!): String @rest(service: "payments", endpoint: "get") }\n',
  );
  writeFileSync(join(source, "node_modules/dep/x.graphql"), "type Nope { id: ID }\n");
  return root;
}

describe("npm run module:add", () => {
  it("copies a folder into modules/, lists it in gateway.json as written otherwise, and names the variables it needs", () => {
    const root = project();
    const result = addModule("vendor/stripe", root);
    assert.equal(result.entry, "modules/stripe");
    assert.equal(result.copied, true);
    assert.ok(existsSync(join(root, "modules/stripe/module.json")));
    assert.ok(existsSync(join(root, "modules/stripe/payments.graphql")));
    assert.ok(!existsSync(join(root, "modules/stripe/node_modules")), "node_modules is not copied");
    assert.equal(
      readFileSync(join(root, "schemas/gateway.json"), "utf8"),
      CONFIG.replace(
        '"$schema": "./gateway.schema.json",\n',
        '"$schema": "./gateway.schema.json",\n  "modules": ["modules/stripe"],\n',
      ),
    );
    assert.deepEqual(result.env, [
      { name: "STRIPE_KEY", example: false, local: false },
      { name: "STRIPE_URL", example: true, local: false },
    ]);
    // Adding it again: the folder under modules/ is the module itself, nothing is copied or listed twice.
    const again = addModule("modules/stripe", root);
    assert.equal(again.copied, false);
    assert.equal(JSON.parse(readFileSync(join(root, "schemas/gateway.json"), "utf8")).modules.length, 1);
  });

  it("takes an installed npm package (scoped) from node_modules/", () => {
    const root = project();
    const pkg = join(root, "node_modules/@acme/junction-module-auth");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      join(pkg, "module.json"),
      JSON.stringify({ remotes: [{ name: "sessions", url: "{{env.SESSIONS_URL}}" }] }),
    );
    const result = addModule("@acme/junction-module-auth", root);
    assert.equal(result.entry, "modules/junction-module-auth");
    assert.ok(existsSync(join(root, "modules/junction-module-auth/module.json")));
    assert.deepEqual(
      result.env.map((v) => v.name),
      ["SESSIONS_URL"],
    );
  });

  it("appends to an existing modules list", () => {
    const text = '{\n  "modules": ["modules/a"],\n  "remotes": []\n}\n';
    assert.equal(
      withModuleEntry(text, "modules/b"),
      '{\n  "modules": ["modules/a", "modules/b"],\n  "remotes": []\n}\n',
    );
    assert.equal(withModuleEntry(text, "modules/a"), text);
    assert.equal(withModuleEntry('{ "remotes": [] }', "modules/c").includes('"modules": ["modules/c"]'), true);
  });

  it("refuses a folder without module.json, a target that exists, and invalid JSON; the command exits 1, or 2 on usage", () => {
    const root = project();
    mkdirSync(join(root, "vendor/empty"), { recursive: true });
    assert.throws(() => addModule("vendor/empty", root), /no module\.json/);
    mkdirSync(join(root, "modules/stripe"), { recursive: true });
    assert.throws(() => addModule("vendor/stripe", root), /modules\/stripe exists already/);
    mkdirSync(join(root, "vendor/broken"), { recursive: true });
    writeFileSync(join(root, "vendor/broken/module.json"), "{ nope");
    assert.throws(() => addModule("vendor/broken", root), /module\.json/);
    const run = (...args) => spawnSync(process.execPath, [SCRIPT, ...args, "--root", root], { encoding: "utf8" });
    const refused = run("vendor/empty");
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /no module\.json/);
    assert.equal(run().status, 2);
    const ok = execFileSync(
      process.execPath,
      [SCRIPT, "vendor/broken/../../vendor/stripe", "--root", mkProjectFor(root)],
      {
        encoding: "utf8",
      },
    );
    assert.match(ok, /needs \{\{env\.STRIPE_KEY\}\}: add it to \.dev\.vars\.example and \.dev\.vars/);
  });
});

/** A second project next to `root` whose vendor/ points at the first one's (the command's output on success). */
function mkProjectFor(root) {
  const other = project();
  rmSync(join(other, "vendor"), { recursive: true, force: true });
  mkdirSync(join(other, "vendor"), { recursive: true });
  execFileSync("cp", ["-r", join(root, "vendor/stripe"), join(other, "vendor/stripe")]);
  return other;
}
