/**
 * Usage of deprecated elements (src/usage): which operations count, for which client, through every HTTP
 * execution path (Yoga, the fast lane, a query plan), and what `GET /admin/deprecations` reports. The
 * upstream is the `legacy` fixture kind (a real loopback server, whose deprecated arguments and input
 * fields reach the gateway through introspection); arguments and input fields are tested through the
 * gateway's own SDL (a `@rest` field) as well. Every gateway of this file counts into the one DEPRECATION_USAGE
 * object of the test env, so each test names its own clients and reads what they did.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fastLaneCounters } from "../../src/fastlane";
import { createLogger } from "../../src/observability";
import type { DeprecationsAnswer, DeprecationUsageRpc } from "../../src/usage";
import { ADMIN_HEADERS, asRole, type GatewaySpec, hsAuth, testGateway } from "../fixtures/gateways";
import { type TestGateway, uniqueId } from "../helpers";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Gateway SDL: a `@rest` field with a deprecated argument, input field and enum value. */
const PAINT_SDL = `
scalar JSON
enum Shade { LIGHT DARK DIM @deprecated(reason: "This enum value is deprecated and will be removed after 2027/02/01.") }
input Paint { shade: Shade hex: String rgb: String @deprecated(reason: "This input field is deprecated and will be removed after 2027/02/02.") }
input Palette { main: Paint others: [Paint!] }
type Swatch { method: String! path: String! }
extend type Query {
  swatch(paint: Paint, palette: Palette, shades: [Shade!], legacyMode: String @deprecated(reason: "This argument is deprecated and will be removed after 2027/02/03.")): Swatch @rest(service: "svc", endpoint: "swatch")
}
`;

const SPEC: GatewaySpec = {
  remotes: ["legacy"],
  services: [{ name: "svc", endpoints: { swatch: { method: "GET", path: "/echo/swatch" } } }],
};
const FILES = { files: { "schemas/paint.graphql": PAINT_SDL } };

/** A gateway over test `id`'s legacy remote and REST echo service. */
const gateway = (id: string, spec: GatewaySpec = SPEC): TestGateway => testGateway(id, spec, FILES);

/** POSTs an operation as client `client` (header `header`, default graphql-client-name; none when null). */
async function run(
  gw: TestGateway,
  client: string | null,
  query: string,
  variables?: Record<string, unknown>,
  header = "graphql-client-name",
): Promise<{ status: number; body: { data?: unknown; errors?: Array<{ message: string }> } }> {
  const headers: Record<string, string> = client === null ? {} : { [header]: client };
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: Array<{ message: string }> } };
}

/** Runs an operation and asserts it answered data without errors. */
async function runOk(gw: TestGateway, client: string | null, query: string, variables?: Record<string, unknown>) {
  const answer = await run(gw, client, query, variables);
  expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
  expect(answer.status).toBe(200);
}

/** `GET /admin/deprecations` (with `?days=` when given). */
async function report(gw: TestGateway, days?: string): Promise<{ status: number; body: DeprecationsAnswer }> {
  const res = await gw.fetch(`/admin/deprecations${days === undefined ? "" : `?days=${days}`}`, {
    headers: ADMIN_HEADERS,
  });
  return { status: res.status, body: (await res.json()) as DeprecationsAnswer };
}

/** Per coordinate, client `client`'s count in the report (coordinates it did not use left out). */
async function countsOf(gw: TestGateway, client: string, days?: string): Promise<Record<string, number>> {
  const { status, body } = await report(gw, days);
  expect(status).toBe(200);
  const counts: Record<string, number> = {};
  for (const entry of body.deprecations) {
    const mine = entry.clients.find((c) => c.name === client);
    if (mine !== undefined) counts[entry.coordinate] = mine.count;
  }
  return counts;
}

/** A client name no other test uses. */
const clientId = (): string => uniqueId("client");

