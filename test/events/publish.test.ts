/**
 * @publish (docs/events.md): REST mutations (`@publish` in schemas/*.graphql) and remote mutations (a
 * remote's `publish` entry) publish their result once they succeed; the event is observed at the hub with
 * a probe shard (probe.ts). Config problems: at startup with file:line (SDL) or JSON path (config), and at
 * composition for what needs the remote's schema (the remote is left out with INVALID_CONFIG).
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability";
import { asRole, type GatewaySpec, hsAuth, ok, remotesOf, startupProblems, testGateway } from "../fixtures/gateways";
import { uniqueId, upstreamOperations } from "../helpers";
import { probeTopic } from "./probe";

const CHARGE_SDL = (publish: string) => `
type Charge { id: ID! amount: Int! currency: String status: String! createdAt: String owner: Owner tags: [String!] } type Owner { id: ID! }
extend type Query { ping: String }
extend type Mutation {
  charge(amount: Int!, currency: String!): Charge! @rest(service: "payments", endpoint: "charge") ${publish}
}
`;

const PAYMENTS = {
  name: "payments",
  endpoints: { charge: { method: "POST", path: "/charges" }, declined: { method: "POST", path: "/status/402" } },
};

/** A gateway with test `id`'s payments service, `sdl` as its one schema file, and log lines collected. */
function restGateway(id: string, sdl: string, spec: GatewaySpec = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ sink: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const gw = testGateway(id, { services: [PAYMENTS], ...spec }, { files: { "schemas/payments.graphql": sdl }, log });
  return { gw, lines };
}

describe("@publish on a REST mutation", () => {
  it("publishes the service's whole mapped answer to the rendered topic before the mutation answers", async () => {
    const id = uniqueId();
    const currency = uniqueId("cur").replace(/-/g, "_");
    const { gw, lines } = restGateway(id, CHARGE_SDL('@publish(topic: "charges.{args.currency}.{result.id}")'));
    const received = await probeTopic(`charges.${currency}.ch_new`, `probe:${id}`);
    const data = ok(await gw.graphql(`mutation { charge(amount: 42, currency: "${currency}") { status } }`));
    expect(data).toEqual({ charge: { status: "PENDING" } });
    // Already there when the mutation answered: the publish is awaited.
    expect(received.map((event) => ({ topic: event.topic, payload: JSON.parse(event.payload) }))).toEqual([
      { topic: `charges.${currency}.ch_new`, payload: { id: "ch_new", amount: 42, currency, status: "PENDING" } },
    ]);
    const published = lines.find((line) => line.msg === "event published");
    expect(published).toMatchObject({ topic: `charges.${currency}.ch_new`, subscribers: 1, field: "Mutation.charge" });
    expect(JSON.stringify(published)).not.toContain('"amount"');
  });

  it("reads the session in the topic", async () => {
    const id = uniqueId();
    const { gw } = restGateway(id, CHARGE_SDL('@publish(topic: "users.{session.x-hasura-user-id}.charges")'), {
      auth: { unauthenticatedRole: "anonymous" },
    });
    // The admin secret with x-hasura-user-id gives a session with that variable.
    const user = uniqueId("u");
    const received = await probeTopic(`users.${user}.charges`, `probe:${id}`);
    const res = await gw.graphql(`mutation { charge(amount: 1, currency: "EUR") { id } }`, undefined, {
      "x-admin-secret": "test-admin-secret",
      "x-hasura-user-id": user,
    });
    expect(ok(res)).toEqual({ charge: { id: "ch_new" } });
    expect(received.map((event) => event.topic)).toEqual([`users.${user}.charges`]);
  });

  it("publishes nothing when the mutation fails", async () => {
    const id = uniqueId();
    const sdl = CHARGE_SDL("").replace(
      "extend type Mutation {",
      'extend type Mutation {\n  decline(amount: Int!): Charge @rest(service: "payments", endpoint: "declined") @publish(topic: "declines.{args.amount}")',
    );
    const { gw, lines } = restGateway(id, sdl);
    const amount = Math.floor(Math.random() * 1e9);
    const received = await probeTopic(`declines.${amount}`, `probe:${id}`);
    const res = await gw.graphql(`mutation { decline(amount: ${amount}) { id } }`);
    expect(res.body.data).toEqual({ decline: null });
    expect(res.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_HTTP_ERROR");
    expect(received).toEqual([]);
    expect(lines.some((line) => line.msg === "event published")).toBe(false);
  });

  it("waits at most 5 s for a slow hub, then answers; the publish still completes", async () => {
    const id = uniqueId();
    const currency = uniqueId("slow").replace(/-/g, "_");
    const { gw, lines } = restGateway(id, CHARGE_SDL('@publish(topic: "charges.{args.currency}")'));
    const received = await probeTopic(`charges.${currency}`, `probe:${id}`, 1, 6_500);
    const started = Date.now();
    const data = ok(await gw.graphql(`mutation { charge(amount: 3, currency: "${currency}") { id } }`));
    expect(data).toEqual({ charge: { id: "ch_new" } });
    const failed = lines.find((line) => line.msg === "@publish failed; the mutation's answer is unchanged");
    expect(failed?.error).toContain("5000 ms");
    // The test helper waits for the request's background work (waitUntil): the publish went on and arrived.
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_000);
    expect(received.map((event) => event.topic)).toEqual([`charges.${currency}`]);
  });

  it("a failed publish (no value for the topic) is logged and never fails the mutation", async () => {
    const id = uniqueId();
    const { gw, lines } = restGateway(id, CHARGE_SDL('@publish(topic: "charges.{result.createdAt}")'));
    const data = ok(await gw.graphql(`mutation { charge(amount: 5, currency: "EUR") { id amount } }`));
    expect(data).toEqual({ charge: { id: "ch_new", amount: 5 } });
    const failed = lines.find((line) => line.msg === "@publish failed; the mutation's answer is unchanged");
    expect(failed?.error).toContain("{result.createdAt}");
  });
});

