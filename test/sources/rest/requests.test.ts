/**
 * What a @rest field sends: method, path, query, body and headers, rendered from `{args.x}`,
 * `{parent.x}` and `{session.x}` templates. Every call goes to the REST fixture's `/echo/...` route,
 * which answers with exactly what it received (see test/fixtures/rest-upstream.ts).
 */
import { describe, expect, it } from "vitest";
import { ok, testGateway } from "../../fixtures/gateways";
import { restStats, type TestGateway, uniqueId } from "../../helpers";

/** The echo route's answer: `query` is an object (the JSON scalar), `headers` and `body` are JSON text. */
interface Echo {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: string;
  body: string | null;
}

const ECHO_SDL = `
scalar JSON
type Echo { method: String! path: String! query: JSON headers: String! body: String }
`;

const ECHO_FIELDS = "{ method path query headers body }";

/** The headers the echo route saw (Node lowercases names and joins repeated values with ", "). */
const headersOf = (echo: Echo): Record<string, string | undefined> =>
  JSON.parse(echo.headers) as Record<string, string | undefined>;

/** The JSON body the echo route saw, or null for none. */
const bodyOf = (echo: Echo): unknown => (echo.body === null ? null : JSON.parse(echo.body));

/** Runs `query` with the client headers given, asserts success ({@link ok}) and returns the echoes. */
async function data(gw: TestGateway, query: string, headers?: Record<string, string>): Promise<Record<string, Echo>> {
  return ok(await gw.graphql(query, undefined, headers)) as Record<string, Echo>;
}

describe("default request of an endpoint", () => {
  const SDL = `${ECHO_SDL}
extend type Query {
  echoGet(id: ID!, expand: String): Echo @rest(service: "svc", endpoint: "echoGet")
}
extend type Mutation {
  echoPost(amount: Int!, currency: String, tags: [String!]): Echo @rest(service: "svc", endpoint: "echoPost")
}
`;
  const GATEWAY = {
    services: [
      {
        name: "svc",
        endpoints: {
          echoGet: { method: "GET", path: "/echo/get/{args.id}", query: { expand: "{args.expand}" } },
          echoPost: { path: "/echo/post" },
        },
      },
    ],
  };
  const FILES = { files: { "schemas/echo.graphql": SDL } };

  it("POST (the default method) sends the field's arguments as the JSON body, keeping their JSON types", async () => {
    const id = uniqueId();
    const { echoPost } = await data(
      testGateway(id, GATEWAY, FILES),
      `mutation { echoPost(amount: 42, currency: "EUR", tags: ["a", "b"]) ${ECHO_FIELDS} }`,
    );
    expect(echoPost?.method).toBe("POST");
    expect(echoPost?.path).toBe("/echo/post");
    expect(bodyOf(echoPost as Echo)).toEqual({ amount: 42, currency: "EUR", tags: ["a", "b"] });
    expect(headersOf(echoPost as Echo)["content-type"]).toBe("application/json");
  });

  it("POST sends arguments passed as variables the same way; omitted optional arguments are not in the body", async () => {
    const id = uniqueId();
    const gw = testGateway(id, GATEWAY, FILES);
    const { body } = await gw.graphql(`mutation ($amount: Int!) { echoPost(amount: $amount) ${ECHO_FIELDS} }`, {
      amount: 7,
    });
    expect(body.errors).toBeUndefined();
    const echo = (body.data as { echoPost: Echo }).echoPost;
    expect(bodyOf(echo)).toEqual({ amount: 7 });
  });

  it("GET sends no body and no content-type", async () => {
    const id = uniqueId();
    const { echoGet } = await data(
      testGateway(id, GATEWAY, FILES),
      `{ echoGet(id: "ch_1", expand: "customer") ${ECHO_FIELDS} }`,
    );
    expect(echoGet?.method).toBe("GET");
    expect(echoGet?.path).toBe("/echo/get/ch_1");
    expect(echoGet?.query).toEqual({ expand: "customer" });
    expect(echoGet?.body).toBeNull();
    expect(headersOf(echoGet as Echo)["content-type"]).toBeUndefined();
    expect(headersOf(echoGet as Echo).accept).toBe("application/json");
  });
});

