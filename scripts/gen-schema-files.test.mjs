/**
 * The modules part of scripts/gen-schema-files.mjs on throwaway projects: a folder module and an npm
 * package module bundled with their module.json and *.graphql files (their node_modules/ left out),
 * and a listed module without module.json refused with the entry named.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { readModules, resolveModuleDir } from "./gen-schema-files.mjs";

const roots = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function project(modules) {
  const root = mkdtempSync(join(tmpdir(), "junction-gen-modules-"));
  roots.push(root);
  mkdirSync(join(root, "schemas"), { recursive: true });
  writeFileSync(join(root, "schemas/gateway.json"), JSON.stringify({ modules }));
  return root;
}

describe("gen-schema-files: modules", () => {
  it("bundles a folder module and an npm package module, sorted files, node_modules left out", () => {
    const root = project(["./modules/stripe/", "@acme/auth"]);
    mkdirSync(join(root, "modules/stripe/sub"), { recursive: true });
    mkdirSync(join(root, "modules/stripe/node_modules/x"), { recursive: true });
    writeFileSync(join(root, "modules/stripe/module.json"), '{ "name": "stripe" }');
    writeFileSync(join(root, "modules/stripe/sub/b.graphql"), "type B { id: ID }");
    writeFileSync(join(root, "modules/stripe/a.graphql"), "type A { id: ID }");
    writeFileSync(join(root, "modules/stripe/node_modules/x/c.graphql"), "type C { id: ID }");
    mkdirSync(join(root, "node_modules/@acme/auth"), { recursive: true });
    writeFileSync(join(root, "node_modules/@acme/auth/module.json"), "{}");
    assert.equal(resolveModuleDir("@acme/auth", root), "node_modules/@acme/auth");
    assert.deepEqual(readModules(root), [
      {
        entry: "./modules/stripe/",
        dir: "modules/stripe",
        manifest: { name: "stripe" },
        files: [
          { path: "modules/stripe/a.graphql", sdl: "type A { id: ID }" },
          { path: "modules/stripe/sub/b.graphql", sdl: "type B { id: ID }" },
        ],
      },
      { entry: "@acme/auth", dir: "node_modules/@acme/auth", manifest: {}, files: [] },
    ]);
  });

  it("refuses a listed module without module.json, and a module.json that is not JSON, naming it", () => {
    assert.throws(() => readModules(project(["modules/ghost"])), /no module\.json for "modules\/ghost"/);
    const root = project(["modules/bad"]);
    mkdirSync(join(root, "modules/bad"), { recursive: true });
    writeFileSync(join(root, "modules/bad/module.json"), "{ nope");
    assert.throws(() => readModules(root), /^Error: modules\/bad\/module\.json: /);
  });
});
