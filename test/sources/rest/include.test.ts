/**
 * The check of a @rest answer against the schema covers what the operation selects, and a field
 * excluded by @include(if: false) or @skip(if: true) is not selected: `GET /bad/missing` answers a
 * Charge without its non-null `amount`, which is fine as long as `amount` is excluded (literal,
 * variable, on the field, on a fragment spread, on an inline fragment, inside a fragment) and an
 * UPSTREAM_INVALID_RESPONSE when it is selected.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../../fixtures/gateways";
import { uniqueId } from "../../helpers";

const SDL = `
type Charge { id: ID! amount: Int! status: ChargeStatus! }
enum ChargeStatus { PENDING SUCCEEDED FAILED }
extend type Query {
  badMissing: Charge @rest(service: "payments", endpoint: "badMissing")
}
`;

/** The payments service: `/bad/missing` answers `{ id: "x", status: "PENDING" }` (no amount). */
const PAYMENTS = {
  services: [{ name: "payments", endpoints: { badMissing: { method: "GET", path: "/bad/missing" } } }],
};
const FILES = { files: { "schemas/payments.graphql": SDL } };

describe("@include and @skip on the fields of a @rest answer", () => {
  it.each<[string, string, Record<string, unknown>?]>([
    ["@include(if: false) on the field", "{ badMissing { id status amount @include(if: false) } }"],
    [
      "@include(if: $flag) on the field, $flag false",
      "query ($flag: Boolean!) { badMissing { id status amount @include(if: $flag) } }",
      { flag: false },
    ],
    [
      "@include(if: $flag) on the field, $flag false by default",
      "query ($flag: Boolean = false) { badMissing { id status amount @include(if: $flag) } }",
    ],
    ["@skip(if: true) on the field", "{ badMissing { id status amount @skip(if: true) } }"],
    [
      "@skip(if: $flag) on the field, $flag true",
      "query ($flag: Boolean!) { badMissing { id status amount @skip(if: $flag) } }",
      { flag: true },
    ],
    [
      "@include(if: false) on a fragment spread",
      "{ badMissing { id status ...Amount @include(if: false) } } fragment Amount on Charge { amount }",
    ],
    [
      "@include(if: false) on the field inside a named fragment",
      "{ badMissing { ...Fields } } fragment Fields on Charge { id status amount @include(if: false) }",
    ],
    [
      "@include(if: false) on an inline fragment",
      "{ badMissing { id status ... on Charge @include(if: false) { amount } } }",
    ],
    [
      "@include(if: false) on an inline fragment without a type condition",
      "{ badMissing { id status ... @include(if: false) { amount } } }",
    ],
    [
      "@include(if: false) on the field inside an inline fragment",
      "{ badMissing { ... on Charge { id status amount @include(if: false) } } }",
    ],
  ])("an excluded non-null field the answer lacks is not checked: %s", async (_name, query, variables) => {
    const { status, body } = await testGateway(uniqueId(), PAYMENTS, FILES).graphql(query, variables);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data).toEqual({ badMissing: { id: "x", status: "PENDING" } });
  });

  it.each<[string, string, Record<string, unknown>?]>([
    ["selected without a directive", "{ badMissing { id status amount } }"],
    ["@include(if: true)", "{ badMissing { id status amount @include(if: true) } }"],
    [
      "@include(if: $flag), $flag true",
      "query ($flag: Boolean!) { badMissing { id status amount @include(if: $flag) } }",
      { flag: true },
    ],
    ["@skip(if: false)", "{ badMissing { id status amount @skip(if: false) } }"],
    [
      "a fragment spread with @include(if: true)",
      "{ badMissing { id status ...Amount @include(if: true) } } fragment Amount on Charge { amount }",
    ],
  ])("a selected non-null field the answer lacks is UPSTREAM_INVALID_RESPONSE: %s", async (_name, query, variables) => {
    const { status, body } = await testGateway(uniqueId(), PAYMENTS, FILES).graphql(query, variables);
    expect(status).toBe(200);
    expect(body.data).toEqual({ badMissing: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.path).toEqual(["badMissing"]);
    expect(body.errors?.[0]?.extensions).toEqual({
      code: "UPSTREAM_INVALID_RESPONSE",
      serviceName: "payments",
      endpoint: "badMissing",
      responsePath: "badMissing.amount",
    });
  });
});