describe("templates", () => {
  const SDL = `${ECHO_SDL}
input MetaInput { tag: String }
input ChargeInput { name: String! amount: Int! meta: MetaInput }
type Charge { id: ID! amount: Int! }
extend type Charge {
  refundEcho(reason: String): Echo @rest(service: "svc", endpoint: "refundEcho")
}
extend type Query {
  charge(id: ID!): Charge @rest(service: "svc", endpoint: "getCharge")
  echoPath(id: ID!): Echo @rest(service: "svc", endpoint: "echoPath")
  echoQuery(expand: String, limit: Int, input: ChargeInput): Echo @rest(service: "svc", endpoint: "echoQuery")
  echoSession: Echo @rest(service: "svc", endpoint: "echoSession")
}
extend type Mutation {
  create(input: ChargeInput!, note: String, key: String): Echo @rest(service: "svc", endpoint: "create")
}
`;
  const GATEWAY = {
    services: [
      {
        name: "svc",
        endpoints: {
          getCharge: { method: "GET", path: "/charges/{args.id}" },
          refundEcho: {
            path: "/echo/refunds/{parent.id}",
            query: { amount: "{parent.amount}" },
            headers: [{ op: "set", key: "x-charge", value: "{parent.id}" }],
          },
          echoPath: { method: "GET", path: "/echo/items/{args.id}/detail" },
          echoQuery: {
            method: "GET",
            path: "/echo/query",
            query: {
              expand: "{args.expand}",
              limit: "{args.limit}",
              name: "{args.input.name}",
              tag: "{args.input.meta.tag}",
              fixed: "v",
            },
          },
          echoSession: {
            method: "GET",
            path: "/echo/session/{session.userId}/end",
            query: { user: "{session.userId}", fixed: "v" },
            headers: [{ op: "set", key: "x-user", value: "{session.userId}" }],
          },
          create: {
            method: "POST",
            path: "/echo/create",
            body: {
              name: "{args.input.name}",
              amount: "{args.input.amount}",
              label: "charge {args.input.name} for {args.input.amount}",
              tag: "{args.input.meta.tag}",
              note: "{args.note}",
              fixed: 1,
              flag: true,
              nested: { amount: "{args.input.amount}", input: "{args.input}" },
              list: ["{args.input.amount}", "x"],
            },
            headers: [
              { op: "set", key: "idempotency-key", value: "{args.key}" },
              { op: "set", key: "x-name", value: "{args.input.name}" },
            ],
          },
        },
      },
    ],
  };
  const FILES = { files: { "schemas/templates.graphql": SDL } };

  it("URL-encodes values in the path (a space and a slash stay inside one segment)", async () => {
    const id = uniqueId();
    const { echoPath } = await data(testGateway(id, GATEWAY, FILES), `{ echoPath(id: "ch 3/x") ${ECHO_FIELDS} }`);
    expect(echoPath?.path).toBe("/echo/items/ch%203%2Fx/detail");
    expect((await restStats(id)).requests).toEqual({ "GET /echo/items/ch 3/x/detail": 1 });
  });

  it("reads nested argument paths of an input type in query parameters; missing and null values are left out", async () => {
    const id = uniqueId();
    const gw = testGateway(id, GATEWAY, FILES);
    const full = await data(
      gw,
      `{ echoQuery(expand: "customer", limit: 10, input: { name: "Ada & Co", amount: 5, meta: { tag: "t 1" } }) ${ECHO_FIELDS} }`,
    );
    expect(full.echoQuery?.query).toEqual({
      expand: "customer",
      limit: "10",
      name: "Ada & Co",
      tag: "t 1",
      fixed: "v",
    });

    const missing = await data(gw, `{ echoQuery(expand: null, input: { name: "Ada", amount: 5 }) ${ECHO_FIELDS} }`);
    expect(missing.echoQuery?.query).toEqual({ name: "Ada", fixed: "v" });

    const none = await data(gw, `{ echoQuery ${ECHO_FIELDS} }`);
    expect(none.echoQuery?.query).toEqual({ fixed: "v" });
  });

  it("renders a body template: a sole reference keeps its JSON type, mixed strings are text, missing values leave the key out", async () => {
    const id = uniqueId();
    const { create } = await data(
      testGateway(id, GATEWAY, FILES),
      `mutation { create(input: { name: "Ada", amount: 42 }, key: "idem-1") ${ECHO_FIELDS} }`,
    );
    expect(create?.method).toBe("POST");
    expect(create?.body).not.toBeNull();
    expect(bodyOf(create as Echo)).toEqual({
      name: "Ada",
      amount: 42,
      label: "charge Ada for 42",
      fixed: 1,
      flag: true,
      nested: { amount: 42, input: { name: "Ada", amount: 42 } },
      list: [42, "x"],
    });
    const headers = headersOf(create as Echo);
    expect(headers["idempotency-key"]).toBe("idem-1");
    expect(headers["x-name"]).toBe("Ada");
    expect(headers["content-type"]).toBe("application/json");
  });

  it("keeps a nested input path's number a number and its string a string", async () => {
    const id = uniqueId();
    const { create } = await data(
      testGateway(id, GATEWAY, FILES),
      `mutation { create(input: { name: "42", amount: 0, meta: { tag: "vip" } }, note: "n") ${ECHO_FIELDS} }`,
    );
    const body = bodyOf(create as Echo) as Record<string, unknown>;
    expect(body.name).toBe("42");
    expect(body.amount).toBe(0);
    expect(body.tag).toBe("vip");
    expect(body.note).toBe("n");
    expect(body.label).toBe("charge 42 for 0");
  });

  it("reads {parent.x} on a field of an object type, URL-encoded in the path and raw in headers", async () => {
    const id = uniqueId();
    // `id` and `amount` are not selected: the parent is the REST answer, not the client's selection.
    const { charge } = await data(
      testGateway(id, GATEWAY, FILES),
      `{ charge(id: "ch 3/x") { refundEcho(reason: "dup") ${ECHO_FIELDS} } }`,
    );
    const echo = (charge as unknown as { refundEcho: Echo }).refundEcho;
    expect(echo.method).toBe("POST");
    expect(echo.path).toBe("/echo/refunds/ch%203%2Fx");
    expect(echo.query).toEqual({ amount: "7" });
    expect(headersOf(echo)["x-charge"]).toBe("ch 3/x");
    expect(bodyOf(echo)).toEqual({ reason: "dup" });
    expect((await restStats(id)).requests).toEqual({ "GET /charges/ch 3/x": 1, "POST /echo/refunds/ch 3/x": 1 });
  });

  it("refuses {session.x} while there is no session: MISSING_SESSION_VARIABLE, nothing sent (issue 12: fail closed)", async () => {
    const id = uniqueId();
    const { status, body } = await testGateway(id, GATEWAY, FILES).graphql(`{ echoSession ${ECHO_FIELDS} }`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ echoSession: null });
    expect(body.errors?.[0]?.extensions?.code).toBe("MISSING_SESSION_VARIABLE");
    expect((await restStats(id)).total).toBe(0);
  });
});

