/**
 * REST templates and calls fail closed (docs/security.md, "REST templates and calls fail closed"): an
 * empty string is sent, never dropped; a `{session.x}` the session lacks is MISSING_SESSION_VARIABLE; an
 * empty, `.` or `..` path segment is INVALID_ARGUMENT; a URL leaving the service's base URL is refused;
 * a redirect is UPSTREAM_HTTP_ERROR, never followed. Refusals happen before any upstream call.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../../fixtures/gateways";
import { ADMIN_SECRET, type GraphQLBody, restLog, restStats, uniqueId } from "../../helpers";

const SDL = `
scalar JSON
type Echo { method: String! path: String! query: JSON }
type Charge { id: ID! amount: Int! }
extend type Query {
  orders(userId: String): Echo @rest(service: "svc", endpoint: "orders")
  order(id: String): Echo @rest(service: "svc", endpoint: "order")
  mine: Echo @rest(service: "svc", endpoint: "mine")
  mineQuery: Echo @rest(service: "svc", endpoint: "mineQuery")
  mineHeader: Echo @rest(service: "svc", endpoint: "mineHeader")
  mineBody: Echo @rest(service: "svc", endpoint: "mineBody")
  moved: Charge @rest(service: "svc", endpoint: "moved")
  escape: Echo @rest(service: "svc", endpoint: "escape")
}
`;

const GATEWAY = {
  services: [
    {
      name: "svc",
      endpoints: {
        orders: { method: "GET", path: "/echo/orders", query: { userId: "{args.userId}" } },
        order: { method: "GET", path: "/echo/orders/{args.id}/items" },
        mine: { method: "GET", path: "/echo/users/{session.user-id}/orders" },
        mineQuery: { method: "GET", path: "/echo/orders", query: { userId: "{session.user-id}" } },
        mineHeader: {
          method: "GET",
          path: "/echo/orders",
          headers: [{ op: "set", key: "x-user", value: "user {session.user-id}" }],
        },
        mineBody: { method: "POST", path: "/echo/orders", body: { userId: "{session.user-id}" }, safe: true },
        moved: { method: "GET", path: "/redirect" },
        escape: { method: "GET", path: "/../../t/other" },
      },
    },
  ],
};
const FILES = { files: { "schemas/fail-closed.graphql": SDL } };

type GraphQLError = NonNullable<GraphQLBody["errors"]>[number];

/** The one error of a query whose only field fails: HTTP 200, the field null, the error at its path. */
async function fieldError(
  id: string,
  query: string,
  field: string,
  headers?: Record<string, string>,
): Promise<GraphQLError> {
  const { status, body } = await testGateway(id, GATEWAY, FILES).graphql(query, undefined, headers);
  expect(status).toBe(200);
  expect(body.data).toEqual({ [field]: null });
  expect(body.errors).toHaveLength(1);
  const error = body.errors?.[0] as GraphQLError;
  expect(error.path).toEqual([field]);
  return error;
}

describe("query parameters", () => {
  it('orders(userId: "") sends ?userId= (an empty string is a value, not "no filter")', async () => {
    const id = uniqueId();
    const { status, body } = await testGateway(id, GATEWAY, FILES).graphql('{ orders(userId: "") { query } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { orders: { query: { userId: "" } } } });
    expect(await restLog(id)).toEqual(["GET /echo/orders?userId="]);
  });

  it("an optional argument not passed, or passed as null, still omits its parameter", async () => {
    const id = uniqueId();
    const gw = testGateway(id, GATEWAY, FILES);
    expect((await gw.graphql("{ orders { query } }")).body).toEqual({ data: { orders: { query: {} } } });
    expect((await gw.graphql("{ orders(userId: null) { query } }")).body).toEqual({ data: { orders: { query: {} } } });
    expect(await restLog(id)).toEqual(["GET /echo/orders", "GET /echo/orders"]);
  });
});

describe("{session.x} without a value", () => {
  it.each([
    ["mine", "path"],
    ["mineQuery", "query parameter"],
    ["mineHeader", "header"],
    ["mineBody", "body"],
  ])("%s (%s): MISSING_SESSION_VARIABLE, and no upstream call", async (field) => {
    const id = uniqueId();
    const error = await fieldError(id, `{ ${field} { path } }`, field);
    expect(error.extensions?.code).toBe("MISSING_SESSION_VARIABLE");
    expect(error.extensions?.variable).toBe("user-id");
    expect(error.message).toContain("{session.user-id}");
    expect((await restStats(id)).total).toBe(0);
  });

  it("with the variable in the session the same fields are sent", async () => {
    const id = uniqueId();
    const gw = testGateway(id, GATEWAY, FILES);
    const session = { "x-admin-secret": ADMIN_SECRET, "x-hasura-role": "user", "x-hasura-user-id": "u1" };
    const { body } = await gw.graphql("{ mine { path } mineQuery { query } }", undefined, session);
    expect(body).toEqual({ data: { mine: { path: "/echo/users/u1/orders" }, mineQuery: { query: { userId: "u1" } } } });
  });
});

describe("path segments", () => {
  it.each(["..", ".", ""])(
    'order(id: "%s"): INVALID_ARGUMENT naming the argument, and no upstream call',
    async (value) => {
      const id = uniqueId();
      const error = await fieldError(id, `{ order(id: ${JSON.stringify(value)}) { path } }`, "order");
      expect(error.extensions?.code).toBe("INVALID_ARGUMENT");
      expect(error.extensions?.argument).toBe("args.id");
      expect((await restStats(id)).total).toBe(0);
    },
  );

  it("a path argument the client did not pass: INVALID_ARGUMENT, and no upstream call", async () => {
    const id = uniqueId();
    const error = await fieldError(id, "{ order { path } }", "order");
    expect(error.extensions?.code).toBe("INVALID_ARGUMENT");
    expect((await restStats(id)).total).toBe(0);
  });

  it('dots inside a value are fine: order(id: "a..b") and order(id: "%2e%2e") are sent as one segment', async () => {
    const id = uniqueId();
    const gw = testGateway(id, GATEWAY, FILES);
    const { body } = await gw.graphql('{ a: order(id: "a..b") { path } b: order(id: "%2e%2e") { path } }');
    expect(body).toEqual({
      data: { a: { path: "/echo/orders/a..b/items" }, b: { path: "/echo/orders/%252e%252e/items" } },
    });
  });

  it("an endpoint path that leaves the service's base URL: INVALID_ARGUMENT, and no upstream call", async () => {
    const id = uniqueId();
    const error = await fieldError(id, "{ escape { path } }", "escape");
    expect(error.extensions?.code).toBe("INVALID_ARGUMENT");
    expect((await restStats(id)).total).toBe(0);
  });
});

describe("redirects", () => {
  it("a 302 from an endpoint is UPSTREAM_HTTP_ERROR with status 302; the redirect is not followed", async () => {
    const id = uniqueId();
    const error = await fieldError(id, "{ moved { id } }", "moved");
    expect(error.extensions).toEqual({
      code: "UPSTREAM_HTTP_ERROR",
      serviceName: "svc",
      status: 302,
      endpoint: "moved",
    });
    expect((await restStats(id)).requests).toEqual({ "GET /redirect": 1 });
  });
});
