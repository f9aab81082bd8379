import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { control, stats, uniqueId } from "../helpers";

/** A gateway over test `id`'s lifecycle remote, at `version` from its first request. */
async function lifecycleGateway(version: string, spec: Record<string, unknown> = {}, options = {}) {
  const id = uniqueId();
  await control(id, "lifecycle", { version });
  const gw = testGateway(id, { remotes: ["lifecycle"], ...spec }, options);
  const first = await gw.graphql("{ products { id } }");
  expect(first.body.errors).toBeUndefined();
  return { id, gw };
}

interface GuardBody {
  status?: string;
  guard?: string;
  changes: Array<{ type: string; path: string; level: string; ok: boolean; why?: string }>;
  deprecations: Array<{ coordinate: string; message: string; suggestion?: string }>;
  error?: { code: string; message: string; changes: GuardBody["changes"]; deprecations: GuardBody["deprecations"] };
}

/** Switches the remote to `version` and reloads it through `path`. */
async function reloadTo(
  id: string,
  gw: ReturnType<typeof testGateway>,
  version: string,
  path = "/admin/reload",
): Promise<{ status: number; body: GuardBody }> {
  await control(id, "lifecycle", { version });
  const res = await gw.admin(path);
  return { status: res.status, body: (await res.json()) as GuardBody };
}

describe("reload guard (reload.onBreakingChange: reject, the default)", () => {
  it("reloads a schema that removes only elements whose deprecation date has passed", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const { status, body } = await reloadTo(id, gw, "removed-past");
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.guard).toBe("passed");
    const removed = body.changes.map((change) => [change.type, change.path, change.ok]);
    expect(removed).toEqual(
      expect.arrayContaining([
        ["FIELD_REMOVED", "Product.oldName", true],
        ["FIELD_ARGUMENT_REMOVED", "Query.products.category", true],
        ["ENUM_VALUE_REMOVED", "Status.LEGACY", true],
        ["INPUT_FIELD_REMOVED", "ProductFilter.legacyCode", true],
      ]),
    );
    expect(body.changes.find((change) => change.path === "Product.oldName")?.why).toContain("2020/01/01");
    // The new schema serves.
    const after = await gw.graphql("{ products { oldName } }");
    expect(after.body.errors?.[0]?.message).toContain('Cannot query field "oldName"');
  });

  it.each([
    ["removed-future", "FIELD_REMOVED", "Product.sku", "removed before its date"],
    ["removed-plain", "FIELD_REMOVED", "Query.product", "without being deprecated"],
    ["removed-enum-value", "ENUM_VALUE_REMOVED", "Status.ARCHIVED", "without being deprecated"],
    ["required-arg", "FIELD_ARGUMENT_ADDED", "Query.products.first", "allowed-changes.json"],
  ])(
    "refuses %s with 409 RELOAD_BREAKING_CHANGE and keeps serving the last good schema",
    async (version, type, path, why) => {
      const { id, gw } = await lifecycleGateway("v1");
      const before = (await (await gw.admin("/admin/remotes", "GET")).json()) as { schemaHash: string };
      const { status, body } = await reloadTo(id, gw, version);
      expect(status, JSON.stringify(body)).toBe(409);
      expect(body.error?.code).toBe("RELOAD_BREAKING_CHANGE");
      expect(body.error?.message).toContain("previous schema is still served");
      expect(body.error?.changes).toEqual([expect.objectContaining({ type, path, level: "breaking", ok: false })]);
      expect(body.error?.changes[0]?.why).toContain(why);
      // The gateway still serves v1's schema (the remote itself has moved on: its answers are its own).
      const sdl = await (await gw.admin("/admin/schema", "GET")).text();
      expect(sdl).toContain("sku: String @deprecated");
      expect(sdl).toContain("product(id: ID!): Product");
      expect(sdl).toContain("ARCHIVED");
      expect(sdl).toContain("products(filter: ProductFilter, category:");
      const after = (await (await gw.admin("/admin/remotes", "GET")).json()) as { schemaHash: string };
      expect(after.schemaHash).toBe(before.schemaHash);
    },
  );

  it("refuses through POST /admin/remotes/:name/reload too", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const { status, body } = await reloadTo(id, gw, "removed-plain", "/admin/remotes/lifecycle/reload");
    expect(status).toBe(409);
    expect(body.error?.code).toBe("RELOAD_BREAKING_CHANGE");
  });

  it("?force=true reloads a failing schema and reports the changes it forced", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const { status, body } = await reloadTo(id, gw, "removed-plain", "/admin/reload?force=true");
    expect(status).toBe(200);
    expect(body.guard).toBe("forced");
    expect(body.changes).toContainEqual(expect.objectContaining({ path: "Query.product", ok: false }));
    expect((await gw.graphql('{ product(id: "1") { id } }')).body.errors?.[0]?.message).toContain(
      'Cannot query field "product"',
    );
  });

  it("?force=false and other values do not force", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    for (const value of ["false", "1", "TRUE", ""]) {
      const { status } = await reloadTo(id, gw, "removed-plain", `/admin/reload?force=${value}`);
      expect(status, value).toBe(409);
    }
  });

  it("accepts a breaking change listed in schemas/allowed-changes.json, with its reason", async () => {
    const { id, gw } = await lifecycleGateway(
      "v1",
      {},
      {
        allowedChanges: [{ path: "Query.products.first", reason: "every client sends first since 2026/01" }],
      },
    );
    const { status, body } = await reloadTo(id, gw, "required-arg");
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.guard).toBe("passed");
    expect(body.changes).toContainEqual(
      expect.objectContaining({
        path: "Query.products.first",
        ok: true,
        why: "allowed in schemas/allowed-changes.json: every client sends first since 2026/01",
      }),
    );
  });

  it("refuses a new deprecation whose reason is not in the policy's format, with the fix", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const { status, body } = await reloadTo(id, gw, "bad-reason");
    expect(status).toBe(409);
    expect(body.error?.changes).toEqual([]);
    expect(body.error?.deprecations).toEqual([
      expect.objectContaining({
        coordinate: "Product.name",
        suggestion: expect.stringMatching(/^This field is deprecated and will be removed after \d{4}\/\d{2}\/\d{2}\.$/),
      }),
    ]);
  });

  it("refuses a new deprecation dated less than deprecation.minimumDays ahead, and accepts it when the minimum allows", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const refused = await reloadTo(id, gw, "early-date");
    expect(refused.status).toBe(409);
    expect(refused.body.error?.deprecations[0]?.message).toContain("needs at least 183 days");

    const lax = await lifecycleGateway("v1", { deprecation: { minimumDays: 0 } });
    // 2026/12/01 is not before today + 0 days only until that date; after it the date is in the past.
    const today = new Date().toISOString().slice(0, 10);
    const answer = await reloadTo(lax.id, lax.gw, "early-date");
    expect(answer.status).toBe(today <= "2026-12-01" ? 200 : 409);
  });

  it("accepts a new deprecation in the policy's format, dated far enough", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const { status, body } = await reloadTo(id, gw, "good-deprecation");
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.deprecations).toEqual([]);
  });

  it("deprecation.reasonFormat any accepts any reason", async () => {
    const { id, gw } = await lifecycleGateway("v1", { deprecation: { reasonFormat: "any" } });
    expect((await reloadTo(id, gw, "bad-reason")).status).toBe(200);
  });

  it('reload.onBreakingChange "warn" reloads and reports; "allow" reloads', async () => {
    const warn = await lifecycleGateway("v1", { reload: { onBreakingChange: "warn" } });
    const warned = await reloadTo(warn.id, warn.gw, "removed-plain");
    expect(warned.status).toBe(200);
    expect(warned.body.guard).toBe("warned");
    expect(warned.body.changes).toContainEqual(expect.objectContaining({ path: "Query.product", ok: false }));

    const allow = await lifecycleGateway("v1", { reload: { onBreakingChange: "allow" } });
    const allowed = await reloadTo(allow.id, allow.gw, "removed-plain");
    expect(allowed.status).toBe(200);
    expect(allowed.body.guard).toBe("off");
  });

  it("a safe change passes with the change listed; the remote is introspected again", async () => {
    const { id, gw } = await lifecycleGateway("v1");
    const { status, body } = await reloadTo(id, gw, "added-field");
    expect(status).toBe(200);
    expect(body.changes).toEqual([
      expect.objectContaining({ type: "FIELD_ADDED", path: "Product.color", level: "safe" }),
    ]);
    expect((await stats(id, "lifecycle")).introspections).toBe(2);
  });

  it("rejects an unknown reload.onBreakingChange value as a config error", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["lifecycle"], reload: { onBreakingChange: "ignore" } });
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ products { id } }" }),
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }>; error?: { code: string } };
    expect(JSON.stringify(body)).toContain("INVALID_CONFIG");
    expect(JSON.stringify(body)).toContain("reload.onBreakingChange");
  });
});

