import { describe, expect, it } from "vitest";
import { testGateway } from "../../fixtures/gateways";
import { REST_GATEWAY_TOKEN_SECRET } from "../../fixtures/rest-upstream";
import { uniqueId } from "../../helpers";

const SDL = `
type Secure { id: ID! caller: String! ttl: Int! }
extend type Query {
  secure: Secure @rest(service: "payments", endpoint: "secure")
  secureOther: Secure @rest(service: "payments", endpoint: "secureForOther")
}
`;

/** The payments service: forwards client headers, exposes errors; `/secure` verifies x-gateway-token. */
const SECURE = {
  name: "payments",
  forwardClientHeaders: true,
  exposeErrors: true,
  endpoints: {
    secure: { method: "GET", path: "/secure" },
    secureForOther: { method: "GET", path: "/secure", query: { aud: "billing" } },
  },
};
/** The SDL file, and the secret the service verifies tokens with. */
const OPTIONS = {
  files: { "schemas/secure.graphql": SDL },
  env: { GATEWAY_TOKEN_SECRET: REST_GATEWAY_TOKEN_SECRET },
};

describe("x-gateway-token on REST service calls, verified by the service with jose", () => {
  it("is accepted by a service verifying iss, aud = its name, and a 60 s lifetime", async () => {
    const { body } = await testGateway(uniqueId(), { services: [SECURE] }, OPTIONS).graphql(
      "{ secure { id caller ttl } }",
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ secure: { id: "secure", caller: "junction->payments", ttl: 60 } });
  });

  it("is rejected by a service expecting another audience", async () => {
    const { body } = await testGateway(uniqueId(), { services: [SECURE] }, OPTIONS).graphql("{ secureOther { id } }");
    expect(body.data).toEqual({ secureOther: null });
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_HTTP_ERROR",
      serviceName: "payments",
      status: 401,
    });
    expect(body.errors?.[0]?.message).toContain('unexpected "aud" claim value');
  });

  it("is not sent with gatewayToken: false, and a client's own token is never forwarded", async () => {
    const gw = testGateway(uniqueId(), { services: [{ ...SECURE, gatewayToken: false }] }, OPTIONS);
    const { body } = await gw.graphql("{ secure { id } }", undefined, { "x-gateway-token": "forged.by.client" });
    expect(body.data).toEqual({ secure: null });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_HTTP_ERROR", status: 401 });
    expect(body.errors?.[0]?.message).toMatch(/rejected: .*(JWS|JWT|Invalid Compact)/i);
  });
});