describe("HTTP methods", () => {
  const SDL = `${ECHO_SDL}
extend type Query {
  viaGet(id: ID!): Echo @rest(service: "svc", endpoint: "viaGet")
}
extend type Mutation {
  viaPost(id: ID!): Echo @rest(service: "svc", endpoint: "viaPost")
  viaPut(id: ID!): Echo @rest(service: "svc", endpoint: "viaPut")
  viaPatch(id: ID!): Echo @rest(service: "svc", endpoint: "viaPatch")
  viaDelete(id: ID!): Echo @rest(service: "svc", endpoint: "viaDelete")
}
`;

  it("reaches the upstream with GET, POST, PUT, PATCH and DELETE; only POST, PUT and PATCH carry the arguments", async () => {
    const id = uniqueId();
    const endpoint = (method: string) => ({ method, path: `/echo/m/${method.toLowerCase()}/{args.id}` });
    const gw = testGateway(
      id,
      {
        services: [
          {
            name: "svc",
            endpoints: {
              viaGet: endpoint("GET"),
              viaPost: endpoint("POST"),
              viaPut: endpoint("PUT"),
              viaPatch: endpoint("PATCH"),
              viaDelete: endpoint("DELETE"),
            },
          },
        ],
      },
      { files: { "schemas/methods.graphql": SDL } },
    );
    const query = await data(gw, `{ viaGet(id: "1") { method path body } }`);
    expect(query.viaGet).toEqual({ method: "GET", path: "/echo/m/get/1", body: null });

    const mutation = await data(
      gw,
      `mutation {
        viaPost(id: "1") { method path body }
        viaPut(id: "1") { method path body }
        viaPatch(id: "1") { method path body }
        viaDelete(id: "1") { method path body }
      }`,
    );
    expect(mutation).toEqual({
      viaPost: { method: "POST", path: "/echo/m/post/1", body: '{"id":"1"}' },
      viaPut: { method: "PUT", path: "/echo/m/put/1", body: '{"id":"1"}' },
      viaPatch: { method: "PATCH", path: "/echo/m/patch/1", body: '{"id":"1"}' },
      viaDelete: { method: "DELETE", path: "/echo/m/delete/1", body: null },
    });
    expect((await restStats(id)).requests).toEqual({
      "GET /echo/m/get/1": 1,
      "POST /echo/m/post/1": 1,
      "PUT /echo/m/put/1": 1,
      "PATCH /echo/m/patch/1": 1,
      "DELETE /echo/m/delete/1": 1,
    });
  });
});

