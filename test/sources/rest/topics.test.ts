/**
 * The realtime directives of schemas/*.graphql as the gateway starts (@topic on Subscription fields,
 * @merge(keyField:) key lookups: each misuse is a startup problem located `file:line:column`), and what
 * plain HTTP does with a topic subscription. Delivery itself is tested end to end in test/realtime/.
 */
import { describe, expect, it } from "vitest";
import { REFUSED_URL, startupProblems, testGateway } from "../../fixtures/gateways";
import { uniqueId } from "../../helpers";

const SERVICE = { name: "payments", endpoints: { getCharge: { method: "GET", path: "/charges/{args.id}" } } };

const sdl = (...lines: string[]) =>
  [
    "type Charge { id: ID! amount: Int! }",
    "extend type Query {",
    '  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") @merge(keyField: "id")',
    "}",
    ...lines,
  ].join("\n");

const gatewayWith = (file: string) =>
  testGateway(uniqueId("topics"), { services: [SERVICE] }, { files: { "schemas/charges.graphql": file } });

describe("@topic and @merge at startup", () => {
  const cases: Array<{ name: string; file: string; path: string; message: string[] }> = [
    {
      name: "a Subscription field without @topic",
      file: sdl("type Subscription {", "  chargeUpdated(id: ID!): Charge", "}"),
      path: "schemas/charges.graphql:6:3",
      message: ["Subscription.chargeUpdated", "needs @topic"],
    },
    {
      name: "a topic template naming an argument the field lacks",
      file: sdl("type Subscription {", '  chargeUpdated(id: ID!): Charge @topic(name: "charges.{args.chargeId}")', "}"),
      path: "schemas/charges.graphql:6:3",
      message: ["{args.chargeId}", 'argument "chargeId"'],
    },
    {
      name: "an unknown @topic argument",
      file: sdl(
        "type Subscription {",
        '  chargeUpdated(id: ID!): Charge @topic(name: "charges.{args.id}", fanout: 2)',
        "}",
      ),
      path: "schemas/charges.graphql:6:3",
      message: ["unknown argument", "fanout"],
    },
    {
      name: "share other than session or role",
      file: sdl(
        "type Subscription {",
        '  chargeUpdated(id: ID!): Charge @topic(name: "charges.{args.id}", share: "all")',
        "}",
      ),
      path: "schemas/charges.graphql:6:3",
      message: ["share", '"session" or "role"'],
    },
    {
      name: "@topic outside Subscription",
      file: sdl("extend type Charge {", '  note: String @topic(name: "x")', "}"),
      path: "schemas/charges.graphql:6:3",
      message: ["@topic belongs on Subscription fields"],
    },
    {
      name: "@merge naming a key field the type lacks",
      file: [
        "type Charge { id: ID! amount: Int! }",
        "extend type Query {",
        '  charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") @merge(keyField: "chargeId")',
        "}",
      ].join("\n"),
      path: "schemas/charges.graphql:3:3",
      message: ["@merge on Query.charge", 'no field "chargeId"'],
    },
    {
      name: "@merge on a field without @rest",
      file: sdl("extend type Query {", '  other(id: ID!): Charge @merge(keyField: "id")', "}"),
      path: "schemas/charges.graphql:6:3",
      message: ["@merge on Query.other", "bound with @rest"],
    },
  ];
  for (const { name, file, path, message } of cases) {
    it(`refuses ${name}`, async () => {
      const problems = await startupProblems(gatewayWith(file));
      const problem = problems.find((candidate) => candidate.path === path);
      expect(problem, JSON.stringify(problems)).toBeDefined();
      for (const part of message) expect(problem?.message).toContain(part);
    });
  }

  it("serves a schema whose Subscription fields are bound to topics", async () => {
    const gw = gatewayWith(
      sdl("type Subscription {", '  chargeUpdated(id: ID!): Charge @topic(name: "charges.{args.id}")', "}"),
    );
    const { status, body } = await gw.graphql('{ __type(name: "Subscription") { fields { name } } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ __type: { fields: [{ name: "chargeUpdated" }] } });
  });
});

describe("a topic field of a remote's type", () => {
  const file = [
    "type Charge { id: ID! amount: Int! }",
    'extend type Query { charge(id: ID!): Charge @rest(service: "payments", endpoint: "getCharge") }',
    'type Subscription { productChanged(upc: String!): Product @topic(name: "products.{args.upc}") }',
  ].join("\n");

  it("is stitched in with the remote, as a root field of Subscription", async () => {
    const gw = testGateway(
      uniqueId("topics-remote"),
      {
        services: [SERVICE],
        remotes: [{ name: "products", merge: { Product: { key: "upc", resolver: "product", argument: "upc" } } }],
      },
      { files: { "schemas/charges.graphql": file } },
    );
    const { body } = await gw.graphql(
      '{ __type(name: "Subscription") { fields { name type { name } args { name } } } }',
    );
    expect(body.data).toEqual({
      __type: { fields: [{ name: "productChanged", type: { name: "Product" }, args: [{ name: "upc" }] }] },
    });
  });

  it("is left out, with its join status in error, while the remote is not loaded", async () => {
    const gw = testGateway(
      uniqueId("topics-remote"),
      { services: [SERVICE], remotes: [{ name: "products", url: REFUSED_URL }] },
      { files: { "schemas/charges.graphql": file } },
    );
    const health = (await (await gw.fetch("/healthz")).json()) as { joins?: Record<string, string> };
    expect(health.joins?.["Subscription.productChanged"]).toBe("error");
    const { body } = await gw.graphql('{ __type(name: "Subscription") { name } }');
    expect(body.data).toEqual({ __type: null });
  });
});

describe("a topic subscription over plain HTTP", () => {
  it("is refused with SUBSCRIPTION_TRANSPORT_REQUIRED, naming the two transports", async () => {
    const gw = gatewayWith(
      sdl("type Subscription {", '  chargeUpdated(id: ID!): Charge @topic(name: "charges.{args.id}")', "}"),
    );
    const { body } = await gw.graphql('subscription { chargeUpdated(id: "ch_1") { id } }');
    expect(body.errors?.[0]?.extensions?.code).toBe("SUBSCRIPTION_TRANSPORT_REQUIRED");
    expect(body.errors?.[0]?.message).toContain("graphql-transport-ws");
    expect(body.errors?.[0]?.message).toContain("text/event-stream");
  });

  it("closes a WebSocket of another subprotocol with 4406, without echoing a subprotocol", async () => {
    const gw = gatewayWith(sdl());
    const res = await gw.fetch("/graphql", {
      headers: { upgrade: "websocket", "sec-websocket-protocol": "graphql-ws" },
    });
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBeNull();
    const socket = res.webSocket as WebSocket;
    const closed = new Promise<CloseEvent>((resolve) => socket.addEventListener("close", resolve));
    socket.accept();
    const event = await closed;
    expect(event.code).toBe(4406);
  });
});
