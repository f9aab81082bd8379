/**
 * What is checked when the gateway starts (every request then answers 500 INVALID_CONFIG with each
 * problem located as `file:line:column`), how local SDL fields win a conflict with a remote, and SDL
 * split over several files.
 */
import { describe, expect, it } from "vitest";
import { remotesOf, startupProblems, testGateway } from "../../fixtures/gateways";
import { restStats, uniqueId } from "../../helpers";

const SERVICE = {
  name: "payments",
  endpoints: {
    getCharge: { method: "GET", path: "/charges/{args.id}" },
    refund: { method: "POST", path: "/charges/{parent.id}/refunds" },
    list: { method: "GET", path: "/charges", select: "data.items" },
  },
};

/** Lines 1-3 of every bad file; the problem is on line 4 (column 3 for a field) unless said otherwise. */
const HEADER = [
  "type Charge { id: ID! amount: Int! }",
  "extend type Query {",
  '  ok(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge")',
];

const file = (...lines: string[]) => [...HEADER, ...lines, "}"].join("\n");

/** The SDL files of a gateway with one bad file. */
const withBadFile = (sdl: string) => ({
  files: { "schemas/good.graphql": "type Refund { id: ID! }", "schemas/bad.graphql": sdl },
});

describe("startup validation of schemas/*.graphql", () => {
  const cases: Array<{ name: string; sdl: string; path: string; message: string[] }> = [
    {
      name: "an unknown service",
      sdl: file('  bad(id: ID!): Charge @rest(service: "nope", endpoint: "getCharge")'),
      path: "schemas/bad.graphql:4:3",
      message: ["Query.bad", 'unknown service "nope"', "payments"],
    },
    {
      name: "an unknown endpoint",
      sdl: file('  bad(id: ID!): Charge @rest(service: "payments", endpoint: "nope")'),
      path: "schemas/bad.graphql:4:3",
      message: ["Query.bad", 'unknown endpoint "nope"', "getCharge"],
    },
    {
      name: "a template naming an argument the field lacks",
      sdl: file('  bad(chargeId: ID!): Charge @rest(service: "payments", endpoint: "getCharge")'),
      path: "schemas/bad.graphql:4:3",
      message: ["Query.bad", "{args.id}", 'argument "id"'],
    },
    {
      name: "{parent.x} on a root field",
      sdl: file('  bad: Refund @rest(service: "payments", endpoint: "refund")'),
      path: "schemas/bad.graphql:4:3",
      message: ["Query.bad", "{parent.id}", "parent of a root field"],
    },
    {
      name: "{parent.x} naming a field the parent type lacks",
      sdl: [
        "type Charge { id: ID! amount: Int! }",
        "type Payout { amount: Int! }",
        "extend type Payout {",
        '  refund: Refund @rest(service: "payments", endpoint: "refund")',
        "}",
        'extend type Query { payout: Payout, ok(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") }',
      ].join("\n"),
      path: "schemas/bad.graphql:4:3",
      message: ["Payout.refund", "{parent.id}", 'field "id"'],
    },
    {
      name: "a syntax error",
      sdl: file('  bad(id ID!): Charge @rest(service: "payments", endpoint: "getCharge")'),
      path: "schemas/bad.graphql:4:10",
      message: ["Syntax Error", 'Expected ":"'],
    },
    {
      name: "extending a type no file defines with a field nothing resolves",
      sdl: [...HEADER, "}", "extend type Dispute {", "  reason: String", "}"].join("\n"),
      path: "schemas/bad.graphql:6:3",
      message: ["Dispute.reason", "without @rest or @join"],
    },
    {
      name: "a field of a type no file defines",
      sdl: file('  bad(id: ID!): Dispute @rest(service: "payments", endpoint: "getCharge")'),
      path: "schemas/bad.graphql:4:17",
      message: ['"Dispute"'],
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))(
    "rejects %s, naming the file, line and column",
    async (_name, { sdl, path, message }) => {
      const problems = await startupProblems(testGateway(uniqueId(), { services: [SERVICE] }, withBadFile(sdl)));
      const problem = problems.find((p) => p.path === path);
      expect(problem, JSON.stringify(problems)).toBeDefined();
      for (const text of message) expect(problem?.message).toContain(text);
    },
  );

  it("locates a type defined twice across files", async () => {
    const gw = testGateway(
      uniqueId(),
      { services: [SERVICE] },
      { files: { "schemas/a.graphql": file(), "schemas/b.graphql": "# again\ntype Charge { id: ID! }" } },
    );
    const problems = await startupProblems(gw);
    const problem = problems.find((p) => p.message.includes('one type named "Charge"'));
    // graphql-js locates the error at the first definition; the second one would serve users as well.
    expect(problem?.path, JSON.stringify(problems)).toMatch(/^schemas\/(a\.graphql:1:6|b\.graphql:2:6)$/);
  });

  it("answers INVALID_CONFIG (not an internal error) for an unknown argument of @rest", async () => {
    const sdl = file('  bad(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge", cache: 5)');
    const problems = await startupProblems(testGateway(uniqueId(), { services: [SERVICE] }, withBadFile(sdl)));
    expect(problems.map((p) => p.message).join("\n")).toContain('"cache"');
  });

  it("reports every problem of every file at once", async () => {
    const gw = testGateway(
      uniqueId(),
      { services: [SERVICE] },
      {
        files: {
          "schemas/a.graphql": file('  bad(id: ID!): Charge @rest(service: "nope", endpoint: "x")'),
          "schemas/b.graphql": [
            "extend type Query {",
            '  other: Charge @rest(service: "payments", endpoint: "nope")',
            "}",
          ].join("\n"),
        },
      },
    );
    const paths = (await startupProblems(gw)).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["schemas/a.graphql:4:3", "schemas/b.graphql:2:3"]));
  });

  it("rejects a service named like a remote ($.services[0].name)", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: ["accounts"], services: [{ ...SERVICE, name: "accounts" }] },
      {
        files: {
          "schemas/a.graphql":
            'extend type Query { x(id: ID!): String @rest(service: "accounts", endpoint: "getCharge") }',
        },
      },
    );
    const problem = (await startupProblems(gw)).find((p) => p.path === "$.services[0].name");
    expect(problem?.message).toContain('"accounts"');
    expect(problem?.message).toContain("remote");
  });
});