describe("what an operation touches", () => {
  it("counts selected deprecated fields, directly and through fragments, once per operation each", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    await runOk(gw, client, "{ legacyItems { id code } }");
    await runOk(
      gw,
      client,
      "query Q { items { ...F ... on Item { legacyFlag } } } fragment F on Item { ...G } fragment G on Item { code label code }",
    );
    expect(await countsOf(gw, client)).toEqual({
      "Query.legacyItems": 1,
      "Item.code": 2,
      "Item.label": 1,
      "Item.legacyFlag": 1,
    });
  });

  it("counts only the operation that runs, not another operation or an unused fragment of the document", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    const document = "query A { items { id } } query B { legacyItems { code } } fragment Unused on Item { label }";
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "graphql-client-name": client },
      body: JSON.stringify({ query: document, operationName: "A" }),
    });
    expect(res.status).toBe(200);
    expect(await countsOf(gw, client)).toEqual({});
  });

  it("counts enum values written as literals and given in variables, and nothing for non-deprecated values", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    await runOk(gw, client, "{ items(tier: GOLD) { id } }");
    await runOk(gw, client, "query ($t: Tier) { items(tier: $t) { id } }", { t: "GOLD" });
    await runOk(gw, client, "query ($t: Tier) { items(tier: $t) { id } }", { t: "PRO" });
    await runOk(gw, client, "{ items(tier: FREE) { id name } }");
    await runOk(gw, client, 'mutation ($t: Tier!) { setTier(id: "i1", tier: $t) { id } }', { t: "GOLD" });
    // A left-out variable's default value counts as written.
    await runOk(gw, client, "query ($t: Tier = GOLD) { items(tier: $t) { id } }");
    await runOk(gw, client, "query ($t: Tier = GOLD) { items(tier: $t) { id } }", { t: "FREE" });
    expect(await countsOf(gw, client)).toEqual({ "Tier.GOLD": 4 });
  });

  it("counts deprecated arguments given as literals or variables, and input fields and enum values inside inputs", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    const fields = "{ method path }";
    await runOk(gw, client, `{ swatch(legacyMode: "x") ${fields} }`);
    await runOk(gw, client, `query ($m: String) { swatch(legacyMode: $m) ${fields} }`, { m: "y" });
    await runOk(gw, client, `{ swatch(paint: { rgb: "1,2,3", shade: DIM }) ${fields} }`);
    await runOk(gw, client, `query ($p: Paint) { swatch(paint: $p) ${fields} }`, { p: { rgb: "0,0,0" } });
    // Nested inputs and lists in variables, and a list given as a single value (input coercion).
    await runOk(gw, client, `query ($p: Palette) { swatch(palette: $p) ${fields} }`, {
      p: { main: { hex: "#fff" }, others: [{ hex: "#000" }, { shade: "DIM" }] },
    });
    await runOk(gw, client, `query ($s: [Shade!]) { swatch(shades: $s) ${fields} }`, { s: "DIM" });
    // Not deprecated: nothing counted.
    await runOk(gw, client, `query ($p: Paint) { swatch(paint: $p) ${fields} }`, { p: { hex: "#fff", shade: "DARK" } });
    expect(await countsOf(gw, client)).toEqual({
      "Query.swatch(legacyMode:)": 2,
      "Paint.rgb": 2,
      "Shade.DIM": 3,
    });
  });

  it("counts a remote's own deprecated argument and input field (introspection carries their deprecations)", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    await runOk(gw, client, '{ items(first: 1, filter: { code: "c-1" }) { id } }');
    await runOk(gw, client, "query ($f: ItemFilter, $n: Int) { items(filter: $f, first: $n) { id } }", {
      f: { code: "c-2", tier: "GOLD" },
    });
    await runOk(gw, client, "query ($f: ItemFilter) { items(filter: $f) { id } }", { f: { name: "One" } });
    expect(await countsOf(gw, client)).toEqual({ "Query.items(first:)": 2, "ItemFilter.code": 2, "Tier.GOLD": 1 });
  });

  it("counts nothing for an operation that fails validation, and nothing for one that touches nothing deprecated", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    const invalid = await run(gw, client, "{ legacyItems { code nope } }");
    expect(invalid.body.errors?.[0]?.message).toContain("nope");
    const invalidVariable = await run(gw, client, "query ($t: Tier!) { items(tier: $t, first: 1) { code } } x");
    expect(invalidVariable.body.errors).toBeDefined();
    await runOk(gw, client, '{ item(id: "i1") { id name tier } }');
    expect(await countsOf(gw, client)).toEqual({});
  });
});

