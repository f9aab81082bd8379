/**
 * The upstream plugin `response-size` (docs/security.md "Upstream resilience"): an answer over the
 * upstream's `maxResponseBytes` (default 10 MB) fails its fields with UPSTREAM_RESPONSE_TOO_LARGE and
 * `serviceName`, whether it declares its length or streams, through every reader: executor-http
 * (operations over two remotes), the passthrough executor (one remote) and REST calls.
 */
import { describe, expect, it } from "vitest";
import { ok, testGateway } from "../fixtures/gateways";
import { control, stats, type TestGateway, uniqueId } from "../helpers";

/** Test `id`'s accounts (with `accounts` merged in) and products remotes, the schema loaded. */
async function gatewayOf(id: string, accounts: Record<string, unknown>): Promise<TestGateway> {
  const gw = testGateway(id, { remotes: [{ name: "accounts", ...accounts }, "products"] });
  ok(await gw.graphql("{ __typename }"));
  return gw;
}

const TOO_LARGE = { code: "UPSTREAM_RESPONSE_TOO_LARGE", serviceName: "accounts" };

describe("answers over maxResponseBytes", () => {
  it.each(["big", "big-stream"])(
    "fail with UPSTREAM_RESPONSE_TOO_LARGE through executor-http, the other remote intact (%s)",
    async (mode) => {
      const id = uniqueId();
      const gw = await gatewayOf(id, { maxResponseBytes: 100_000 });
      await control(id, "accounts", { mode, bigBytes: 300_000 });
      const { status, body, headers } = await gw.graphql("{ me { id } products(limit: 1) { upc } }");
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: null, products: [{ upc: "p1" }] });
      expect(body.errors).toEqual([
        {
          message: 'Remote schema "accounts" answered more than its maxResponseBytes (100000 bytes)',
          path: ["me"],
          extensions: { ...TOO_LARGE, status: 200 },
        },
      ]);
      expect(headers.get("content-type")).toContain("json");
      // Nothing of executor-http's own extensions (request body, response) is sent.
      expect(JSON.stringify(body)).not.toContain("xxxx");
    },
  );

  it.each(["big", "big-stream"])("fail through the passthrough executor (one remote) (%s)", async (mode) => {
    const id = uniqueId();
    const gw = await gatewayOf(id, { maxResponseBytes: 100_000 });
    await control(id, "accounts", { mode, bigBytes: 300_000 });
    const { status, body } = await gw.graphql('{ echo(value: "x") }');
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions).toMatchObject(TOO_LARGE);
  });

  it("pass when they fit: an answer of exactly maxResponseBytes is read whole", async () => {
    const id = uniqueId();
    const gw = await gatewayOf(id, { maxResponseBytes: 50_000 });
    await control(id, "accounts", { mode: "big-stream", bigBytes: 50_000 });
    const data = ok(await gw.graphql('{ echo(value: "x") }'));
    expect((data.echo as string).length).toBe(50_000 - '{"data":{"echo":""}}'.length);
  });

  it("cut off a 20 MB streamed answer at the default 10 MB limit, and stop reading it", async () => {
    const id = uniqueId();
    const gw = await gatewayOf(id, {});
    await control(id, "accounts", { mode: "big-stream", bigBytes: 20 * 1024 * 1024 });
    const { body } = await gw.graphql('{ echo(value: "x") }');
    expect(body.errors?.[0]?.message).toBe(
      'Remote schema "accounts" answered more than its maxResponseBytes (10485760 bytes)',
    );
    expect(body.errors?.[0]?.extensions).toMatchObject(TOO_LARGE);
    // The server saw the connection go away before it had written the whole answer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(((await stats(id, "accounts")) as unknown as { bytesSent: number }).bytesSent).toBeLessThan(
      20 * 1024 * 1024,
    );
  });
});

describe("REST answers over maxResponseBytes", () => {
  const SDL = `
    type Big { id: ID! pad: String! }
    extend type Query {
      big(bytes: Int!): Big @rest(service: "bulk", endpoint: "big")
      bigStream(bytes: Int!): Big @rest(service: "bulk", endpoint: "bigStream")
    }
  `;
  const BULK = {
    name: "bulk",
    maxResponseBytes: 10_000,
    endpoints: {
      big: { method: "GET", path: "/big", query: { bytes: "{args.bytes}" } },
      bigStream: { method: "GET", path: "/big-stream", query: { bytes: "{args.bytes}" } },
    },
  };

  it("fail with UPSTREAM_RESPONSE_TOO_LARGE, serviceName and endpoint, with and without Content-Length", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], services: [BULK] }, { files: { "schemas/bulk.graphql": SDL } });
    const { body } = await gw.graphql(
      "{ big(bytes: 20000) { id } bigStream(bytes: 20000) { id } fits: big(bytes: 9000) { id } }",
    );
    expect(body.data).toEqual({ big: null, bigStream: null, fits: { id: "big" } });
    const byPath = Object.fromEntries((body.errors ?? []).map((error) => [error.path?.[0], error.extensions]));
    expect(byPath).toEqual({
      big: { code: "UPSTREAM_RESPONSE_TOO_LARGE", serviceName: "bulk", endpoint: "big", status: 200 },
      bigStream: { code: "UPSTREAM_RESPONSE_TOO_LARGE", serviceName: "bulk", endpoint: "bigStream", status: 200 },
    });
  });
});
