/**
 * Within one GraphQL request, identical GET calls of queries are sent once; nothing is cached across
 * requests, and mutations are never deduplicated.
 */
import { describe, expect, it } from "vitest";
import { createTestGateway, restStats, restUrl, type TestGateway, uniqueId } from "../../helpers";

const SDL = `
type Charge { id: ID! amount: Int! status: String! }
extend type Query {
  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge")
  chargeAgain(id: ID!): Charge @rest(service: "payments", endpoint: "getChargeAgain")
}
extend type Mutation {
  charge(amount: Int!, currency: String!): Charge! @rest(service: "payments", endpoint: "charge")
}
`;

function gateway(id: string): TestGateway {
  return createTestGateway(
    {
      services: [
        {
          name: "payments",
          url: restUrl(id),
          endpoints: {
            getCharge: { method: "GET", path: "/charges/{args.id}" },
            getChargeAgain: { method: "GET", path: "/charges/{args.id}" },
            charge: { method: "POST", path: "/charges" },
          },
        },
      ],
    },
    { schemaFiles: [{ path: "schemas/payments.graphql", sdl: SDL }] },
  );
}

async function ok(gw: TestGateway, query: string): Promise<unknown> {
  const { body } = await gw.graphql(query);
  expect(body.errors).toBeUndefined();
  return body.data;
}

describe("deduplication of REST calls", () => {
  it("sends identical GET calls of one request once (aliases of the same field and arguments)", async () => {
    const id = uniqueId();
    const data = await ok(gateway(id), `{ a: charge(id: "ch_1") { id } b: charge(id: "ch_1") { amount } }`);
    expect(data).toEqual({ a: { id: "ch_1" }, b: { amount: 500 } });
    expect(await restStats(id)).toEqual({ requests: { "GET /charges/ch_1": 1 }, total: 1 });
  });

  it("sends one call for two fields bound to endpoints that build the same request", async () => {
    const id = uniqueId();
    const data = await ok(gateway(id), `{ charge(id: "ch_1") { id } chargeAgain(id: "ch_1") { status } }`);
    expect(data).toEqual({ charge: { id: "ch_1" }, chargeAgain: { status: "SUCCEEDED" } });
    expect(await restStats(id)).toEqual({ requests: { "GET /charges/ch_1": 1 }, total: 1 });
  });

  it("sends calls with different arguments separately", async () => {
    const id = uniqueId();
    const data = await ok(gateway(id), `{ a: charge(id: "ch_1") { id } b: charge(id: "ch_2") { id } }`);
    expect(data).toEqual({ a: { id: "ch_1" }, b: { id: "ch_2" } });
    expect(await restStats(id)).toEqual({ requests: { "GET /charges/ch_1": 1, "GET /charges/ch_2": 1 }, total: 2 });
  });

  it("calls again in the next GraphQL request (no cache across requests)", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    const query = `{ a: charge(id: "ch_1") { id } b: charge(id: "ch_1") { id } }`;
    await ok(gw, query);
    await ok(gw, query);
    expect(await restStats(id)).toEqual({ requests: { "GET /charges/ch_1": 2 }, total: 2 });
  });

  it("never deduplicates mutations: two aliased identical mutations are two POSTs", async () => {
    const id = uniqueId();
    const data = await ok(
      gateway(id),
      `mutation { a: charge(amount: 5, currency: "EUR") { id amount } b: charge(amount: 5, currency: "EUR") { id amount } }`,
    );
    expect(data).toEqual({ a: { id: "ch_new", amount: 5 }, b: { id: "ch_new", amount: 5 } });
    expect(await restStats(id)).toEqual({ requests: { "POST /charges": 2 }, total: 2 });
  });
});