describe("@publish problems in schemas/*.graphql (startup, file:line)", () => {
  const cases: Array<{ name: string; publish: string; message: string; sdl?: string; line?: number }> = [
    {
      name: "a result field the type lacks",
      publish: '@publish(topic: "charges.{result.nope}")',
      message: 'field "nope"',
    },
    { name: "a result object", publish: '@publish(topic: "charges.{result.owner}")', message: "needs a scalar" },
    { name: "a result list", publish: '@publish(topic: "charges.{result.tags}")', message: "needs a scalar" },
    { name: "a path through a leaf", publish: '@publish(topic: "c.{result.id.x}")', message: 'no field "x"' },
    {
      name: "an argument the field lacks",
      publish: '@publish(topic: "charges.{args.nope}")',
      message: 'argument "nope"',
    },
    { name: "a {parent.x} reference", publish: '@publish(topic: "charges.{parent.id}")', message: "{parent.id}" },
    { name: "an empty segment", publish: '@publish(topic: "charges..{result.id}")', message: "valid topic" },
    { name: "a stray brace", publish: '@publish(topic: "charges.{id}")', message: "brace" },
    { name: "an unknown argument", publish: '@publish(topic: "c.{result.id}", when: "x")', message: '"when"' },
    { name: "no topic", publish: "@publish", message: "needs topic" },
    {
      name: "a Query field",
      publish: "",
      sdl: `type Charge { id: ID! }\nextend type Query {\n  x: Charge @rest(service: "payments", endpoint: "charge") @publish(topic: "c.{result.id}")\n}`,
      line: 3,
      message: "Mutation fields",
    },
    {
      name: "a Mutation field without @rest",
      publish: "",
      sdl: `type Charge { id: ID! }\nextend type Query { ping: String }\nextend type Mutation {\n  x: Charge @publish(topic: "c.{result.id}")\n}`,
      line: 4,
      message: "no @rest",
    },
  ];
  for (const { name, publish, message, sdl, line = 5 } of cases) {
    it(name, async () => {
      const { gw } = restGateway(uniqueId(), sdl ?? CHARGE_SDL(publish));
      const problems = await startupProblems(gw);
      const problem = problems.find((candidate) => candidate.message.includes("@publish"));
      expect(problem?.path).toMatch(new RegExp(`^schemas/payments\\.graphql:${line}:\\d+$`));
      expect(problem?.message).toContain(message);
    });
  }

  it("refuses {result.x} in @rest templates", async () => {
    const sdl = `type Charge { id: ID! }\nextend type Query { ping: String }\nextend type Mutation {\n  x: Charge @rest(service: "payments", endpoint: "charge", args: { a: "{result.id}" })\n}`;
    const problems = await startupProblems(restGateway(uniqueId(), sdl).gw);
    expect(problems[0]?.message).toContain("only @publish");
  });
});

