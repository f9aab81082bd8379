/**
 * Problems of joins and merges (docs/joins.md "Checks"):
 * - at config time (no remote needed): every request answers 500 INVALID_CONFIG with each problem
 *   located as `file:line:column` (SDL) or a JSON path (config), and no upstream is called;
 * - at compose time (the remotes' schemas are needed): the join, or the remote of a bad `merge` entry,
 *   is left out with INVALID_JOIN shown by GET /healthz and GET /admin/remotes, the rest still serves;
 *   a reload that would break a serving join fails with 409 RELOAD_FAILED and the old schema stays.
 */
import { describe, expect, it } from "vitest";
import type { RemoteStatus } from "../../src/compose";
import {
  BILLING,
  type GatewaySpec,
  getJson,
  JOIN_SDL,
  mergeGateway,
  ok,
  PEOPLE_MERGE,
  REST_SDL,
  shopGateway,
  startupProblems,
  testGateway,
} from "../fixtures/gateways";
import { control, type GraphQLBody, stats, type TestGateway, uniqueId } from "../helpers";
import { type JoinStatus, operations } from "./setup";

/** Every error message of a GraphQL body, one per line. */
const messagesOf = (body: GraphQLBody): string => (body.errors ?? []).map((e) => e.message).join("\n");

const INVOICE = "type Invoice { id: ID! orderId: ID! amount: Float! }";
const OK_JOIN = '  ok: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.customerId}" })';

/** Lines 1-3 are fine; the bad field(s) start on line 4. */
const file = (...lines: string[]) => [INVOICE, "extend type Order {", OK_JOIN, ...lines, "}"].join("\n");

describe("config-time problems of @join and @rest in schemas/*.graphql", () => {
  const cases: Array<{ name: string; sdl: string; line: number | number[]; message: string[] }> = [
    {
      name: "an unknown remote in @join",
      sdl: file('  bad: Customer @join(remote: "nope", field: "customer", args: { id: "{parent.customerId}" })'),
      line: 4,
      message: ["Order.bad", '"nope"'],
    },
    {
      name: "@join on a root type",
      sdl: [
        INVOICE,
        "extend type Order {",
        OK_JOIN,
        "}",
        "extend type Query {",
        '  bad: Customer @join(remote: "crm", field: "customer", args: { id: "c1" })',
        "}",
      ].join("\n"),
      line: 6,
      message: ["Query.bad"],
    },
    {
      name: "batch without a {parent.x} key",
      sdl: file('  bad: [Customer] @join(remote: "crm", field: "customersByIds", args: { ids: "c1" }, batch: true)'),
      line: 4,
      message: ["Order.bad", "batch"],
    },
    {
      name: "batch with two {parent.x} keys",
      sdl: file(
        '  bad: Customer @join(remote: "crm", field: "customersByIds", args: { ids: "{parent.customerId}", more: "{parent.id}" }, batch: true)',
      ),
      line: 4,
      message: ["Order.bad", "batch"],
    },
    {
      name: "batch whose key is not a sole {parent.x} reference",
      sdl: file(
        '  bad: Customer @join(remote: "crm", field: "customersByIds", args: { ids: "x-{parent.customerId}" }, batch: true)',
      ),
      line: 4,
      message: ["Order.bad", "batch"],
    },
    {
      name: "@rest batch on an endpoint without keyField",
      sdl: file(
        '  bad: [Invoice!]! @rest(service: "billing", endpoint: "invoicesByOrder", args: { orderId: "{parent.id}" }, batch: true)',
      ),
      line: 4,
      message: ["Order.bad", "keyField"],
    },
    {
      name: "an {args.x} of @join naming neither a field argument nor an args key",
      sdl: file('  bad(id: ID): Customer @join(remote: "crm", field: "customer", args: { id: "{args.cid}" })'),
      line: 4,
      message: ["Order.bad", "{args.cid}"],
    },
    {
      name: "an {args.x} of an endpoint naming neither a field argument nor an args key of @rest",
      sdl: file(
        '  bad: [Invoice!]! @rest(service: "billing", endpoint: "invoicesByOrder", args: { order: "{parent.id}" })',
      ),
      line: 4,
      message: ["Order.bad", "{args.orderId}"],
    },
    {
      name: "a cycle of mandatory keys",
      sdl: file(
        '  first: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.second}" })',
        '  second: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.first}" })',
      ),
      line: [4, 5],
      message: ["first", "second"],
    },
    {
      name: "a join whose key is the joined field itself",
      sdl: file('  self: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.self}" })'),
      line: 4,
      message: ["Order.self"],
    },
    {
      name: "an unknown service in @rest with batch",
      sdl: file(
        '  bad: [Invoice!]! @rest(service: "nope", endpoint: "invoicesForOrders", args: { orderIds: "{parent.id}" }, batch: true)',
      ),
      line: 4,
      message: ["Order.bad", '"nope"'],
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))(
    "rejects %s, naming the file, line and column",
    async (_name, { sdl, line, message }) => {
      const id = uniqueId();
      const problems = await startupProblems(shopGateway(id, { files: { "schemas/bad.graphql": sdl } }));
      const lines = Array.isArray(line) ? line : [line];
      const problem = problems.find((p) =>
        lines.some((l) => new RegExp(`^schemas/bad\\.graphql:${l}:\\d+$`).test(p.path)),
      );
      expect(problem, JSON.stringify(problems)).toBeDefined();
      for (const text of message) expect(problem?.message, JSON.stringify(problems)).toContain(text);
      // The good join on line 3 is no problem.
      expect(
        problems.some((p) => p.path.startsWith("schemas/bad.graphql:3:")),
        JSON.stringify(problems),
      ).toBe(false);
      // Found before any upstream was asked anything.
      expect((await stats(id, "crm")).requests).toBe(0);
      expect((await stats(id, "shop")).requests).toBe(0);
    },
  );

  it("answers INVALID_CONFIG for an unknown argument of @join", async () => {
    const sdl = file(
      '  bad: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.customerId}" }, cache: 5)',
    );
    const problems = await startupProblems(shopGateway(uniqueId(), { files: { "schemas/bad.graphql": sdl } }));
    expect(problems.map((p) => p.message).join("\n")).toContain("cache");
  });

  it("reports every problem of every file at once", async () => {
    const gw = shopGateway(uniqueId(), {
      files: {
        "schemas/a.graphql": file('  bad: Customer @join(remote: "nope", field: "customer", args: { id: "x" })'),
        "schemas/b.graphql": [
          "extend type Order {",
          '  worse: Customer @join(remote: "nada", field: "customer", args: { id: "x" })',
          "}",
        ].join("\n"),
      },
    });
    const paths = (await startupProblems(gw)).map((p) => p.path);
    expect(
      paths.some((p) => /^schemas\/a\.graphql:4:\d+$/.test(p)),
      JSON.stringify(paths),
    ).toBe(true);
    expect(
      paths.some((p) => /^schemas\/b\.graphql:2:\d+$/.test(p)),
      JSON.stringify(paths),
    ).toBe(true);
  });
});

