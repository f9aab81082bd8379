/**
 * The schema check (`npm run schema:check`) on throwaway projects: a config with one remote, its snapshot
 * at v1 written to schemas/composed.graphql, then a v2 snapshot checked on a fixed day. Each rule of the
 * deprecation policy with a pair that passes and one that fails, allowed changes, trusted documents, the
 * `--json` output, exit codes and `--write`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runSchemaCheck } from "./schema-check.mjs";

const TODAY = "2026-11-30";
const roots = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const PAST = "This field is deprecated and will be removed after 2026/11/01.";
const FUTURE = "This field is deprecated and will be removed after 2027/06/30.";
const V1 = `
  enum Status { ACTIVE ARCHIVED OLD @deprecated(reason: "This enum value is deprecated and will be removed after 2026/01/01.") }
  type Product { id: ID! name: String! legacy: String @deprecated(reason: "${PAST}") sku: String @deprecated(reason: "${FUTURE}") status: Status }
  type Query { products(category: String): [Product!]! product(id: ID!): Product }
`;

/**
 * A project whose composed schema is v1's, its snapshot then replaced by `v2`.
 * @returns {string} the project root
 */
async function project(v2, { allowed, documents, deprecation, v1 = V1 } = {}) {
  const root = mkdtempSync(join(tmpdir(), "junction-schema-check-"));
  roots.push(root);
  mkdirSync(join(root, "schemas/snapshots"), { recursive: true });
  const config = {
    remotes: [{ name: "shop", url: "http://shop.test/graphql" }],
    ...(deprecation ? { deprecation } : {}),
  };
  writeFileSync(join(root, "schemas/gateway.json"), JSON.stringify(config));
  writeFileSync(join(root, "schemas/snapshots/shop.graphql"), v1);
  const first = await runSchemaCheck({ root, write: true, today: TODAY });
  assert.equal(first.ok, true, first.summary);
  writeFileSync(join(root, "schemas/snapshots/shop.graphql"), v2);
  if (allowed) writeFileSync(join(root, "schemas/allowed-changes.json"), JSON.stringify(allowed));
  if (documents) {
    mkdirSync(join(root, "schemas/documents"));
    writeFileSync(join(root, "schemas/documents/web.json"), JSON.stringify(documents));
  }
  return root;
}

const check = (root, today = TODAY) => runSchemaCheck({ root, today });
const failing = (report) => report.changes.filter((change) => !change.ok).map((change) => [change.type, change.path]);

