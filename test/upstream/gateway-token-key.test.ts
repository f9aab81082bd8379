/**
 * A gateway token key that cannot be used (docs/security.md "Upstream resilience"): only the upstream
 * calls that need a token fail, each with INVALID_CONFIG naming the secret and `serviceName`; remotes
 * and services with `"gatewayToken": false` and fields without upstream calls keep answering; /healthz
 * reports `"gatewayToken": "error"` and `degraded`.
 */
import { describe, expect, it } from "vitest";
import { ok, testGateway } from "../fixtures/gateways";
import { restStats, stats, uniqueId } from "../helpers";

const NOT_JSON = '{"kty":"OKP","crv":"Ed25519","x":"not-json';
const MESSAGE = "Secret GATEWAY_TOKEN_PRIVATE_KEY is not valid JSON (expected an Ed25519 private JWK)";

const SDL = `
  type Echo { method: String! path: String! }
  extend type Query {
    signed: Echo @rest(service: "signed", endpoint: "echo")
    unsigned: Echo @rest(service: "unsigned", endpoint: "echo")
  }
`;

/** accounts needs a token, products does not; the same for the services signed and unsigned. */
function brokenKeyGateway(id: string) {
  return testGateway(
    id,
    {
      remotes: ["accounts", { name: "products", gatewayToken: false }],
      services: [
        { name: "signed", endpoints: { echo: { method: "GET", path: "/echo/signed" } } },
        { name: "unsigned", gatewayToken: false, endpoints: { echo: { method: "GET", path: "/echo/unsigned" } } },
      ],
    },
    { files: { "schemas/echo.graphql": SDL }, env: { GATEWAY_TOKEN_PRIVATE_KEY: NOT_JSON } },
  );
}

describe("a gateway token key that cannot be imported", () => {
  it("fails only the calls that need a token, each with INVALID_CONFIG and serviceName", async () => {
    const id = uniqueId();
    const gw = brokenKeyGateway(id);
    const res = await gw.graphql(
      "{ __typename me { id } products(limit: 1) { upc } signed { path } unsigned { path } }",
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      __typename: "Query",
      me: null,
      products: [{ upc: "p1" }],
      signed: null,
      unsigned: { path: "/echo/unsigned" },
    });
    const errors = Object.fromEntries((res.body.errors ?? []).map((error) => [error.path?.[0], error]));
    expect(Object.keys(errors).sort()).toEqual(["me", "signed"]);
    expect(errors.me).toMatchObject({
      message: MESSAGE,
      extensions: { code: "INVALID_CONFIG", serviceName: "accounts" },
    });
    expect(errors.signed).toMatchObject({
      message: MESSAGE,
      extensions: { code: "INVALID_CONFIG", serviceName: "signed", endpoint: "echo" },
    });
    expect(JSON.stringify(res.body)).not.toContain("not-json");
    // The calls that needed a token never left the gateway.
    expect((await stats(id, "accounts")).operations).toBe(0);
    expect((await restStats(id)).requests).toEqual({ "GET /echo/unsigned": 1 });
  });

  it("answers operations on one remote that needs a token (the passthrough executor) with a field error", async () => {
    const id = uniqueId();
    const { status, body } = await brokenKeyGateway(id).graphql("{ me { id } }");
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { me: null },
      errors: [{ message: MESSAGE, path: ["me"], extensions: { code: "INVALID_CONFIG", serviceName: "accounts" } }],
    });
  });

  it("is reported by /healthz: degraded, gatewayToken error", async () => {
    const gw = brokenKeyGateway(uniqueId());
    const res = await gw.fetch("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "degraded",
      schemaHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      remotes: { accounts: "ok", products: "ok" },
      gatewayToken: "error",
    });
    const good = testGateway(uniqueId(), { remotes: ["accounts"] }, { env: { GATEWAY_TOKEN_SECRET: "x".repeat(32) } });
    expect(await (await good.fetch("/healthz")).json()).toMatchObject({ status: "ok" });
    expect(await (await good.fetch("/healthz")).json()).not.toHaveProperty("gatewayToken");
    ok(await good.graphql("{ me { id } }"));
  });
});