describe("config-time problems of merge, keyField and limits in the config", () => {
  const cases: Array<{ name: string; config: GatewaySpec; path: string }> = [
    {
      name: "limits.maxJoinDepth below 1",
      config: { remotes: ["shop"], limits: { maxJoinDepth: 0 } },
      path: "$.limits.maxJoinDepth",
    },
    {
      name: "a non-integer limits.maxJoinFanOut",
      config: { remotes: ["shop"], limits: { maxJoinFanOut: 2.5 } },
      path: "$.limits.maxJoinFanOut",
    },
    {
      name: "a merge entry without argument",
      config: {
        remotes: [
          { name: "people", merge: PEOPLE_MERGE },
          { name: "reviews", merge: { User: { key: "id", resolver: "reviewAuthor" } } },
        ],
      },
      path: "$.remotes[1].merge.User.argument",
    },
    {
      name: "an empty keyField",
      config: {
        remotes: ["shop"],
        services: [
          {
            ...BILLING,
            endpoints: {
              ...BILLING.endpoints,
              invoicesForOrders: { ...BILLING.endpoints.invoicesForOrders, keyField: "" },
            },
          },
        ],
      },
      path: "$.services[0].endpoints.invoicesForOrders.keyField",
    },
  ];

  it.each(cases.map((c) => [c.name, c.path, c.config] as const))("rejects %s at %s", async (_name, path, config) => {
    const id = uniqueId();
    const problems = await startupProblems(testGateway(id, config));
    expect(
      problems.map((p) => p.path),
      JSON.stringify(problems),
    ).toContain(path);
  });
});

interface StatusBody {
  status: string;
  remotes: RemoteStatus[];
  joins?: JoinStatus[];
}

/**
 * The joins of GET /admin/remotes (a list of { name, status, lastError }) and GET /healthz (the same
 * list, or name -> status like its `remotes`), both asserted "degraded".
 */
