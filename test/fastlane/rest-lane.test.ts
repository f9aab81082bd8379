/**
 * The fast lane for one `@rest` root field: after its first run through Yoga, the field's endpoint is
 * called without graphql-js execution and the answer shaped to the selection. Every answer must be
 * the one Yoga gives with the lane off: same bytes, status and content type; one REST call per request,
 * also when the call fails (Yoga then shapes the error from the call already made).
 */
import { describe, expect, it } from "vitest";
import { restStats, uniqueId } from "../helpers";
import { counted, pair, post } from "./lane-helpers";

const SDL = `
type Charge { id: ID! amount: Int! status: ChargeStatus! createdAt: String }
scalar Cents
type PricedCharge { id: ID! amount: Cents! }
enum ChargeStatus { PENDING SUCCEEDED FAILED }
extend type Query {
  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge")
  requiredCharge(id: ID!): Charge! @rest(service: "payments", endpoint: "getCharge")
  badType: Charge @rest(service: "payments", endpoint: "badType")
  status500: Charge @rest(service: "payments", endpoint: "status500")
  priced(id: ID!): PricedCharge @rest(service: "payments", endpoint: "getCharge")
}
`;

const SPEC = {
  remotes: ["accounts"],
  services: [
    {
      name: "payments",
      endpoints: {
        getCharge: { method: "GET", path: "/charges/{args.id}" },
        badType: { method: "GET", path: "/bad/type" },
        status500: { method: "GET", path: "/status/500" },
      },
    },
  ],
};
const FILES = { files: { "schemas/payments.graphql": SDL } };

const calls = async (id: string): Promise<number> => (await restStats(id)).total;

describe("the fast lane for one @rest field", () => {
  it("answers like Yoga (aliases, __typename, enums, nulls, merged keys), one call per request", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, SPEC, FILES);
    const body = {
      query: 'query { c: charge(id: "ch_2") { __typename id amt: amount status createdAt amount id } }',
    };
    for (const accept of ["application/graphql-response+json", "application/json"]) {
      const expected = await post(off, body, {}, accept);
      expect(JSON.parse(expected.text)).toEqual({
        data: { c: { __typename: "Charge", id: "ch_2", amt: 1200, status: "PENDING", createdAt: null, amount: 1200 } },
      });
      await post(on, body, {}, accept);
      const before = await calls(id);
      const second = await counted(() => post(on, body, {}, accept));
      expect(second.served).toBe(1);
      expect(second.value).toEqual(expected);
      expect(await calls(id)).toBe(before + 1);
    }
  });

  it("coerces variables and arguments as execution does, and leaves bad variables to Yoga", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, SPEC, FILES);
    const query = "query Get($id: ID!) { requiredCharge(id: $id) { id status } }";
    await post(on, { query, variables: { id: "ch_1" } });
    for (const variables of [{ id: "ch_1" }, { id: "ch_2" }]) {
      const expected = await post(off, { query, variables });
      const run = await counted(() => post(on, { query, variables }));
      expect(run.served).toBe(1);
      expect(run.value).toEqual(expected);
    }
    const before = await calls(id);
    const expected = await post(off, { query, variables: { id: { no: 1 } } });
    const bad = await counted(() => post(on, { query, variables: { id: { no: 1 } } }));
    expect(bad.served + bad.handedOff).toBe(0);
    expect(bad.value).toEqual(expected);
    expect(JSON.parse(bad.value.text).errors).toHaveLength(1);
    expect(await calls(id)).toBe(before);
  });

  it("gives Yoga a failed call (HTTP error, misfit, null at a non-null root) without calling again", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, SPEC, FILES);
    for (const query of [
      "{ status500 { id } }",
      "{ badType { id amount } }",
      '{ requiredCharge(id: "nope") { id } }',
    ]) {
      const expected = await post(off, { query });
      expect(JSON.parse(expected.text).errors[0].extensions.serviceName).toBe("payments");
      await post(on, { query });
      const before = await calls(id);
      const second = await counted(() => post(on, { query }));
      expect(second.handedOff).toBe(1);
      expect(second.value).toEqual(expected);
      expect(await calls(id)).toBe(before + 1);
    }
  });

  it("leaves to Yoga a @rest field next to another root field, or one that selects a custom scalar", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, SPEC, FILES);
    for (const query of ['{ charge(id: "ch_1") { id } me { name } }', '{ priced(id: "ch_1") { id amount } }']) {
      const expected = await post(off, { query });
      expect(JSON.parse(expected.text).errors).toBeUndefined();
      await post(on, { query });
      const second = await counted(() => post(on, { query }));
      expect(second.served + second.handedOff).toBe(0);
      expect(second.value).toEqual(expected);
    }
  });
});