describe("clients", () => {
  it("names the client by graphql-client-name, else x-client-name, else unknown; names are bounded", async () => {
    const gw = gateway(uniqueId());
    const first = clientId();
    const second = clientId();
    const before = (await countsOf(gw, "unknown"))["Item.code"] ?? 0;
    await runOk(gw, first, "{ items { code } }");
    await run(gw, second, "{ items { code } }", undefined, "x-client-name");
    // Both headers: graphql-client-name wins.
    await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "graphql-client-name": first, "x-client-name": second },
      body: JSON.stringify({ query: "{ items { code } }" }),
    });
    await runOk(gw, null, "{ items { code } }");
    const odd = `${clientId()}<script>"${"x".repeat(100)}`;
    await runOk(gw, odd, "{ items { code } }");
    expect((await countsOf(gw, first))["Item.code"]).toBe(2);
    expect((await countsOf(gw, second))["Item.code"]).toBe(1);
    expect((await countsOf(gw, "unknown"))["Item.code"]).toBe(before + 1);
    const bounded = odd.slice(0, 64).replace(/[^A-Za-z0-9._:@/+ -]/g, "_");
    expect(bounded).toHaveLength(64);
    expect((await countsOf(gw, bounded))["Item.code"]).toBe(1);
  });
});

describe("execution paths", () => {
  it("counts a repeated single-source query the fast lane answers without Yoga, with its variables", async () => {
    const gw = gateway(uniqueId());
    await runOk(gw, "warm", "{ __typename }");
    const client = clientId();
    const query = "query ($t: Tier) { items(tier: $t) { id code } }";
    const served = fastLaneCounters.served;
    await runOk(gw, client, query, { t: "FREE" });
    await runOk(gw, client, query, { t: "GOLD" });
    await runOk(gw, client, query, { t: "GOLD" });
    expect(fastLaneCounters.served - served).toBe(2);
    expect(await countsOf(gw, client)).toEqual({ "Item.code": 3, "Tier.GOLD": 2 });
  });

  it("counts a repeated @rest query the fast lane runs itself", async () => {
    const gw = gateway(uniqueId());
    await runOk(gw, "warm", "{ __typename }");
    const client = clientId();
    const served = fastLaneCounters.served;
    for (let i = 0; i < 3; i++) await runOk(gw, client, '{ swatch(legacyMode: "x") { path } }');
    expect(fastLaneCounters.served - served).toBe(2);
    expect(await countsOf(gw, client)).toEqual({ "Query.swatch(legacyMode:)": 3 });
  });

  it("counts a query over two remotes that a query plan runs", async () => {
    const gw = gateway(uniqueId(), { ...SPEC, remotes: ["legacy", "accounts"] });
    const client = clientId();
    const plans = async (): Promise<number> =>
      ((await (await gw.fetch("/admin/plans", { headers: ADMIN_HEADERS })).json()) as { planned: number }).planned;
    const planned = await plans();
    await runOk(gw, client, "{ legacyItems { id code } me { id email } }");
    expect(await plans()).toBe(planned + 1);
    expect(await countsOf(gw, client)).toEqual({ "Query.legacyItems": 1, "Item.code": 1, "User.email": 1 });
  });
});

describe("GET /admin/deprecations", () => {
  it("lists every deprecated element with kind, reason and removal date, soonest removal first", async () => {
    const gw = gateway(uniqueId());
    const { status, body } = await report(gw);
    expect(status).toBe(200);
    expect(body.days).toBe(30);
    const byCoordinate = new Map(body.deprecations.map((entry) => [entry.coordinate, entry]));
    expect(byCoordinate.get("Query.legacyItems")).toMatchObject({
      kind: "field",
      removalDate: "2026-12-31",
      reason: "This field is deprecated and will be removed after 2026/12/31. Use the items field instead.",
    });
    expect(byCoordinate.get("Tier.GOLD")).toMatchObject({ kind: "enum value", removalDate: "2027-01-31" });
    expect(byCoordinate.get("Paint.rgb")).toMatchObject({ kind: "input field", removalDate: "2027-02-02" });
    expect(byCoordinate.get("Query.swatch(legacyMode:)")).toMatchObject({
      kind: "argument",
      removalDate: "2027-02-03",
    });
    expect(byCoordinate.get("Item.legacyFlag")).toMatchObject({ reason: "No longer supported", removalDate: null });
    const dates = body.deprecations.map((entry) => entry.removalDate ?? "none");
    const dated = dates.filter((date) => date !== "none");
    expect(dated).toEqual([...dated].sort());
    expect(dates.indexOf("none")).toBe(dated.length);
  });

  it("reports the last N UTC days (?days=N, 1 to 90) with each client's last use, and refuses other windows", async () => {
    const gw = gateway(uniqueId());
    const client = clientId();
    const stub = env.DEPRECATION_USAGE.get(
      env.DEPRECATION_USAGE.idFromName("global"),
    ) as unknown as DeprecationUsageRpc;
    const now = Date.now();
    await stub.record(client, ["Query.legacyItems"], now - 40 * DAY_MS);
    await stub.record(client, ["Query.legacyItems"], now - 100 * DAY_MS);
    await runOk(gw, client, "{ legacyItems { id } }");
    expect(await countsOf(gw, client)).toEqual({ "Query.legacyItems": 1 });
    expect(await countsOf(gw, client, "41")).toEqual({ "Query.legacyItems": 2 });
    expect(await countsOf(gw, client, "90")).toEqual({ "Query.legacyItems": 2 });
    const { body } = await report(gw, "1");
    const entry = body.deprecations.find((e) => e.coordinate === "Query.legacyItems");
    const mine = entry?.clients.find((c) => c.name === client);
    expect(mine?.count).toBe(1);
    expect(Math.abs(Date.parse(mine?.lastUsed ?? "") - now)).toBeLessThan(60_000);
    expect(Date.parse(entry?.lastUsed ?? "")).toBeGreaterThanOrEqual(Date.parse(mine?.lastUsed ?? ""));
    for (const bad of ["0", "91", "abc", "1.5", "-3"]) {
      const res = await gw.fetch(`/admin/deprecations?days=${bad}`, { headers: ADMIN_HEADERS });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    }
    const refused = await gw.fetch("/admin/deprecations");
    expect(refused.status).toBe(401);
  });
});