async function joinsOf(
  gw: TestGateway,
): Promise<{ admin: JoinStatus[]; health: JoinStatus[]; remotes: RemoteStatus[] }> {
  const admin = await getJson<StatusBody>(gw, "/admin/remotes");
  expect(admin.status).toBe(200);
  expect(admin.body.status, JSON.stringify(admin.body)).toBe("degraded");
  expect(Array.isArray(admin.body.joins), JSON.stringify(admin.body)).toBe(true);
  const health = await getJson<{ status: string; joins?: JoinStatus[] | Record<string, JoinStatus["status"]> }>(
    gw,
    "/healthz",
  );
  expect(health.status).toBe(200);
  expect(health.body.status, JSON.stringify(health.body)).toBe("degraded");
  const joins = health.body.joins;
  expect(joins !== null && typeof joins === "object", JSON.stringify(health.body)).toBe(true);
  const healthJoins = Array.isArray(joins)
    ? joins
    : Object.entries(joins ?? {}).map(([name, status]) => ({ name, status }));
  return { admin: admin.body.joins ?? [], health: healthJoins, remotes: admin.body.remotes };
}

describe("compose-time problems of @join: INVALID_JOIN, the join left out, the rest served", () => {
  const cases: Array<{ name: string; bad: string; message: string }> = [
    {
      name: "a root field the remote does not have",
      bad: '  bad: Customer @join(remote: "crm", field: "nope", args: { id: "{parent.customerId}" })',
      message: "nope",
    },
    {
      name: "a {parent.x} that is not a field of the remote parent type",
      bad: '  bad: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.buyerId}" })',
      message: "buyerId",
    },
    {
      name: "a joined type that differs from the target's",
      bad: '  bad: Order @join(remote: "crm", field: "customer", args: { id: "{parent.customerId}" })',
      message: "Customer",
    },
    {
      name: "a batch target that does not return a list",
      bad: '  bad: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.customerId}" }, batch: true)',
      message: "list",
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))("leaves out %s", async (_name, { bad, message }) => {
    const id = uniqueId();
    const sdl = `${JOIN_SDL}\nextend type Order {\n${bad}\n}`;
    const gw = shopGateway(id, { files: { "schemas/joins.graphql": sdl, "schemas/billing.graphql": REST_SDL } });
    const data = ok(await gw.graphql("{ orders(count: 2) { id customer { name } invoices { id } } customerCount }"));
    expect(data).toEqual({
      orders: [
        { id: "o1", customer: { name: "Alice" }, invoices: [{ id: "inv-o1-1" }, { id: "inv-o1-2" }] },
        { id: "o2", customer: { name: "Bob" }, invoices: [{ id: "inv-o2-1" }, { id: "inv-o2-2" }] },
      ],
      customerCount: 5,
    });
    const missing = await gw.graphql("{ orders(count: 1) { bad { __typename } } }");
    expect(messagesOf(missing.body)).toContain('Cannot query field "bad" on type "Order"');

    const { admin, health, remotes } = await joinsOf(gw);
    expect(remotes.map((r) => [r.name, r.status])).toEqual([
      ["shop", "ok"],
      ["crm", "ok"],
    ]);
    const errors = admin.filter((j) => j.status === "error");
    expect(errors, JSON.stringify(admin)).toHaveLength(1);
    const [error] = errors;
    expect(error?.lastError?.code).toBe("INVALID_JOIN");
    expect(`${error?.name} ${error?.lastError?.message}`).toContain("Order.bad");
    expect(error?.lastError?.message).toContain(message);
    // The good joins are listed as ok.
    expect(
      admin.find((j) => j.name.includes("customer") && !j.name.includes("bad"))?.status,
      JSON.stringify(admin),
    ).toBe("ok");
    expect(health.find((j) => j.name === error?.name)?.status, JSON.stringify(health)).toBe("error");
  });

  it("leaves out joins to a remote with rootFieldsNamespace", async () => {
    const id = uniqueId();
    const gw = shopGateway(id, {
      files: { "schemas/joins.graphql": JOIN_SDL },
      crm: { customization: { rootFieldsNamespace: "crm" } },
    });
    const data = ok(await gw.graphql("{ orders(count: 1) { id } crm { customerCount } }"));
    expect(data).toEqual({ orders: [{ id: "o1" }], crm: { customerCount: 5 } });
    const missing = await gw.graphql("{ orders(count: 1) { customer { name } } }");
    expect(messagesOf(missing.body)).toContain('Cannot query field "customer" on type "Order"');
    const { admin } = await joinsOf(gw);
    const toCrm = admin.filter((j) => /Order\.customer/.test(j.name));
    expect(toCrm.length, JSON.stringify(admin)).toBeGreaterThan(0);
    for (const join of toCrm) {
      expect(join.status).toBe("error");
      expect(join.lastError?.code).toBe("INVALID_JOIN");
    }
  });
});