describe("select", () => {
  const SDL = `
type Charge { id: ID! amount: Int! }
extend type Query {
  items: [Charge!]! @rest(service: "payments", endpoint: "items")
  second: Charge @rest(service: "payments", endpoint: "second")
  nothing: Charge @rest(service: "payments", endpoint: "nothing")
  whole: Charge @rest(service: "payments", endpoint: "whole")
}
`;

  it("picks a sub-path of the response (data.items, data.items.1); a missing path is null", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      {
        services: [
          {
            name: "payments",
            endpoints: {
              items: { method: "GET", path: "/charges", select: "data.items" },
              second: { method: "GET", path: "/charges", select: "data.items.1" },
              nothing: { method: "GET", path: "/charges", select: "data.nope" },
              whole: { method: "GET", path: "/charges/ch_1" },
            },
          },
        ],
      },
      { files: { "schemas/select.graphql": SDL } },
    );
    const { body } = await gw.graphql("{ items { id amount } second { id } nothing { id } whole { id amount } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      items: [
        { id: "ch_1", amount: 500 },
        { id: "ch_2", amount: 1200 },
        { id: "ch 3/x", amount: 7 },
      ],
      second: { id: "ch_2" },
      nothing: null,
      whole: { id: "ch_1", amount: 500 },
    });
  });
});

describe("headers", () => {
  const SDL = `${ECHO_SDL}
extend type Query {
  withOps(key: String!): Echo @rest(service: "svc", endpoint: "withOps")
  plain(key: String!): Echo @rest(service: "plain", endpoint: "plain")
}
`;
  const GATEWAY = {
    services: [
      {
        name: "svc",
        headers: { "x-api-key": "k", "x-remove": "r" },
        forwardClientHeaders: ["authorization"],
        endpoints: {
          withOps: {
            method: "GET",
            path: "/echo/ops",
            headers: [
              { op: "set", key: "idempotency-key", value: "{args.key}" },
              { op: "add", key: "idempotency-key", value: "second" },
              { op: "del", key: "x-remove" },
              { op: "add", key: "x-api-key", value: "k2" },
            ],
          },
        },
      },
      {
        name: "plain",
        headers: { "x-api-key": "k", "x-remove": "r" },
        endpoints: {
          plain: {
            method: "GET",
            path: "/echo/plain",
            headers: [{ op: "set", key: "x-api-key", value: "override-{args.key}" }],
          },
        },
      },
    ],
  };
  const FILES = { files: { "schemas/headers.graphql": SDL } };

  const client = {
    authorization: "Bearer client-token",
    "x-request-id": "req-rest-headers-1",
    "x-other": "not forwarded",
  };

  it("applies set, add and del after the service's headers; forwards Authorization only when listed; sends x-request-id", async () => {
    const id = uniqueId();
    const { withOps } = await data(testGateway(id, GATEWAY, FILES), `{ withOps(key: "idem-7") { headers } }`, client);
    const received = headersOf(withOps as Echo);
    expect(received["x-api-key"]).toBe("k, k2");
    expect(received["x-remove"]).toBeUndefined();
    expect(received["idempotency-key"]).toBe("idem-7, second");
    expect(received.authorization).toBe("Bearer client-token");
    expect(received["x-request-id"]).toBe("req-rest-headers-1");
    expect(received["x-other"]).toBeUndefined();
  });

  it("does not forward Authorization to a service that does not list it; set replaces a service header", async () => {
    const id = uniqueId();
    const { plain } = await data(testGateway(id, GATEWAY, FILES), `{ plain(key: "abc") { headers } }`, client);
    const received = headersOf(plain as Echo);
    expect(received.authorization).toBeUndefined();
    expect(received["x-api-key"]).toBe("override-abc");
    expect(received["x-remove"]).toBe("r");
    expect(received["x-request-id"]).toBe("req-rest-headers-1");
    expect(received["x-other"]).toBeUndefined();
  });

  it("sends the gateway's generated x-request-id when the client sends none", async () => {
    const id = uniqueId();
    const { status, headers, body } = await testGateway(id, GATEWAY, FILES).graphql(
      `{ plain(key: "abc") { headers } }`,
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const sent = headers.get("x-request-id");
    expect(sent).toBeTruthy();
    expect(headersOf((body.data as { plain: Echo }).plain)["x-request-id"]).toBe(sent);
  });
});
