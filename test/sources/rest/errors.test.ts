/**
 * How a @rest field fails: answers that do not fit the schema (UPSTREAM_INVALID_RESPONSE with the
 * response path), non-2xx answers (UPSTREAM_HTTP_ERROR, the body exposed only with `exposeErrors`),
 * timeouts, refused connections, non-JSON and empty answers. A failing field is null (or its nearest
 * nullable parent) and the rest of the query, including remote schema fields, is intact.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../../fixtures/gateways";
import { type GraphQLBody, type TestGateway, uniqueId } from "../../helpers";

const SDL = `
type Charge { id: ID! amount: Int! status: ChargeStatus! }
enum ChargeStatus { PENDING SUCCEEDED FAILED }
extend type Charge {
  strict: Charge! @rest(service: "payments", endpoint: "badType")
}
extend type Query {
  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge")
  badType: Charge @rest(service: "payments", endpoint: "badType")
  badMissing: Charge @rest(service: "payments", endpoint: "badMissing")
  badEnum: Charge @rest(service: "payments", endpoint: "badEnum")
  badList: [Charge!] @rest(service: "payments", endpoint: "badList")
  status402: Charge @rest(service: "payments", endpoint: "status402")
  status500: Charge @rest(service: "payments", endpoint: "status500")
  slow: Charge @rest(service: "payments", endpoint: "slow")
  html: Charge @rest(service: "payments", endpoint: "html")
  empty: Charge @rest(service: "payments", endpoint: "empty")
  emptyRequired: Charge! @rest(service: "payments", endpoint: "empty")
  unreachable(id: ID!): Charge @rest(service: "down", endpoint: "getCharge")
}
`;

const ENDPOINTS = {
  getCharge: { method: "GET", path: "/charges/{args.id}" },
  badType: { method: "GET", path: "/bad/type" },
  badMissing: { method: "GET", path: "/bad/missing" },
  badEnum: { method: "GET", path: "/bad/enum" },
  badList: { method: "GET", path: "/bad/list" },
  status402: { method: "GET", path: "/status/402" },
  status500: { method: "GET", path: "/status/500" },
  slow: { method: "GET", path: "/slow" },
  html: { method: "GET", path: "/html" },
  empty: { method: "GET", path: "/empty" },
};

/** The payments service (timeout 300 ms) on the test's REST fixture. */
const PAYMENTS = { name: "payments", timeoutMs: 300, endpoints: ENDPOINTS };
/** A service nothing listens to. */
const DOWN = { name: "down", url: "http://127.0.0.1:9", endpoints: { getCharge: ENDPOINTS.getCharge } };
/** The gateway of every test here: test `id`'s accounts remote next to PAYMENTS and DOWN. */
const GATEWAY = { remotes: ["accounts"], services: [PAYMENTS, DOWN] };
const FILES = { files: { "schemas/payments.graphql": SDL } };

type GraphQLError = NonNullable<GraphQLBody["errors"]>[number];

/** Runs `{ <field> me { name } }`: the field fails with exactly one error, `me` still answers. */
async function failing(gw: TestGateway, field: string, selection: string): Promise<GraphQLError> {
  const { status, body } = await gw.graphql(`{ ${field} ${selection} me { name } }`);
  expect(status).toBe(200);
  expect(body.data).toEqual({ [field]: null, me: { name: "Ada" } });
  expect(body.errors).toHaveLength(1);
  const error = body.errors?.[0] as GraphQLError;
  expect(error.path).toEqual([field]);
  return error;
}

describe("answers that do not fit the schema", () => {
  const cases = [
    {
      field: "badType",
      selection: "{ id amount status }",
      responsePath: "badType.amount",
      detail: "expected Int",
    },
    {
      field: "badMissing",
      selection: "{ id amount }",
      responsePath: "badMissing.amount",
      detail: "expected Int!, got null",
    },
    {
      field: "badEnum",
      selection: "{ id status }",
      responsePath: "badEnum.status",
      detail: "expected ChargeStatus",
    },
    {
      field: "badList",
      selection: "{ id }",
      responsePath: "badList",
      detail: "expected a list, got an object",
    },
  ];

  it.each(cases.map((c) => [c.field, c.responsePath, c] as const))(
    "%s: the field is null with UPSTREAM_INVALID_RESPONSE at %s; remote fields are intact",
    async (field, responsePath, { selection, detail }) => {
      const error = await failing(testGateway(uniqueId(), GATEWAY, FILES), field, selection);
      expect(error.extensions).toEqual({
        code: "UPSTREAM_INVALID_RESPONSE",
        serviceName: "payments",
        endpoint: field,
        responsePath,
      });
      expect(error.message).toContain('"payments"');
      expect(error.message).toContain(`"${field}"`);
      expect(error.message).toContain(` ${responsePath}: `);
      expect(error.message).toContain(detail);
    },
  );

  it("checks only the selected fields: /bad/missing without amount succeeds", async () => {
    const { body } = await testGateway(uniqueId(), GATEWAY, FILES).graphql(
      "{ badMissing { id status } badType { id } me { name } }",
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      badMissing: { id: "x", status: "PENDING" },
      badType: { id: "x" },
      me: { name: "Ada" },
    });
  });

  it("checks fields selected through fragments and aliases", async () => {
    const { body } = await testGateway(uniqueId(), GATEWAY, FILES).graphql(
      "{ badType { id ...F } me { name } } fragment F on Charge { cents: amount }",
    );
    expect(body.data).toEqual({ badType: null, me: { name: "Ada" } });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_INVALID_RESPONSE",
      responsePath: "badType.amount",
    });
  });

  it("a non-null field that does not fit nulls its nearest nullable parent", async () => {
    const { status, body } = await testGateway(uniqueId(), GATEWAY, FILES).graphql(
      `{ charge(id: "ch_1") { id strict { id amount } } me { name } }`,
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ charge: null, me: { name: "Ada" } });
    expect(body.errors).toHaveLength(1);
    const error = body.errors?.[0] as GraphQLError;
    expect(error.path).toEqual(["charge", "strict"]);
    expect(error.extensions).toEqual({
      code: "UPSTREAM_INVALID_RESPONSE",
      serviceName: "payments",
      endpoint: "badType",
      responsePath: "strict.amount",
    });
  });
});