describe("role schemas", () => {
  it("counts a role's operation against the role's schema; what the role cannot see fails validation and counts nothing", async () => {
    const reader =
      "type Query { items(tier: Tier): [Item!]! } type Item { id: ID! code: String } enum Tier { FREE PRO GOLD }";
    const gw = testGateway(uniqueId(), { ...SPEC, auth: hsAuth(), permissions: { reader: { legacy: reader } } }, FILES);
    const client = clientId();
    const headers = { ...(await asRole("reader")), "graphql-client-name": client };
    const post = (query: string) =>
      gw.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
        body: JSON.stringify({ query }),
      });
    expect((await post("{ items(tier: GOLD) { id code } }")).status).toBe(200);
    expect((await post("{ legacyItems { id } }")).status).toBe(400);
    expect((await post("{ items { label } }")).status).toBe(400);
    expect(await countsOf(gw, client)).toEqual({ "Item.code": 1, "Tier.GOLD": 1 });
  });
});

describe("storage", () => {
  it("keeps at most 100 clients per coordinate and day; later clients of that day count as (other)", async () => {
    const stub = env.DEPRECATION_USAGE.get(
      env.DEPRECATION_USAGE.idFromName("global"),
    ) as unknown as DeprecationUsageRpc;
    const coordinate = `Capped.${uniqueId("f").replaceAll("-", "_")}`;
    const now = Date.now();
    for (let i = 0; i < 103; i++) await stub.record(`client-${i}`, [coordinate], now);
    await stub.record("client-0", [coordinate], now);
    const rows = (await stub.read(1, now)).rows.filter((row) => row.coordinate === coordinate);
    expect(rows).toHaveLength(101);
    expect(rows.find((row) => row.client === "(other)")?.count).toBe(3);
    expect(rows.find((row) => row.client === "client-0")?.count).toBe(2);
    expect(rows.find((row) => row.client === "client-102")).toBeUndefined();
  });

  it("a failed count is logged and never fails or changes the answer; without the binding nothing is counted", async () => {
    const lines: string[] = [];
    const failing = {
      idFromName: (name: string) => name,
      get: () => ({ record: () => Promise.reject(new Error("usage object unavailable")) }),
    };
    const id = uniqueId();
    const broken = testGateway(id, SPEC, {
      ...FILES,
      env: { DEPRECATION_USAGE: failing },
      log: createLogger({ sink: (line) => lines.push(line) }),
    });
    const answer = await run(broken, clientId(), "{ legacyItems { id code } }");
    expect(answer).toEqual({
      status: 200,
      body: {
        data: {
          legacyItems: [
            { id: "i1", code: "c-1" },
            { id: "i2", code: "c-2" },
          ],
        },
      },
    });
    expect(
      lines.some(
        (line) => line.includes("deprecation usage not recorded") && line.includes("usage object unavailable"),
      ),
    ).toBe(true);

    const unbound = testGateway(id, SPEC, { ...FILES, env: { DEPRECATION_USAGE: undefined } });
    expect((await run(unbound, clientId(), "{ legacyItems { id code } }")).status).toBe(200);
    const res = await unbound.fetch("/admin/deprecations", { headers: ADMIN_HEADERS });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "INVALID_CONFIG",
      message: expect.stringContaining("DEPRECATION_USAGE"),
    });
  });
});
