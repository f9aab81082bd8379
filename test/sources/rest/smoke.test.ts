import { describe, expect, it } from "vitest";
import { testGateway } from "../../fixtures/gateways";
import { restStats, uniqueId } from "../../helpers";

const SDL = `
type Charge { id: ID! amount: Int! status: ChargeStatus! createdAt: String expand: String }
enum ChargeStatus { PENDING SUCCEEDED FAILED }
extend type Query {
  charge(id: ID!, expand: String): Charge @rest(service: "payments", endpoint: "getCharge")
  charges: [Charge!]! @rest(service: "payments", endpoint: "listCharges")
}
extend type Mutation {
  charge(amount: Int!, currency: String!): Charge! @rest(service: "payments", endpoint: "charge")
}
`;

/** Test `id`'s accounts remote next to the payments service. */
const PAYMENTS = {
  remotes: ["accounts"],
  services: [
    {
      name: "payments",
      endpoints: {
        charge: { method: "POST", path: "/charges" },
        getCharge: { method: "GET", path: "/charges/{args.id}", query: { expand: "{args.expand}" } },
        listCharges: { method: "GET", path: "/charges", select: "data.items" },
      },
    },
  ],
};

describe("REST fields next to remote schema fields", () => {
  it("answers a REST field and a remote field in one query", async () => {
    const id = uniqueId();
    const gw = testGateway(id, PAYMENTS, { files: { "schemas/payments.graphql": SDL } });
    const { body } = await gw.graphql(
      `{ me { name } charge(id: "ch 3/x", expand: "customer") { id amount status expand } charges { id } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      me: { name: "Ada" },
      charge: { id: "ch 3/x", amount: 7, status: "FAILED", expand: "customer" },
      charges: [{ id: "ch_1" }, { id: "ch_2" }, { id: "ch 3/x" }],
    });
    const mutation = await gw.graphql(`mutation { charge(amount: 42, currency: "EUR") { id amount status } }`);
    expect(mutation.body.errors).toBeUndefined();
    expect(mutation.body.data).toEqual({ charge: { id: "ch_new", amount: 42, status: "PENDING" } });
    expect((await restStats(id)).requests).toEqual({ "GET /charges/ch 3/x": 1, "GET /charges": 1, "POST /charges": 1 });
  });
});