describe("schema check: removals", () => {
  it("passes a field removed after its deprecation date", async () => {
    const report = await check(await project(V1.replace(`legacy: String @deprecated(reason: "${PAST}")`, "")));
    assert.deepEqual(failing(report), []);
    const removal = report.changes.find((change) => change.path === "Product.legacy");
    assert.equal(removal.level, "breaking");
    assert.equal(removal.ok, true);
    assert.match(removal.why, /after 2026\/11\/01/);
    // The check passed, so the only problem is the stale composed.graphql.
    assert.deepEqual(report.problems, [
      "schemas/composed.graphql is not the composed schema (the check passed): run npm run schema:check -- --write and commit it",
    ]);
    assert.equal(report.ok, false);
  });

  it("fails a field removed before its deprecation date, and on the date itself", async () => {
    const root = await project(V1.replace(`sku: String @deprecated(reason: "${FUTURE}")`, ""));
    const report = await check(root);
    assert.deepEqual(failing(report), [["FIELD_REMOVED", "Product.sku"]]);
    assert.match(report.changes[0].why, /removed before its date: its deprecation allows removal after 2027\/06\/30/);
    assert.equal((await check(root, "2027-06-30")).ok, false);
    assert.deepEqual(failing(await check(root, "2027-07-01")), []);
  });

  it("fails a field removed without a deprecation", async () => {
    const report = await check(await project(V1.replace("product(id: ID!): Product", "")));
    assert.deepEqual(failing(report), [["FIELD_REMOVED", "Query.product"]]);
    assert.match(report.changes[0].why, /without being deprecated first/);
  });

  it("passes an enum value removed after its date and fails one never deprecated", async () => {
    const after = await check(await project(V1.replace(/ OLD @deprecated\(reason: "[^"]*"\)/, "")));
    assert.deepEqual(failing(after), []);
    const never = await check(await project(V1.replace("ACTIVE ARCHIVED", "ACTIVE")));
    assert.deepEqual(failing(never), [["ENUM_VALUE_REMOVED", "Status.ARCHIVED"]]);
  });

  it("fails an argument removed without a deprecation", async () => {
    const report = await check(await project(V1.replace("products(category: String)", "products")));
    assert.deepEqual(failing(report), [["FIELD_ARGUMENT_REMOVED", "Query.products.category"]]);
  });
});

describe("schema check: other breaking changes and allowed-changes.json", () => {
  const REQUIRED = V1.replace("products(category: String)", "products(category: String, first: Int!)");

  it("fails a new required argument", async () => {
    const report = await check(await project(REQUIRED));
    assert.deepEqual(failing(report), [["FIELD_ARGUMENT_ADDED", "Query.products.first"]]);
    assert.match(report.changes[0].why, /list "Query.products.first" in schemas\/allowed-changes.json/);
  });

  it("passes it when listed in schemas/allowed-changes.json, showing the reason", async () => {
    const report = await check(
      await project(REQUIRED, { allowed: [{ path: "Query.products.first", reason: "every client sends it" }] }),
    );
    assert.deepEqual(failing(report), []);
    assert.equal(report.changes[0].why, "allowed in schemas/allowed-changes.json: every client sends it");
  });

  it("fails a nullability tightening and a type change", async () => {
    const report = await check(
      await project(V1.replace("status: Status }", "status: Status! }").replace("id: ID! name", "id: String! name")),
    );
    assert.deepEqual(failing(report).sort(), [["FIELD_TYPE_CHANGED", "Product.id"]]);
    // Output nullability tightened is safe for clients: graphql-inspector says so.
    assert.equal(report.changes.find((change) => change.path === "Product.status")?.level, "safe");
  });

  it("refuses a malformed allowed-changes.json, naming the entry", async () => {
    const root = await project(REQUIRED, { allowed: [{ path: "Query.products.first" }] });
    await assert.rejects(check(root), /allowed-changes.json\[0\]/);
  });
});

describe("schema check: deprecation reasons", () => {
  it("fails a reason not in the policy's format and spells out the fix", async () => {
    const report = await check(
      await project(V1.replace("name: String!", 'name: String! @deprecated(reason: "use title")')),
    );
    assert.equal(report.deprecations.length, 1);
    assert.equal(report.deprecations[0].coordinate, "Product.name");
    assert.equal(report.deprecations[0].suggestion, "This field is deprecated and will be removed after 2027/06/01.");
    assert.match(report.deprecations[0].message, /write @deprecated\(reason: "This field is deprecated/);
  });

  it("fails a new deprecation dated less than minimumDays ahead and passes one far enough", async () => {
    const early = await check(
      await project(
        V1.replace(
          "name: String!",
          'name: String! @deprecated(reason: "This field is deprecated and will be removed after 2027/05/31.")',
        ),
      ),
    );
    assert.equal(early.deprecations.length, 1);
    assert.match(early.deprecations[0].message, /182 days from today; a new deprecation needs at least 183 days/);
    const enough = await check(
      await project(
        V1.replace(
          "name: String!",
          'name: String! @deprecated(reason: "This field is deprecated and will be removed after 2027/06/01. Use the title field instead.")',
        ),
      ),
    );
    assert.deepEqual(enough.deprecations, []);
  });

  it("keeps a committed deprecation's date: an earlier date fails, the same or a later one passes", async () => {
    const earlier = await check(await project(V1.replace(FUTURE, FUTURE.replace("2027/06/30", "2027/01/01"))));
    assert.match(earlier.deprecations[0].message, /keeps its date/);
    const later = await check(await project(V1.replace(FUTURE, FUTURE.replace("2027/06/30", "2027/12/31"))));
    assert.deepEqual(later.deprecations, []);
  });

  it("accepts any reason with reasonFormat any, and still applies minimumDays to dated ones", async () => {
    const v1 = V1.replace(/ OLD @deprecated\(reason: "[^"]*"\)/, " OLD");
    const report = await check(
      await project(v1.replace("name: String!", 'name: String! @deprecated(reason: "use title")'), {
        deprecation: { reasonFormat: "any", minimumDays: 30 },
        v1,
      }),
    );
    assert.deepEqual(report.deprecations, []);
  });

  it("checks every reason of the composed schema, old ones too", async () => {
    const v1 = `type Query { a: Int @deprecated(reason: "old style") b: Int }`;
    const root = mkdtempSync(join(tmpdir(), "junction-schema-check-"));
    roots.push(root);
    mkdirSync(join(root, "schemas/snapshots"), { recursive: true });
    writeFileSync(
      join(root, "schemas/gateway.json"),
      JSON.stringify({ remotes: [{ name: "shop", url: "http://shop.test/graphql" }] }),
    );
    writeFileSync(join(root, "schemas/snapshots/shop.graphql"), v1);
    const report = await runSchemaCheck({ root, write: true, today: TODAY });
    assert.equal(report.ok, false);
    assert.equal(report.written, false);
    assert.equal(report.deprecations[0].coordinate, "Query.a");
  });
});

describe("schema check: trusted documents", () => {
  it("fails when a change breaks a document of schemas/documents/*.json, naming it", async () => {
    const documents = {
      "sha256:aaa": "query Legacy { products { id legacy } }",
      "sha256:bbb": "query Names { products { name } }",
    };
    const report = await check(
      await project(V1.replace(`legacy: String @deprecated(reason: "${PAST}")`, ""), { documents }),
    );
    // The removal itself is allowed by the policy, but a trusted document still uses the field.
    assert.deepEqual(failing(report), []);
    assert.deepEqual(
      report.documents.map((problem) => [problem.id, problem.source]),
      [["sha256:aaa", "schemas/documents/web.json"]],
    );
    assert.match(report.documents[0].message, /Cannot query field "legacy"/);
    assert.equal(report.ok, false);
  });
});

describe("schema check: composition", () => {
  it("needs no secrets: auth, permissions and role permission files are left out of the composed schema", async () => {
    const root = mkdtempSync(join(tmpdir(), "junction-schema-check-"));
    roots.push(root);
    mkdirSync(join(root, "schemas/snapshots"), { recursive: true });
    mkdirSync(join(root, "schemas/permissions"), { recursive: true });
    const config = {
      remotes: [{ name: "shop", url: "{{env.SHOP_URL_NOT_SET}}" }],
      auth: { jwt: { key: "{{env.JWT_KEY_NOT_SET}}", algorithms: ["RS256"] } },
      permissions: { user: { shop: "type Query { product(id: ID!): Product } type Product { id: ID! }" } },
      public: ["Query.products"],
    };
    writeFileSync(join(root, "schemas/gateway.json"), JSON.stringify(config));
    writeFileSync(join(root, "schemas/permissions/viewer.graphql"), "type Query { products: [Product!]! }");
    writeFileSync(join(root, "schemas/snapshots/shop.graphql"), V1);
    const report = await runSchemaCheck({ root, write: true, today: TODAY });
    assert.equal(report.ok, true, report.summary);
    assert.match(readFileSync(join(root, "schemas/composed.graphql"), "utf8"), /product\(id: ID!\): Product/);
  });
});

describe("schema check: the command", () => {
  const run = (root, ...args) =>
    spawnSync(process.execPath, ["scripts/schema-check.mjs", "--root", root, "--today", TODAY, ...args], {
      encoding: "utf8",
    });

  it("exits 1 with a summary line, and 0 after --write of a passing change", async () => {
    const root = await project(V1.replace("name: String!", "name: String!\n color: String"));
    const stale = run(root);
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /FIELD_ADDED Product.color/);
    assert.match(stale.stderr, /✘ schema check failed: 1 change\(s\) \(0 breaking, 0 dangerous, 1 safe\)/);
    const written = run(root, "--write");
    assert.equal(written.status, 0, written.stderr);
    assert.match(written.stdout, /wrote schemas\/composed.graphql/);
    assert.match(readFileSync(join(root, "schemas/composed.graphql"), "utf8"), /color: String/);
    assert.equal(run(root).status, 0);
  });

  it("--write does not write a failing schema", async () => {
    const root = await project(V1.replace("product(id: ID!): Product", ""));
    const before = readFileSync(join(root, "schemas/composed.graphql"), "utf8");
    assert.equal(run(root, "--write").status, 1);
    assert.equal(readFileSync(join(root, "schemas/composed.graphql"), "utf8"), before);
  });

  it("--json prints the report", async () => {
    const result = run(await project(V1.replace("product(id: ID!): Product", "")), "--json");
    assert.equal(result.status, 1);
    const report = JSON.parse(result.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(failing(report), [["FIELD_REMOVED", "Query.product"]]);
    assert.match(report.summary, /^✘ schema check failed/);
  });

  it("exits 1 naming the remote without a snapshot, 2 on a bad --today", async () => {
    const root = await project(V1);
    rmSync(join(root, "schemas/snapshots/shop.graphql"));
    const missing = run(root);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /remote "shop" has no snapshot: run npm run schema:snapshot/);
    const usage = spawnSync(process.execPath, ["scripts/schema-check.mjs", "--today", "30/11/2026"], {
      encoding: "utf8",
    });
    assert.equal(usage.status, 2);
  });
});
