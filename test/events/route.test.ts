/**
 * POST /events/{topic} (docs/events.md): every answer of the route, against the real hub Durable Object.
 * Where the event reaches shards, a probe shard (probe.ts) records what the hub handed over.
 */
import { describe, expect, it } from "vitest";
import { createLogger, type Logger } from "../../src/observability";
import { testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, type TestGateway, uniqueId } from "../helpers";
import { probeTopic } from "./probe";

const EVENTS_SECRET = "events-test-secret-0123456789";

/** `sha256=<hex HMAC-SHA256 of body with secret>`, computed independently of the gateway. */
async function sign(body: string | Uint8Array<ArrayBuffer>, secret = EVENTS_SECRET): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return `sha256=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A gateway with no remotes, a 100-byte payload limit and EVENTS_SECRET set (unless `env` says otherwise). */
function eventsGateway(env: Record<string, unknown> = { EVENTS_SECRET }, log?: Logger): TestGateway {
  return testGateway(uniqueId("ev"), { events: { maxPayloadBytes: 100 } }, { env, ...(log ? { log } : {}) });
}

/** POSTs `body` to /events/<path> with `headers`. */
async function publish(
  gw: TestGateway,
  path: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await gw.fetch(`/events/${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const codeOf = (answer: { body: Record<string, unknown> }): unknown =>
  (answer.body.error as { code?: string } | undefined)?.code;

describe("POST /events/{topic}", () => {
  it("answers 202 with 0 subscribers when nobody subscribes (signed)", async () => {
    const gw = eventsGateway();
    const topic = `orders.${uniqueId("o")}`;
    const body = '{"id":"7"}';
    const answer = await publish(gw, topic, body, { "x-junction-signature": await sign(body) });
    expect(answer).toEqual({ status: 202, body: { topic, subscribers: 0 } });
  });

  it("hands the raw payload to every subscribed shard and counts their subscriptions", async () => {
    const gw = eventsGateway();
    const topic = `orders.${uniqueId("o")}`;
    const first = await probeTopic(topic, `probe:${uniqueId("a")}`, 2);
    const second = await probeTopic(topic, `probe:${uniqueId("b")}`, 1);
    const body = '{ "id": "7",  "total": 12.5 }';
    const answer = await publish(gw, topic, body, { "x-junction-signature": await sign(body) });
    expect(answer).toEqual({ status: 202, body: { topic, subscribers: 3 } });
    expect(first).toEqual([{ topic, payload: body }]);
    expect(second).toEqual([{ topic, payload: body }]);
  });

  it("accepts the admin secret instead of a signature, and a percent-encoded topic", async () => {
    const gw = eventsGateway();
    const topic = `users.${uniqueId("u")}.notifications`;
    const received = await probeTopic(topic, `probe:${uniqueId("c")}`);
    const answer = await publish(gw, encodeURIComponent(topic), "[1,2]", { "x-admin-secret": ADMIN_SECRET });
    expect(answer).toEqual({ status: 202, body: { topic, subscribers: 1 } });
    expect(received).toEqual([{ topic, payload: "[1,2]" }]);
  });

  it("401 EVENT_SIGNATURE_REQUIRED without either header", async () => {
    const answer = await publish(eventsGateway(), "orders.1", "{}");
    expect(answer.status).toBe(401);
    expect(codeOf(answer)).toBe("EVENT_SIGNATURE_REQUIRED");
  });

  it("401 saying EVENTS_SECRET is not set when it is not, even with a signature", async () => {
    const answer = await publish(eventsGateway({}), "orders.1", "{}", { "x-junction-signature": await sign("{}") });
    expect(answer.status).toBe(401);
    expect(codeOf(answer)).toBe("EVENT_SIGNATURE_REQUIRED");
    expect(String((answer.body.error as { message: string }).message)).toContain("EVENTS_SECRET is not set");
  });

  it("403 INVALID_EVENT_SIGNATURE for a wrong signature, a malformed one, and a wrong admin secret", async () => {
    const gw = eventsGateway();
    const body = '{"id":"7"}';
    const wrongKey = await publish(gw, "orders.1", body, {
      "x-junction-signature": await sign(body, "another-secret"),
    });
    const otherBody = await publish(gw, "orders.1", body, { "x-junction-signature": await sign('{"id":"8"}') });
    const malformed = await publish(gw, "orders.1", body, { "x-junction-signature": "sha1=abc" });
    const admin = await publish(gw, "orders.1", body, { "x-admin-secret": `${ADMIN_SECRET}x` });
    for (const answer of [wrongKey, otherBody, malformed, admin]) {
      expect(answer.status).toBe(403);
      expect(codeOf(answer)).toBe("INVALID_EVENT_SIGNATURE");
    }
  });

  it("verifies the signature over the raw bytes: the same JSON serialised differently fails", async () => {
    const gw = eventsGateway();
    const signed = '{"id":"7","total":1}';
    const reserialised = JSON.stringify(JSON.parse(signed), null, 2);
    const spaced = '{"id": "7", "total": 1}';
    for (const body of [reserialised, spaced]) {
      const answer = await publish(gw, "orders.1", body, { "x-junction-signature": await sign(signed) });
      expect(answer.status).toBe(403);
      expect(codeOf(answer)).toBe("INVALID_EVENT_SIGNATURE");
    }
    const upper = `sha256=${(await sign(signed)).slice(7).toUpperCase()}`;
    expect((await publish(gw, "orders.1", signed, { "x-junction-signature": upper })).status).toBe(202);
  });

  it("400 INVALID_EVENT_PAYLOAD for a body that is not JSON (correctly signed)", async () => {
    const gw = eventsGateway();
    for (const body of ["not json", "", '{"id":', new Uint8Array([0x22, 0xff, 0x22])]) {
      const answer = await publish(gw, "orders.1", body, { "x-junction-signature": await sign(body) });
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe("INVALID_EVENT_PAYLOAD");
    }
  });

  it("400 INVALID_TOPIC for a malformed topic", async () => {
    const gw = eventsGateway();
    for (const path of [
      "orders..7",
      "orders.",
      "orders.%2F7",
      "orders.a%20b",
      "orders.%E0%A4%A",
      "x".repeat(257),
      "",
    ]) {
      const answer = await publish(gw, path, "{}", { "x-admin-secret": ADMIN_SECRET });
      expect(answer.status, path).toBe(400);
      expect(codeOf(answer), path).toBe("INVALID_TOPIC");
    }
  });

  it("413 PAYLOAD_TOO_LARGE over events.maxPayloadBytes, by Content-Length and by counting a stream", async () => {
    const gw = eventsGateway();
    const big = JSON.stringify({ pad: "x".repeat(200) });
    const byLength = await publish(gw, "orders.1", big, { "x-junction-signature": await sign(big) });
    expect(byLength.status).toBe(413);
    expect(codeOf(byLength)).toBe("PAYLOAD_TOO_LARGE");
    const chunks = [
      new TextEncoder().encode('{"pad":"'),
      new TextEncoder().encode("y".repeat(150)),
      new TextEncoder().encode('"}'),
    ];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await publish(gw, "orders.1", stream, { "x-admin-secret": ADMIN_SECRET });
    expect(streamed.status).toBe(413);
    expect(codeOf(streamed)).toBe("PAYLOAD_TOO_LARGE");
    const exact = JSON.stringify({ pad: "z".repeat(100 - 10) });
    expect(exact.length).toBe(100);
    expect((await publish(gw, "orders.1", exact, { "x-admin-secret": ADMIN_SECRET })).status).toBe(202);
  });

  it("logs each publish (topic, subscribers, bytes) and each refusal (code), never the payload", async () => {
    const lines: string[] = [];
    const gw = eventsGateway({ EVENTS_SECRET }, createLogger({ sink: (line) => lines.push(line) }));
    const body = '{"secret":"do-not-log-me"}';
    await publish(gw, "orders.logged", body, { "x-junction-signature": await sign(body) });
    await publish(gw, "orders.logged", body, { "x-junction-signature": await sign("{}") });
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.find((line) => line.msg === "event published")).toMatchObject({
      topic: "orders.logged",
      subscribers: 0,
      bytes: body.length,
      authorisation: "signature",
    });
    expect(parsed.find((line) => line.msg === "event publish refused")).toMatchObject({
      code: "INVALID_EVENT_SIGNATURE",
      path: "/events/orders.logged",
    });
    expect(lines.join("\n")).not.toContain("do-not-log-me");
  });

  it("sends no CORS headers on /events, even with cors configured, and refuses the preflight", async () => {
    const gw = testGateway(uniqueId("ev"), { cors: { origins: "*" } }, { env: { EVENTS_SECRET } });
    const preflight = await gw.fetch("/events/orders.1", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-junction-signature",
      },
    });
    expect(preflight.status).toBe(404);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const answer = await gw.fetch("/events/orders.1", {
      method: "POST",
      body: "{}",
      headers: { origin: "https://app.example", "x-admin-secret": ADMIN_SECRET },
    });
    expect(answer.status).toBe(202);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    const graphql = await gw.fetch("/healthz", { headers: { origin: "https://app.example" } });
    expect(graphql.headers.get("access-control-allow-origin")).toBe("*");
  });
});