describe("publish on a remote mutation", () => {
  it("adds the template's fields to the remote's selection and publishes what the remote answered, by field name", async () => {
    const id = uniqueId();
    const name = uniqueId("n").replace(/-/g, "_");
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", publish: { rename: "users.{result.id}.{args.name}" } }],
    });
    const received = await probeTopic(`users.2.${name}`, `probe:${id}`);
    // The client selects no id, and names another field "id": the added field cannot clash with it.
    const data = ok(await gw.graphql(`mutation { rename(id: "2", name: "${name}") { id: name role } }`));
    expect(data).toEqual({ rename: { id: name, role: "MEMBER" } });
    const operations = await upstreamOperations(id, "accounts");
    expect(operations.at(-1)?.query).toMatch(/junction_publish_0\s*:\s*id\b/);
    expect(received.map((event) => ({ topic: event.topic, payload: JSON.parse(event.payload) }))).toEqual([
      { topic: `users.2.${name}`, payload: { name, role: "MEMBER", id: "2" } },
    ]);
  });

  it("publishes from a role's schema too, even when the role cannot see the field the topic reads", async () => {
    const id = uniqueId();
    const name = uniqueId("n").replace(/-/g, "_");
    const editor =
      "type Query { me: User } type Mutation { rename(id: ID!, name: String!): User } type User { name: String! }";
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", publish: { rename: "users.{result.id}.{args.name}" } }],
      auth: hsAuth(),
      permissions: { editor: { accounts: editor } },
    });
    const received = await probeTopic(`users.2.${name}`, `probe:${id}`);
    const res = await gw.graphql(
      `mutation { rename(id: "2", name: "${name}") { name } }`,
      undefined,
      await asRole("editor", "u-1"),
    );
    expect(ok(res)).toEqual({ rename: { name } });
    expect(received.map((event) => JSON.parse(event.payload))).toEqual([{ name, id: "2" }]);
  });

  it("works through customization (publish names the gateway's field)", async () => {
    const id = uniqueId();
    const name = uniqueId("n").replace(/-/g, "_");
    const customization = { fieldNames: [{ parentType: "Mutation", prefix: "acc_" }], typeNames: { prefix: "A_" } };
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", customization, publish: { acc_rename: "users.{result.id}.{args.name}" } }],
    });
    const received = await probeTopic(`users.3.${name}`, `probe:${id}`);
    const data = ok(await gw.graphql(`mutation { acc_rename(id: "3", name: "${name}") { name } }`));
    expect(data).toEqual({ acc_rename: { name } });
    expect(received.map((event) => JSON.parse(event.payload))).toEqual([{ name, id: "3" }]);
  });

  it("a template problem found at startup is located at the remote's publish entry", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["products", { name: "accounts", publish: { rename: "users..{result.id}" } }],
    });
    const problems = await startupProblems(gw);
    expect(problems.map((problem) => problem.path)).toEqual(["$.remotes[1].publish.rename"]);
  });

  it("a field or argument the remote's mutation lacks leaves the remote out with INVALID_CONFIG at its publish entry", async () => {
    for (const [publish, message] of [
      [{ rename: "users.{result.nope}" }, 'field "nope"'],
      [{ rename: "users.{args.nope}" }, 'argument "nope"'],
      [{ nope: "users.{result.id}" }, "no Mutation field nope"],
    ] as const) {
      const gw = testGateway(uniqueId(), { remotes: ["products", { name: "accounts", publish }] });
      const status = await remotesOf(gw);
      const accounts = status.remotes.find((remote) => remote.name === "accounts");
      expect(accounts?.status).toBe("error");
      expect(accounts?.lastError?.code).toBe("INVALID_CONFIG");
      expect(accounts?.lastError?.message).toContain(`$.remotes[1].publish.${Object.keys(publish)[0]}`);
      expect(accounts?.lastError?.message).toContain(message);
      expect(status.remotes.find((remote) => remote.name === "products")?.status).toBe("ok");
    }
  });
});