describe("compose-time problems of merge: the remote left out with INVALID_JOIN", () => {
  const cases: Array<{ name: string; merge: Record<string, unknown> }> = [
    {
      name: "a key field the type lacks",
      merge: { User: { key: "uid", resolver: "reviewAuthorsByIds", argument: "ids" } },
    },
    { name: "an unknown resolver", merge: { User: { key: "id", resolver: "nope", argument: "ids" } } },
    { name: "an unknown argument", merge: { User: { key: "id", resolver: "reviewAuthorsByIds", argument: "nope" } } },
    {
      name: "a resolver returning another type",
      merge: { User: { key: "id", resolver: "topReviews", argument: "ids" } },
    },
  ];

  it.each(cases.map((c) => [c.name, c.merge] as const))(
    "leaves out the remote whose merge entry has %s",
    async (_name, merge) => {
      const id = uniqueId();
      const gw = mergeGateway(id, { merge: PEOPLE_MERGE }, { merge });
      const data = ok(await gw.graphql("{ people { name } }"));
      expect(data.people).toHaveLength(5);
      const missing = await gw.graphql("{ topReviews { id } }");
      expect(messagesOf(missing.body)).toContain('Cannot query field "topReviews"');
      const { body } = await getJson<StatusBody>(gw, "/admin/remotes");
      expect(body.status).toBe("degraded");
      expect(body.remotes.map((r) => [r.name, r.status])).toEqual([
        ["people", "ok"],
        ["reviews", "error"],
      ]);
      expect(body.remotes[1]?.lastError?.code, JSON.stringify(body)).toBe("INVALID_JOIN");
      const health = await getJson<{ status: string; remotes: Record<string, string> }>(gw, "/healthz");
      expect(health.body).toMatchObject({ status: "degraded", remotes: { people: "ok", reviews: "error" } });
    },
  );
});

describe("a reload that would break a serving join", () => {
  it("fails with 409 RELOAD_FAILED and keeps the last good schema", async () => {
    const id = uniqueId();
    const gw = shopGateway(id);
    const query = "{ orders(count: 2) { customer { name } } }";
    const before = ok(await gw.graphql(query));
    expect(before.orders).toEqual([{ customer: { name: "Alice" } }, { customer: { name: "Bob" } }]);

    // crm v2 renames customersByIds, which Order.customer needs.
    await control(id, "crm", { version: "v2" });
    const reload = await gw.admin("/admin/remotes/crm/reload");
    const text = await reload.text();
    expect(reload.status, text).toBe(409);
    expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("RELOAD_FAILED");
    expect(text).toContain("customer");

    // The old schema is still served: back on v1, the join answers without any reload.
    await control(id, "crm", { version: "v1" });
    expect(ok(await gw.graphql(query))).toEqual(before);
    const sdl = await (await gw.admin("/admin/schema", "GET")).text();
    expect(sdl).toMatch(/customer: Customer/);
    expect(sdl).not.toContain("customersByIdList");
  });
});

describe("compose-time problems of merge: a key no other source serves", () => {
  it("drops the merge entry whose key only its own remote serves, keeping the others", async () => {
    const id = uniqueId();
    // people resolves User by email, which reviews' User lacks: a User from reviews can never reach people.
    const gw = mergeGateway(id, { merge: { User: { key: "email", resolver: "usersByIds", argument: "ids" } } });
    const { body } = await getJson<Required<StatusBody>>(gw, "/admin/remotes");
    expect(body.status).toBe("degraded");
    expect(body.remotes.map((r) => [r.name, r.status])).toEqual([
      ["people", "ok"],
      ["reviews", "ok"],
    ]);
    const people = body.joins.find((join) => join.name === "merge:people.User");
    expect(people?.status, JSON.stringify(body.joins)).toBe("error");
    expect(people?.lastError?.code).toBe("INVALID_JOIN");
    expect(people?.lastError?.message).toContain('key field "email" is missing on User');
    expect(body.joins.find((join) => join.name === "merge:reviews.User")?.status).toBe("ok");
    // reviews' entry still serves: from people's users (which have ids) to their reviews, one call each.
    const data = ok(await gw.graphql("{ people { name reviews { stars } } }"));
    expect((data.people as unknown[]).length).toBe(5);
    expect(await operations(id, ["people", "reviews"])).toEqual({ people: 1, reviews: 1 });
  });
});
