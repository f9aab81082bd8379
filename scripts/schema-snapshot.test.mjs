/**
 * `npm run schema:snapshot` against a real GraphQL server on loopback: what it writes (sorted SDL, the
 * deprecations of arguments and input fields included), `{{env.X}}` from the variables given, a remote that
 * is down, and an unknown remote name.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildSchema, graphql } from "graphql";
import { writeSnapshots } from "./schema-snapshot.mjs";

const SDL = `
  type Query { b(old: Int @deprecated(reason: "This argument is deprecated and will be removed after 2027/01/01."), x: Int): Int a: String }
  input Filter { keep: Int drop: Int @deprecated(reason: "This input field is deprecated and will be removed after 2027/01/01.") }
  type Mutation { m(f: Filter): Int }
`;
const schema = buildSchema(SDL);
let server;
let url;
const roots = [];

before(async () => {
  server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const { query, variables } = JSON.parse(body);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(await graphql({ schema, source: query, variableValues: variables })));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${server.address().port}/graphql`;
});
after(() => {
  server.close();
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function project(remotes) {
  const root = mkdtempSync(join(tmpdir(), "junction-snapshot-"));
  roots.push(root);
  mkdirSync(join(root, "schemas"));
  writeFileSync(join(root, "schemas/gateway.json"), JSON.stringify({ remotes }));
  return root;
}

describe("schema:snapshot", () => {
  it("writes each remote's schema as sorted SDL with argument and input field deprecations", async () => {
    const root = project([{ name: "shop", url: "{{env.SHOP_URL}}" }]);
    const report = await writeSnapshots({ root, vars: { SHOP_URL: url } });
    assert.equal(report.ok, true);
    assert.deepEqual(report.written, [{ remote: "shop", path: "schemas/snapshots/shop.graphql", types: 6 }]); // with Int, String, Boolean
    const sdl = readFileSync(join(root, "schemas/snapshots/shop.graphql"), "utf8");
    assert.match(sdl, /^# Introspection of remote "shop", written by npm run schema:snapshot. Do not edit.\n/);
    assert.ok(sdl.indexOf("input Filter") < sdl.indexOf("type Mutation"), "types sorted by name");
    assert.ok(sdl.indexOf("  a: String") < sdl.indexOf("  b("), "fields sorted by name");
    assert.match(sdl, /old: Int @deprecated\(reason: "This argument is deprecated/);
    assert.match(sdl, /drop: Int @deprecated\(reason: "This input field is deprecated/);
    assert.doesNotMatch(sdl, /127\.0\.0\.1/, "no URL in the snapshot");
  });

  it("reports a remote that is down and still writes the others", async () => {
    const root = project([
      { name: "shop", url },
      { name: "down", url: "http://127.0.0.1:9/graphql", timeoutMs: 2000 },
    ]);
    const report = await writeSnapshots({ root, vars: {} });
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.written.map((entry) => entry.remote),
      ["shop"],
    );
    assert.equal(report.failed[0].remote, "down");
    assert.ok(report.failed[0].message.length > 0);
  });

  it("refuses an unknown remote name and a missing variable", async () => {
    const root = project([{ name: "shop", url: "{{env.SHOP_URL}}" }]);
    await assert.rejects(
      writeSnapshots({ root, vars: { SHOP_URL: url }, remotes: ["nope"] }),
      /no remote named "nope"/,
    );
    await assert.rejects(writeSnapshots({ root, vars: {} }), /SHOP_URL/);
  });
});