describe("deprecations through introspection and composition", () => {
  it("keeps @deprecated on arguments, input fields and enum values of a remote, hidden unless includeDeprecated", async () => {
    const { gw } = await lifecycleGateway("v1");
    const query = `{
      filter: __type(name: "ProductFilter") {
        hidden: inputFields { name }
        all: inputFields(includeDeprecated: true) { name isDeprecated deprecationReason }
      }
      query: __type(name: "Query") { fields { name hidden: args { name } all: args(includeDeprecated: true) { name isDeprecated deprecationReason } } }
      status: __type(name: "Status") { hidden: enumValues { name } all: enumValues(includeDeprecated: true) { name isDeprecated } }
      product: __type(name: "Product") { hidden: fields { name } all: fields(includeDeprecated: true) { name isDeprecated } }
    }`;
    const { body } = await gw.graphql(query);
    expect(body.errors).toBeUndefined();
    const data = body.data as Record<string, Record<string, unknown>>;
    expect(data.filter?.hidden).toEqual([{ name: "status" }]);
    expect(data.filter?.all).toContainEqual({
      name: "legacyCode",
      isDeprecated: true,
      deprecationReason: "This input field is deprecated and will be removed after 2020/01/01.",
    });
    const fields = (data.query?.fields ?? []) as Array<{ name: string; hidden: unknown[]; all: unknown[] }>;
    const products = fields.find((field) => field.name === "products");
    expect(products?.hidden).toEqual([{ name: "filter" }]);
    expect(products?.all).toContainEqual({
      name: "category",
      isDeprecated: true,
      deprecationReason: "This argument is deprecated and will be removed after 2020/01/01.",
    });
    expect(data.status?.hidden).toEqual([{ name: "ACTIVE" }, { name: "ARCHIVED" }]);
    expect(data.status?.all).toContainEqual({ name: "LEGACY", isDeprecated: true });
    const visible = (data.product?.hidden ?? []) as Array<{ name: string }>;
    expect(visible.map((field) => field.name)).toEqual(["id", "name", "status"]);
    // GET /admin/schema prints them.
    const sdl = await (await gw.admin("/admin/schema", "GET")).text();
    expect(sdl).toContain('category: String @deprecated(reason: "This argument is deprecated');
    expect(sdl).toContain('legacyCode: String @deprecated(reason: "This input field is deprecated');
  });
});
