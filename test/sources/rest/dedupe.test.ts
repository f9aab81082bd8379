/**
 * Within one GraphQL request, identical GET calls of queries are sent once; nothing is cached across
 * requests, and mutations are never deduplicated.
 */
import { describe, expect, it } from "vitest";
import { ok, testGateway } from "../../fixtures/gateways";
import { restStats, uniqueId } from "../../helpers";

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

/** The payments service: two endpoints that build the same GET request, and a POST. */
const PAYMENTS = {
  services: [
    {
      name: "payments",
      endpoints: {
        getCharge: { method: "GET", path: "/charges/{args.id}" },
        getChargeAgain: { method: "GET", path: "/charges/{args.id}" },
        charge: { method: "POST", path: "/charges" },
      },
    },
  ],
};
const FILES = { files: { "schemas/payments.graphql": SDL } };

describe("deduplication of REST calls", () => {
  it.each([
    [
      "sends identical GET calls of one request once (aliases of the same field and arguments)",
      `{ a: charge(id: "ch_1") { id } b: charge(id: "ch_1") { amount } }`,
      { a: { id: "ch_1" }, b: { amount: 500 } },
      { requests: { "GET /charges/ch_1": 1 }, total: 1 },
    ],
    [
      "sends one call for two fields bound to endpoints that build the same request",
      `{ charge(id: "ch_1") { id } chargeAgain(id: "ch_1") { status } }`,
      { charge: { id: "ch_1" }, chargeAgain: { status: "SUCCEEDED" } },
      { requests: { "GET /charges/ch_1": 1 }, total: 1 },
    ],
    [
      "sends calls with different arguments separately",
      `{ a: charge(id: "ch_1") { id } b: charge(id: "ch_2") { id } }`,
      { a: { id: "ch_1" }, b: { id: "ch_2" } },
      { requests: { "GET /charges/ch_1": 1, "GET /charges/ch_2": 1 }, total: 2 },
    ],
    [
      "never deduplicates mutations: two aliased identical mutations are two POSTs",
      `mutation { a: charge(amount: 5, currency: "EUR") { id amount } b: charge(amount: 5, currency: "EUR") { id amount } }`,
      { a: { id: "ch_new", amount: 5 }, b: { id: "ch_new", amount: 5 } },
      { requests: { "POST /charges": 2 }, total: 2 },
    ],
  ])("%s", async (_name, query, data, calls) => {
    const id = uniqueId();
    expect(ok(await testGateway(id, PAYMENTS, FILES).graphql(query))).toEqual(data);
    expect(await restStats(id)).toEqual(calls);
  });

  it("calls again in the next GraphQL request (no cache across requests)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, PAYMENTS, FILES);
    const query = `{ a: charge(id: "ch_1") { id } b: charge(id: "ch_1") { id } }`;
    ok(await gw.graphql(query));
    ok(await gw.graphql(query));
    expect(await restStats(id)).toEqual({ requests: { "GET /charges/ch_1": 2 }, total: 2 });
  });
});
