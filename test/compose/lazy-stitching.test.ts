/**
 * Lazy stitching at cold start (src/compose/registry-early.ts, src/graphql/plugins/use-registry-schema.ts):
 * before an isolate's first composition, an operation the first remote answers alone is validated and
 * answered through that remote's own schema, and composition runs once the answer is out. Whatever the
 * path, the client gets the answer and errors the composed schema gives.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createLogger } from "../../src/observability";
import {
  asRole,
  BILLING,
  fixtureConfig,
  type GatewaySpec,
  hsAuth,
  SHOP_FILES,
  testGateway,
} from "../fixtures/gateways";
import { ADMIN_SECRET, control, uniqueId, upstreamOperations } from "../helpers";

/** Test `id`'s accounts and products remotes: accounts is first, so it may answer before composition. */
const TWO_REMOTES: GatewaySpec = { remotes: ["accounts", "products"] };

/**
 * A fresh gateway (by default its own KV prefix, so nothing is cached) whose log lines are kept, and a `post` that
 * returns as soon as the app answers, before the background work registered with waitUntil is awaited.
 */
function coldGateway(
  id: string,
  spec: GatewaySpec,
  kvPrefix = `${uniqueId("kv")}:`,
  files: Record<string, string> = {},
) {
  const lines: Array<{ msg: string }> = [];
  const app = createApp({
    config: fixtureConfig(id, spec),
    schemaFiles: Object.entries(files).map(([path, sdl]) => ({ path, sdl })),
    kvPrefix,
    log: createLogger({ sink: (line) => lines.push(JSON.parse(line)) }),
  });
  const composed = () => lines.filter((line) => line.msg === "schema composed").length;
  const post = async (query: string, headers: Record<string, string> = {}) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(
      new Request("http://gateway.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
        body: JSON.stringify({ query }),
      }),
      { ...env, ADMIN_SECRET } as Env,
      ctx,
    );
    const composedAtAnswer = composed();
    const body = await res.json();
    await waitOnExecutionContext(ctx);
    return { status: res.status, body, composedAtAnswer };
  };
  return { post, composed };
}

describe("the first operation one remote answers alone", () => {
  it("is answered before stitching, which then runs in the background", async () => {
    const id = uniqueId();
    const gw = coldGateway(id, TWO_REMOTES);
    const query = '{ user(id: "1") { name } }';
    const first = await gw.post(query);
    expect(first).toEqual({ status: 200, body: { data: { user: { name: "Ada" } } }, composedAtAnswer: 0 });
    expect(await upstreamOperations(id, "accounts")).toEqual([{ query, variables: null }]);
    // Once the answer is out, the schema is composed once, and later requests use it.
    expect(gw.composed()).toBe(1);
    const spanning = await gw.post('{ user(id: "1") { name } products(limit: 1) { name } }');
    expect(spanning.body).toEqual({ data: { user: { name: "Ada" }, products: [{ name: "Table" }] } });
    expect(gw.composed()).toBe(1);
  });

  it("waits for stitching when it needs the composed schema (another remote's field)", async () => {
    const gw = coldGateway(uniqueId(), TWO_REMOTES);
    const first = await gw.post("{ products(limit: 1) { name } }");
    expect(first.body).toEqual({ data: { products: [{ name: "Table" }] } });
    expect(first.composedAtAnswer).toBe(1);
  });

  it("waits for stitching under a role that sees part of the schema, and gets the role's answers", async () => {
    const id = uniqueId();
    const spec: GatewaySpec = {
      ...TWO_REMOTES,
      auth: hsAuth(),
      permissions: { user: { accounts: "type Query { me: User } type User { name: String! }" } },
    };
    const user = await asRole("user", "u-1");
    const allowed = await coldGateway(id, spec).post("{ me { name } }", user);
    expect(allowed.composedAtAnswer).toBe(1);
    const hidden = await coldGateway(id, spec).post('{ user(id: "1") { name } }', user);
    expect(hidden.composedAtAnswer).toBe(1);
    const warm = testGateway(id, spec);
    for (const [query, cold] of [
      ["{ me { name } }", allowed],
      ['{ user(id: "1") { name } }', hidden],
    ] as const) {
      const after = await warm.graphql(query, undefined, user);
      expect({ status: cold.status, body: cold.body }).toEqual({ status: after.status, body: after.body });
    }
    expect(hidden.status).toBe(400);
    expect(JSON.stringify(hidden.body)).toContain("Cannot query field");
  });

  it("waits for stitching when the first remote has a customization", async () => {
    const gw = coldGateway(uniqueId(), {
      remotes: [{ name: "accounts", customization: { typeNames: { prefix: "Acc_" } } }, "products"],
    });
    const first = await gw.post('{ user(id: "1") { __typename name } }');
    expect(first.body).toEqual({ data: { user: { __typename: "Acc_User", name: "Ada" } } });
    expect(first.composedAtAnswer).toBe(1);
  });
});

