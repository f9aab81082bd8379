/**
 * Event triggers: the config (`events.triggers`, docs/triggers.md) and its startup checks, topic
 * patterns, `@publish` reaching the triggers through the same publishEvent as POST /events/{topic}, and an
 * event too large for a queue message.
 */
import { describe, expect, it } from "vitest";
import { topicMatches } from "../../src/triggers";
import { probeTopic } from "../events/probe";
import { ok, startupProblems, testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, uniqueId } from "../helpers";
import { deliveries, EVENTS_SECRET, publish, received, targetUrl, triggersGateway } from "./harness";

describe("topic patterns", () => {
  it("* is one segment, # one or more, everything else literal", () => {
    const cases: Array<[string, string, boolean]> = [
      ["orders.*", "orders.7", true],
      ["orders.*", "orders", false],
      ["orders.*", "orders.7.items", false],
      ["orders.#", "orders.7", true],
      ["orders.#", "orders.7.items.3", true],
      ["orders.#", "orders", false],
      ["#", "a", true],
      ["#", "a.b.c", true],
      ["#.created", "users.1.created", true],
      ["#.created", "created", false],
      ["*.#.*", "a.b", false],
      ["*.#.*", "a.b.c", true],
      ["a.#.b.#.c", "a.x.b.y.z.c", true],
      ["a.#.b.#.c", "a.b.c", false],
      ["orders", "orders", true],
      ["orders", "orders2", false],
      ["users.*.created", "users.u1.created", true],
      ["users.*.created", "users.u1.deleted", false],
    ];
    expect(cases.map(([pattern, topic]) => topicMatches(pattern, topic))).toEqual(cases.map(([, , want]) => want));
  });
});

describe("events.triggers config", () => {
  const problemsOf = async (triggers: unknown[], env: Record<string, unknown> = {}) =>
    startupProblems(triggersGateway(uniqueId("cfg"), triggers as Record<string, unknown>[], { env }));

  it("needs exactly one of url and binding", async () => {
    const url = "http://127.0.0.1:9/hook";
    expect(await problemsOf([{ name: "a", topic: "x", url, binding: "HOOKS" }])).toEqual([
      { path: "$.events.triggers[0].url", message: "give exactly one of url and binding" },
    ]);
    const neither = testGateway(
      uniqueId("cfg"),
      { events: { triggers: [{ name: "a", topic: "x" }] } },
      {
        env: { EVENTS_SECRET },
      },
    );
    expect(await startupProblems(neither)).toEqual([
      { path: "$.events.triggers[0].url", message: "give exactly one of url and binding" },
    ]);
  });

  it("refuses malformed topic patterns, duplicate names, bad names and maxRetries over 16, each located", async () => {
    const url = "http://127.0.0.1:9/hook";
    const problems = await problemsOf([
      { name: "a", topic: "orders.**", url },
      { name: "b", topic: "orders..x", url },
      { name: "c", topic: "a#", url },
      { name: "d", topic: "", url },
      { name: "a", topic: "ok", url },
      { name: "e f", topic: "ok", url },
      { name: "g", topic: "ok", url, maxRetries: 17 },
    ]);
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        "$.events.triggers[0].topic",
        "$.events.triggers[1].topic",
        "$.events.triggers[2].topic",
        "$.events.triggers[3].topic",
        "$.events.triggers[4].name",
        "$.events.triggers[5].name",
        "$.events.triggers[6].maxRetries",
      ].sort(),
    );
    expect(problems.find((p) => p.path === "$.events.triggers[4].name")?.message).toContain(
      'duplicate trigger name "a"',
    );
  });

  it("needs EVENTS_SECRET and declared service bindings at startup", async () => {
    const problems = await problemsOf([{ name: "a", topic: "x", binding: "NOT_BOUND" }], { EVENTS_SECRET: "" });
    expect(problems).toEqual([
      { path: "$.events.triggers", message: expect.stringContaining("EVENTS_SECRET") },
      { path: "$.events.triggers[0].binding", message: expect.stringContaining('no service binding "NOT_BOUND"') },
    ]);
  });

  it("needs the EVENT_TRIGGERS queue binding", async () => {
    const url = "http://127.0.0.1:9/hook";
    expect(await problemsOf([{ name: "a", topic: "x", url }], { EVENT_TRIGGERS: undefined })).toEqual([
      { path: "$.events.triggers", message: expect.stringContaining("EVENT_TRIGGERS queue") },
    ]);
  });

  it("a {{env.X}} url is resolved", async () => {
    const id = uniqueId("trg");
    const gw = triggersGateway(id, [{ name: "env", topic: "e", url: "{{env.HOOK_URL}}" }], {
      env: { HOOK_URL: targetUrl(id, "/from-env") },
    });
    expect((await publish(gw, "e", "{}")).status).toBe(202);
    expect((await deliveries(id, 1))[0]).toMatchObject({ path: "/from-env", status: 200 });
  });
});