describe("a root field defined by the SDL and by a remote", () => {
  it("leaves the remote out (local SDL wins) and shows SCHEMA_CONFLICT naming schemas/*.graphql", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      {
        remotes: ["accounts", "products"],
        services: [{ name: "payments", endpoints: { me: { method: "GET", path: "/charges/ch_1" } } }],
      },
      {
        files: {
          "schemas/payments.graphql": `type Charge { id: ID! amount: Int! }
extend type Query { me: Charge @rest(service: "payments", endpoint: "me") }`,
        },
      },
    );
    const { body } = await gw.graphql("{ me { id amount } products(limit: 1) { upc } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { id: "ch_1", amount: 500 }, products: [{ upc: "p1" }] });
    expect((await restStats(id)).requests).toEqual({ "GET /charges/ch_1": 1 });

    // The remote's other root fields are gone with it.
    const users = await gw.graphql('{ user(id: "1") { name } }');
    expect(users.body.errors?.[0]?.message).toContain("user");

    const { remotes } = await remotesOf(gw);
    expect(remotes.map((r) => [r.name, r.status])).toEqual([
      ["accounts", "error"],
      ["products", "ok"],
    ]);
    const error = remotes[0]?.lastError;
    expect(error?.code).toBe("SCHEMA_CONFLICT");
    expect(error?.message).toContain("schemas/*.graphql");
    expect(error?.message).toContain("Query.me");
    expect(error?.message).toContain('"accounts"');
  });
});

describe("several SDL files", () => {
  it("uses types of one file in fields of another, and extends a type across files", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { services: [SERVICE] },
      {
        files: {
          "schemas/types.graphql":
            "type Charge { id: ID! amount: Int! status: ChargeStatus! }\nenum ChargeStatus { PENDING SUCCEEDED FAILED }\ntype Refund { id: ID! chargeId: ID! idempotencyKey: String }",
          "schemas/queries.graphql": `extend type Query {
  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge")
  charges: [Charge!]! @rest(service: "payments", endpoint: "list")
}`,
          "schemas/refunds.graphql": `extend type Charge {
  refund: Refund @rest(service: "payments", endpoint: "refund")
}`,
        },
      },
    );
    const { body } = await gw.graphql(`{ charge(id: "ch 3/x") { status refund { id chargeId } } charges { id } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      charge: { status: "FAILED", refund: { id: "re_1", chargeId: "ch 3/x" } },
      charges: [{ id: "ch_1" }, { id: "ch_2" }, { id: "ch 3/x" }],
    });
    expect((await restStats(id)).requests).toEqual({
      "GET /charges/ch 3/x": 1,
      "POST /charges/ch 3/x/refunds": 1,
      "GET /charges": 1,
    });
  });
});