describe("with schemas/*.graphql (REST fields, @join)", () => {
  const SHOP: GatewaySpec = { remotes: ["shop", "crm"], services: [BILLING] };

  /** The first answer of a cold gateway and the answer of a warm one (composed), for one query. */
  async function coldAndWarm(files: Record<string, string>, query: string) {
    const id = uniqueId();
    const cold = await coldGateway(id, SHOP, undefined, files).post(query);
    const warm = testGateway(id, SHOP, { files });
    await warm.graphql("{ customerCount }");
    const after = await warm.graphql(query);
    expect({ status: cold.status, body: cold.body }).toEqual({ status: after.status, body: after.body });
    return cold;
  }

  it("the first remote's own operation is answered before stitching", async () => {
    const cold = await coldAndWarm(SHOP_FILES, "{ orders(count: 2) { id total } }");
    expect(cold.composedAtAnswer).toBe(0);
    expect(cold.body).toMatchObject({ data: { orders: [{ id: "o1" }, { id: "o2" }] } });
  });

  it("an operation with a @rest or @join field waits for stitching", async () => {
    expect((await coldAndWarm(SHOP_FILES, "{ orders(count: 1) { id invoices { amount } } }")).composedAtAnswer).toBe(1);
    expect((await coldAndWarm(SHOP_FILES, "{ orders(count: 1) { customer { name } } }")).composedAtAnswer).toBe(1);
  });

  it("a first remote that conflicts with the local SDL is left out, before stitching as after", async () => {
    // shop's Coupon has a code; this one does not: shop is left out of the composed schema.
    const files = { ...SHOP_FILES, "schemas/coupon.graphql": "type Coupon { id: ID! }" };
    const cold = await coldAndWarm(files, "{ orders(count: 1) { id } }");
    expect(cold.composedAtAnswer).toBe(1);
    expect(cold.status).toBe(400);
  });
});

describe("answers before stitching", () => {
  const documents = [
    '{ a: user(id: "1") { ...F } search(term: "a") { __typename ... on Org { title } } } fragment F on User { name }',
    '{ user(id: "1") { name nope } }',
    "{ user(id: ",
    '{ __type(name: "Product") { name } user(id: "1") { name } }',
    'query A { me { name } } query B { user(id: "1") { name } }',
  ];

  it.each(documents)("are those of the composed schema: %s", async (query) => {
    const id = uniqueId();
    const cold = await coldGateway(id, TWO_REMOTES).post(query);
    const warm = testGateway(id, TWO_REMOTES);
    await warm.graphql("{ products(limit: 1) { name } }");
    const after = await warm.graphql(query);
    expect({ status: cold.status, body: cold.body }).toEqual({ status: after.status, body: after.body });
  });

  it("keep composition's error shape when the remote is down (schema from KV)", async () => {
    const id = uniqueId();
    const kvPrefix = `${uniqueId("kv")}:`;
    // The warm gateway introspects both remotes and writes them to KV; then accounts goes down.
    const warm = testGateway(id, TWO_REMOTES, { kvPrefix });
    await warm.graphql("{ products(limit: 1) { name } }");
    await control(id, "accounts", { mode: "reset" });
    const query = '{ a: user(id: "1") { name } me { name } }';
    const cold = await coldGateway(id, TWO_REMOTES, kvPrefix).post(query);
    const after = await warm.graphql(query);
    expect(cold.composedAtAnswer).toBe(0);
    expect({ status: cold.status, body: cold.body }).toEqual({ status: after.status, body: after.body });
    expect(after.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [["a"], "UPSTREAM_UNAVAILABLE"],
      [["me"], "UPSTREAM_UNAVAILABLE"],
    ]);
  });
});