describe("non-2xx answers", () => {
  it.each([402, 500])("HTTP %s: UPSTREAM_HTTP_ERROR with the status and without the body", async (status) => {
    const field = `status${status}`;
    const error = await failing(testGateway(uniqueId(), GATEWAY, FILES), field, "{ id }");
    expect(error.extensions).toEqual({
      code: "UPSTREAM_HTTP_ERROR",
      serviceName: "payments",
      endpoint: field,
      status,
    });
    expect(error.message).toContain('"payments"');
    expect(error.message).toContain(`"${field}"`);
    expect(error.message).toContain(String(status));
    expect(error.message).not.toContain("card declined");
    expect(error.message).not.toContain("hunter2");
  });

  it.each([402, 500])(
    "HTTP %s with exposeErrors: the body's message is appended, nothing else of it",
    async (status) => {
      const field = `status${status}`;
      const error = await failing(
        testGateway(uniqueId(), { ...GATEWAY, services: [{ ...PAYMENTS, exposeErrors: true }, DOWN] }, FILES),
        field,
        "{ id }",
      );
      expect(error.extensions).toEqual({
        code: "UPSTREAM_HTTP_ERROR",
        serviceName: "payments",
        endpoint: field,
        status,
      });
      expect(error.message.endsWith(": card declined")).toBe(true);
      expect(error.message).not.toContain("hunter2");
      expect(JSON.stringify(error)).not.toContain("hunter2");
    },
  );
});

describe("transport failures and odd answers", () => {
  it("an upstream slower than timeoutMs: UPSTREAM_TIMEOUT, well before the upstream answers", async () => {
    const started = Date.now();
    const error = await failing(testGateway(uniqueId(), GATEWAY, FILES), "slow", "{ id }");
    expect(Date.now() - started).toBeLessThan(1900);
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_TIMEOUT", serviceName: "payments", endpoint: "slow" });
    expect(error.message).toContain("300 ms");
  });

  it("a refused connection: UPSTREAM_UNAVAILABLE", async () => {
    const { body } = await testGateway(uniqueId(), GATEWAY, FILES).graphql(
      `{ unreachable(id: "ch_1") { id } me { name } }`,
    );
    expect(body.data).toEqual({ unreachable: null, me: { name: "Ada" } });
    const error = body.errors?.[0] as GraphQLError;
    expect(error.path).toEqual(["unreachable"]);
    expect(error.extensions).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      serviceName: "down",
      endpoint: "getCharge",
    });
  });

  it("a body that is not JSON: UPSTREAM_INVALID_RESPONSE, without the body", async () => {
    const error = await failing(testGateway(uniqueId(), GATEWAY, FILES), "html", "{ id }");
    expect(error.extensions).toMatchObject({
      code: "UPSTREAM_INVALID_RESPONSE",
      serviceName: "payments",
      endpoint: "html",
    });
    expect(error.message).not.toContain("secret");
    expect(error.message).not.toContain("<html>");
  });

  it("204 No Content is null for a nullable field", async () => {
    const { body } = await testGateway(uniqueId(), GATEWAY, FILES).graphql("{ empty { id } me { name } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ empty: null, me: { name: "Ada" } });
  });

  it("204 No Content for a non-null field is UPSTREAM_INVALID_RESPONSE", async () => {
    const { body } = await testGateway(uniqueId(), GATEWAY, FILES).graphql("{ emptyRequired { id } }");
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toEqual({
      code: "UPSTREAM_INVALID_RESPONSE",
      serviceName: "payments",
      endpoint: "empty",
      responsePath: "emptyRequired",
    });
  });
});