describe("what reaches the triggers", () => {
  it("@publish on a REST mutation enqueues the event for the matching trigger, as POST /events does", async () => {
    const id = uniqueId("trg");
    const sdl = `
type Charge { id: ID! amount: Int! currency: String status: String! }
extend type Query { ping: String }
extend type Mutation {
  charge(amount: Int!, currency: String!): Charge! @rest(service: "payments", endpoint: "charge") @publish(topic: "charges.{result.id}")
}`;
    const gw = triggersGateway(id, [{ name: "ledger", topic: "charges.*" }], {
      spec: { services: [{ name: "payments", endpoints: { charge: { method: "POST", path: "/charges" } } }] },
      files: { "schemas/payments.graphql": sdl },
    });
    const data = ok(await gw.graphql(`mutation { charge(amount: 42, currency: "EUR") { id } }`));
    expect(data).toEqual({ charge: { id: "ch_new" } });
    const [delivery] = await deliveries(id, 1);
    expect(delivery).toMatchObject({ topic: "charges.ch_new", trigger: "ledger", status: 200 });
    expect(JSON.parse(delivery?.body ?? "")).toMatchObject({ id: "ch_new", amount: 42, currency: "EUR" });
  });

  it("an event too large for a queue message: 413 PAYLOAD_TOO_LARGE, and nothing is published", async () => {
    const id = uniqueId("trg");
    const gw = triggersGateway(id, [{ name: "big", topic: "big" }], { spec: { events: { maxPayloadBytes: 300_000 } } });
    const payload = JSON.stringify({ blob: "x".repeat(130_000) });
    const res = await gw.fetch("/events/big", {
      method: "POST",
      body: payload,
      headers: { "content-type": "application/json", "x-admin-secret": ADMIN_SECRET },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PAYLOAD_TOO_LARGE");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await received(id)).toEqual([]);
  });

  it("a queue that refuses the event: 503 EVENT_ENQUEUE_FAILED, and no subscriber received it", async () => {
    const id = uniqueId("trg");
    // A producer binding whose send fails as a full or throttled queue does (Queues throws from send()).
    const refusing = { send: () => Promise.reject(new Error("Too Many Requests")), sendBatch: () => Promise.reject() };
    const gw = triggersGateway(id, [{ name: "t", topic: "refused.*" }], { env: { EVENT_TRIGGERS: refusing } });
    const topic = `refused.${id}`;
    const seen = await probeTopic(topic, `probe:${id}`);
    const res = await gw.fetch(`/events/${topic}`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json", "x-admin-secret": ADMIN_SECRET },
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("EVENT_ENQUEUE_FAILED");
    expect(body.error.message).toContain("Too Many Requests");
    expect(seen).toEqual([]);
  });

  it("the answer of POST /events is unchanged ({ topic, subscribers }) without triggers", async () => {
    const gw = triggersGateway(uniqueId("trg"), []);
    expect(await publish(gw, "plain", "{}")).toEqual({ status: 202, body: { topic: "plain", subscribers: 0 } });
  });
});
