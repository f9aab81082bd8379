import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_SECRET, type Gateway, graphqlHttp, type Received, sleep, startGateway, until, within } from "./harness";
import { emitUntilAll, remoteConfig, remoteSuite, wsAs } from "./remote-helpers";
import { type RemoteUpstream, startWsRemote, startYogaRemote } from "./remote-upstreams";

const suite = remoteSuite();
const { opened } = suite;

describe("remote subscriptions under customization, shared per role, under a role's permissions", () => {
  /** The role schema of user and viewer: the remote's fields under their customized names. */
  const ALLOWED = [
    "type Query { tk_hello: String }",
    "type Subscription { tk_ticks(channel: String!): TK_Tick  ns: ns_subscription! }",
    "type ns_subscription { ticks(channel: String!): NS_Tick }",
    "type TK_Tick { id: ID! n: Int! sentAt: Float! user: String channel: String! orderId: ID! }",
    "type NS_Tick { id: ID! n: Int! sentAt: Float! user: String channel: String! orderId: ID! }",
  ].join("\n");
  let sse: RemoteUpstream;
  let ws: RemoteUpstream;
  let gw: Gateway;
  beforeAll(async () => {
    sse = await startYogaRemote();
    ws = await startWsRemote();
    const config = remoteConfig(
      suite.orders.url,
      sse,
      { share: "role" },
      {
        customization: {
          typeNames: { prefix: "TK_" },
          fieldNames: [
            { parentType: "Query", prefix: "tk_" },
            { parentType: "Subscription", prefix: "tk_" },
          ],
        },
      },
      { realtime: { maxSubscriptionsPerConnection: 3 } },
    );
    (config.remotes as unknown[]).push({
      name: "nsticks",
      url: ws.url,
      subscriptions: { transport: "graphql-ws", share: "all" },
      customization: { rootFieldsNamespace: "ns", typeNames: { prefix: "NS_" } },
    });
    gw = await startGateway({
      config,
      // With permissions, a role without a file sees nothing: user and viewer may subscribe, limited may not.
      files: {
        "schemas/permissions/user.graphql": ALLOWED,
        "schemas/permissions/viewer.graphql": ALLOWED,
        "schemas/permissions/limited.graphql": "type Query { tk_hello: String }",
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await sse?.stop();
    await ws?.stop();
  });

  it('opens one upstream subscription per role with share "role", connecting with x-hasura-role only', async () => {
    const subs = [
      (await wsAs(gw, opened, "ro-1")).subscribe('subscription { tk_ticks(channel: "role") { n user } }'),
      (await wsAs(gw, opened, "ro-2")).subscribe('subscription { tk_ticks(channel: "role") { n user } }'),
      (await wsAs(gw, opened, "ro-3", { role: "viewer" })).subscribe(
        'subscription { tk_ticks(channel: "role") { n user } }',
      ),
    ];
    const next = await emitUntilAll(sse, "role", subs);
    sse.emit("role", next);
    await until(
      "the tick at every subscriber",
      async () => subs.filter((s) => s.results.some((r) => r.data?.tk_ticks?.n === next)).length,
      (n) => n === 3,
    );
    expect(sse.opened("role")).toBe(2);
    const upstream = sse.subscriptions.filter((s) => s.channel === "role");
    expect(upstream.map((s) => s.headers["x-hasura-role"]).sort()).toEqual(["user", "viewer"]);
    expect(upstream.map((s) => s.headers["x-hasura-user-id"])).toEqual([undefined, undefined]);
    for (const sub of subs) expect(sub.results.every((r) => r.data?.tk_ticks?.user === null)).toBe(true);
  });

  it("refuses a remote's Subscription field outside the role's schema, opening nothing upstream; the socket is not closed", async () => {
    const client = await wsAs(gw, opened, "lim-1", { role: "limited" });
    const held = client.subscribe("{ tk_hello }");
    const refused = await within("refusal", client.subscribe('subscription { tk_ticks(channel: "perm") { n } }').ended);
    expect(Array.isArray(refused.error), JSON.stringify(refused)).toBe(true);
    expect(JSON.stringify(refused.error)).toMatch(/tk_ticks|subscription/i);
    expect(await held.wait(1)).toEqual([{ data: { tk_hello: "world" } }]);
    await sleep(300);
    expect(sse.opened("perm")).toBe(0);
    // Not closed by the gateway (the lazy client itself closes with 1000 once nothing is left to run).
    expect(client.closes.filter((c) => c.code !== 1000)).toEqual([]);
  });

  it("counts remote subscriptions against maxSubscriptionsPerConnection (3 here): the 4th gets TOO_MANY_SUBSCRIPTIONS, the socket stays open", async () => {
    const client = await wsAs(gw, opened, "max-1");
    const held = [1, 2, 3].map((i) => client.subscribe(`subscription { tk_ticks(channel: "max-${i}") { n } }`));
    await emitUntilAll(sse, "max-1", [held[0] as Received]);
    await emitUntilAll(sse, "max-2", [held[1] as Received]);
    await emitUntilAll(sse, "max-3", [held[2] as Received]);
    const refused = await within(
      "refusal",
      client.subscribe('subscription { tk_ticks(channel: "max-4") { n } }').ended,
    );
    expect(JSON.stringify(refused.error)).toContain("TOO_MANY_SUBSCRIPTIONS");
    expect(sse.opened("max-4")).toBe(0);
    expect(client.closes).toEqual([]);
    sse.emit("max-1", 9000);
    await until(
      "tick 9000 on a held subscription",
      async () => held[0]?.results.at(-1),
      (last) => last?.data?.tk_ticks?.n === 9000,
    );
  });

  it("renames the Subscription field and its type by fieldNames / typeNames, and events reach the renamed field", async () => {
    const sub = (await wsAs(gw, opened, "c-1")).subscribe(
      'subscription { tk_ticks(channel: "cust") { __typename n } }',
    );
    await emitUntilAll(sse, "cust", [sub]);
    expect(sub.results[0]).toEqual({ data: { tk_ticks: { __typename: "TK_Tick", n: expect.any(Number) } } });
  });

  it("puts the Subscription fields of a remote with rootFieldsNamespace under the namespace, as its queries (ns_subscription); events reach them through it", async () => {
    // The admin sees the whole schema (the roles here see their permission files).
    const answer = await graphqlHttp(
      gw,
      "{ __schema { queryType { fields { name } } subscriptionType { fields { name type { kind ofType { name fields { name type { name } } } } } } } }",
      { "x-admin-secret": ADMIN_SECRET },
    );
    expect(answer.status, answer.text).toBe(200);
    const schema = answer.body?.data?.__schema;
    const subscriptionFields = schema?.subscriptionType?.fields as { name: string; type: unknown }[];
    expect(subscriptionFields.map((f) => f.name)).not.toContain("ticks");
    expect(subscriptionFields.find((f) => f.name === "ns")?.type).toEqual({
      kind: "NON_NULL",
      ofType: { name: "ns_subscription", fields: [{ name: "ticks", type: { name: "NS_Tick" } }] },
    });
    const queries = schema?.queryType?.fields.map((f: { name: string }) => f.name);
    expect(queries).toContain("ns");
    expect(queries).not.toContain("hello");
    const sub = (await wsAs(gw, opened, "ns-1")).subscribe(
      'subscription { ns { ticks(channel: "ns") { __typename n } } }',
    );
    await emitUntilAll(ws, "ns", [sub]);
    expect(sub.results[0]).toEqual({ data: { ns: { ticks: { __typename: "NS_Tick", n: expect.any(Number) } } } });
    expect(sub.results.every((r) => r.errors === undefined)).toBe(true);
    expect(ws.opened("ns")).toBe(1);
  });
});
