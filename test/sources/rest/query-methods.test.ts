/**
 * A root Query field may call only a GET (or HEAD) endpoint, unless the endpoint says `safe: true`
 * (docs/rest.md; docs/security.md "Requests from browsers"): queries also run from GET requests, so a
 * Query bound to a POST endpoint would let a plain link change data. A config error otherwise, located
 * at the field as `file:line:column`.
 */
import { describe, expect, it } from "vitest";
import { startupProblems, testGateway } from "../../fixtures/gateways";
import { restStats, uniqueId } from "../../helpers";

const SDL = [
  "type Echo { method: String! path: String! }",
  "extend type Query {",
  '  ok: Echo @rest(service: "svc", endpoint: "read")',
  '  search(term: String!): Echo @rest(service: "svc", endpoint: "search")',
  "}",
  "extend type Mutation {",
  '  write(term: String!): Echo @rest(service: "svc", endpoint: "search")',
  "}",
].join("\n");

/** A gateway whose Query.search calls `search` (and Mutation.write the same endpoint). */
const gateway = (id: string, search: Record<string, unknown>) =>
  testGateway(
    id,
    {
      services: [
        {
          name: "svc",
          endpoints: { read: { method: "GET", path: "/echo/read" }, search: { path: "/echo/search", ...search } },
        },
      ],
    },
    { files: { "schemas/svc.graphql": SDL } },
  );

describe("Query fields and the endpoint's method", () => {
  it.each([
    ["POST", "POST"],
    ["PUT", "PUT"],
    ["PATCH", "PATCH"],
    ["DELETE", "DELETE"],
    ["no method (POST by default)", undefined],
  ])("refuses a Query field bound to an endpoint with %s, at the field's line and column", async (_label, method) => {
    const problems = await startupProblems(gateway(uniqueId(), method === undefined ? {} : { method }));
    expect(problems).toEqual([
      {
        path: "schemas/svc.graphql:4:3",
        message: expect.stringContaining(
          `Query.search (@rest svc.search): the endpoint's method is ${method ?? "POST"}`,
        ),
      },
    ]);
    expect(problems[0]?.message).toContain('"safe": true');
  });

  it('lets a Query field call a POST endpoint that says "safe": true', async () => {
    const id = uniqueId();
    const gw = gateway(id, { method: "POST", safe: true });
    const { status, body } = await gw.graphql('{ search(term: "x") { method path } ok { method } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { search: { method: "POST", path: "/echo/search" }, ok: { method: "GET" } } });
    expect((await restStats(id)).requests).toEqual({ "POST /echo/search": 1, "GET /echo/read": 1 });
  });

  it("checks root Query fields only: a Mutation field, and a field of another type, may call a POST endpoint", async () => {
    const id = uniqueId();
    const sdl = [
      'type Echo { method: String! path: String! again: Echo @rest(service: "svc", endpoint: "post") }',
      'extend type Query { ok: Echo @rest(service: "svc", endpoint: "read") }',
      'extend type Mutation { write: Echo @rest(service: "svc", endpoint: "post") }',
    ].join("\n");
    const gw = testGateway(
      id,
      {
        services: [
          {
            name: "svc",
            endpoints: { read: { method: "GET", path: "/echo/read" }, post: { method: "POST", path: "/echo/post" } },
          },
        ],
      },
      { files: { "schemas/svc.graphql": sdl } },
    );
    const { body } = await gw.graphql("mutation { write { method again { method } } }");
    expect(body).toEqual({ data: { write: { method: "POST", again: { method: "POST" } } } });
  });
});
