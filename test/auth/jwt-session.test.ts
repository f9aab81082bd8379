/**
 * Callers who get in (docs/auth.md "Authentication, roles and permissions"): where the token comes from, how claims become the session, which
 * role is used, the admin secret, and what upstreams receive: session headers (with the configured
 * prefix), the x-gateway-token's sub and session claims, and REST `{session.x}` templates.
 */
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { bearer, hsAuth, hsJwt, post, type Received, testGateway, upstreamHeaders } from "../fixtures/gateways";
import { ADMIN_SECRET, restStats, stats, uniqueId } from "../helpers";
import { expectAuthFailure, hasuraClaims, NS, payload, sign } from "./jwt-helpers";

/** The gateway of most tests here: test `id`'s accounts remote, HS256 tokens. */
const HS_GATEWAY = { remotes: ["accounts"], auth: hsAuth() };

/** Every session header of a received header set (names starting with `prefix`). */
const sessionHeaders = (received: Received, prefix = "x-hasura-"): Record<string, unknown> =>
  Object.fromEntries(Object.entries(received).filter(([name]) => name.startsWith(prefix)));

describe("HS256 with a secret: claims become the session", () => {
  it("forwards every x-hasura-* claim (lower-cased, numbers/booleans as text, others as JSON) except the role lists", async () => {
    const id = uniqueId();
    const gw = testGateway(id, HS_GATEWAY);
    const token = await sign(
      payload({
        [NS]: hasuraClaims({
          "x-hasura-org-id": 7,
          "x-hasura-is-owner": true,
          "X-Hasura-Team": "blue",
          "x-hasura-tags": ["a", "b"],
        }),
      }),
    );
    const received = await upstreamHeaders(gw, bearer(token));
    expect(sessionHeaders(received)).toEqual({
      "x-hasura-role": "user",
      "x-hasura-user-id": "42",
      "x-hasura-org-id": "7",
      "x-hasura-is-owner": "true",
      "x-hasura-team": "blue",
      "x-hasura-tags": '["a","b"]',
    });
    expect(sessionHeaders((await stats(id, "accounts")).lastHeaders)).toMatchObject({
      "x-hasura-role": "user",
      "x-hasura-user-id": "42",
    });
  });

  it("uses the default role when no x-hasura-role header is sent", async () => {
    const id = uniqueId();
    const gw = testGateway(id, HS_GATEWAY);
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-default-role": "editor" }) }));
    expect((await upstreamHeaders(gw, bearer(token)))["x-hasura-role"]).toBe("editor");
  });

  it("selects another allowed role with the x-hasura-role header", async () => {
    const id = uniqueId();
    const gw = testGateway(id, HS_GATEWAY);
    const token = await sign(payload());
    const received = await upstreamHeaders(gw, { ...bearer(token), "x-hasura-role": "editor" });
    expect(received["x-hasura-role"]).toBe("editor");
    expect(received["x-hasura-user-id"]).toBe("42");
    // The same token without the header runs as the default role.
    expect((await upstreamHeaders(gw, bearer(token)))["x-hasura-role"]).toBe("user");
  });
});

describe("where the claims are", () => {
  it("claimsNamespacePath wins over claimsNamespace", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth({ claimsNamespacePath: "$.hasura.claims" }),
    });
    const token = await sign(
      payload({
        hasura: { claims: hasuraClaims({ "x-hasura-user-id": "7" }) },
        [NS]: hasuraClaims({ "x-hasura-user-id": "666" }),
      }),
    );
    expect((await upstreamHeaders(gw, bearer(token)))["x-hasura-user-id"]).toBe("7");

    // Claims only under the default namespace are not read when the path is set.
    const onlyNamespace = await sign(payload());
    expectAuthFailure(await post(gw, "{ requestHeaders }", bearer(onlyNamespace)), 401, "INVALID_CLAIMS");
  });

  it("reads a custom claimsNamespace", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth({ claimsNamespace: "https://example.com/claims" }),
    });
    const claims = payload({ "https://example.com/claims": hasuraClaims({ "x-hasura-user-id": "c-1" }) });
    delete claims[NS];
    expect((await upstreamHeaders(gw, bearer(await sign(claims))))["x-hasura-user-id"]).toBe("c-1");
  });

  it('claimsFormat "stringified_json" reads the namespace as a JSON string', async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth({ claimsFormat: "stringified_json" }) });
    const token = await sign(payload({ [NS]: JSON.stringify(hasuraClaims({ "x-hasura-user-id": "s-9" })) }));
    const received = await upstreamHeaders(gw, bearer(token));
    expect(received["x-hasura-user-id"]).toBe("s-9");
    expect(received["x-hasura-role"]).toBe("user");
  });

  it("claimsMap: a JSON path, a path with a default, and literals (no namespace in the token)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: {
        jwt: hsJwt({
          claimsMap: {
            "x-hasura-user-id": { path: "$.sub" },
            "x-hasura-org-id": { path: "$.org.id", default: "no-org" },
            "x-hasura-allowed-roles": ["reader", "writer"],
            "x-hasura-default-role": "reader",
          },
        }),
      },
    });
    const withOrg = payload({ sub: "u-9", org: { id: "o-5" } });
    delete withOrg[NS];
    const received = await upstreamHeaders(gw, bearer(await sign(withOrg)));
    expect(sessionHeaders(received)).toEqual({
      "x-hasura-role": "reader",
      "x-hasura-user-id": "u-9",
      "x-hasura-org-id": "o-5",
    });

    const withoutOrg = payload({ sub: "u-10" });
    delete withoutOrg[NS];
    const defaulted = await upstreamHeaders(gw, { ...bearer(await sign(withoutOrg)), "x-hasura-role": "writer" });
    expect(sessionHeaders(defaulted)).toEqual({
      "x-hasura-role": "writer",
      "x-hasura-user-id": "u-10",
      "x-hasura-org-id": "no-org",
    });
  });
});

describe("where the token is", () => {
  it('header { type: "Cookie", name: "session" } reads the token from that cookie', async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth({ header: { type: "Cookie", name: "session" } }),
    });
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "cookie-user" }) }));
    const received = await upstreamHeaders(gw, { cookie: `theme=dark; session=${token}; other=1` });
    expect(received["x-hasura-user-id"]).toBe("cookie-user");
    // Without the cookie there is no token.
    expectAuthFailure(await post(gw, "{ requestHeaders }", { cookie: "theme=dark" }), 401, "UNAUTHENTICATED");
  });

  it('header { type: "CustomHeader", name: "x-token" } reads the raw token from that header', async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth({ header: { type: "CustomHeader", name: "x-token" } }),
    });
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "header-user" }) }));
    expect((await upstreamHeaders(gw, { "x-token": token }))["x-hasura-user-id"]).toBe("header-user");
  });
});

describe("admin secret", () => {
  it("alone: role admin is forwarded; the secret itself is not", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "accounts", forwardClientHeaders: true }], auth: hsAuth() });
    const received = await upstreamHeaders(gw, { "x-admin-secret": ADMIN_SECRET });
    expect(received["x-hasura-role"]).toBe("admin");
    expect(received["x-hasura-user-id"]).toBeUndefined();
    expect(received["x-admin-secret"]).toBeUndefined();
  });

  it("with the right secret the JWT is ignored (even a broken one)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, HS_GATEWAY);
    const received = await upstreamHeaders(gw, { "x-admin-secret": ADMIN_SECRET, authorization: "Bearer aaa.bbb.ccc" });
    expect(received["x-hasura-role"]).toBe("admin");
  });

  it("posing as a role: the client's session headers become the session and are forwarded", async () => {
    const id = uniqueId();
    const gw = testGateway(id, HS_GATEWAY);
    const received = await upstreamHeaders(gw, {
      "x-admin-secret": ADMIN_SECRET,
      "x-hasura-role": "editor",
      "x-hasura-user-id": "99",
      "X-Hasura-Org-Id": "5",
    });
    expect(sessionHeaders(received)).toEqual({
      "x-hasura-role": "editor",
      "x-hasura-user-id": "99",
      "x-hasura-org-id": "5",
    });
  });
});

describe('sessionHeaderPrefix "x-user-"', () => {
  it("forwards the session as x-user-*; client x-hasura-* and x-user-* headers are never forwarded", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", forwardClientHeaders: true }],
      auth: { jwt: hsJwt(), sessionHeaderPrefix: "x-user-" },
    });
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-org-id": "o-1" }) }));
    const received = await upstreamHeaders(gw, {
      ...bearer(token),
      "x-hasura-user-id": "1",
      "x-hasura-foo": "client",
      "x-user-user-id": "2",
      "x-user-foo": "client",
      "x-visible": "yes",
    });
    expect(received["x-visible"]).toBe("yes");
    expect(sessionHeaders(received, "x-user-")).toEqual({
      "x-user-role": "user",
      "x-user-user-id": "42",
      "x-user-org-id": "o-1",
    });
    expect(sessionHeaders(received, "x-hasura-")).toEqual({});
  });

  it("an admin poses with x-user-* headers; they are forwarded under the prefix", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: { jwt: hsJwt(), sessionHeaderPrefix: "x-user-" } });
    const received = await upstreamHeaders(gw, {
      "x-admin-secret": ADMIN_SECRET,
      "x-user-role": "editor",
      "x-user-user-id": "5",
    });
    expect(sessionHeaders(received, "x-user-")).toEqual({ "x-user-role": "editor", "x-user-user-id": "5" });
    expect(sessionHeaders(received, "x-hasura-")).toEqual({});
  });
});

describe("x-gateway-token carries the session", () => {
  const TOKEN_SECRET = "gateway-token-secret-for-auth-tests-0123456789";
  const key = new TextEncoder().encode(TOKEN_SECRET);

  it("sub = x-hasura-user-id and session = the session variables", async () => {
    const id = uniqueId();
    const gw = testGateway(id, HS_GATEWAY, { env: { GATEWAY_TOKEN_SECRET: TOKEN_SECRET } });
    const received = await upstreamHeaders(gw, { ...bearer(await sign(payload())), "x-hasura-role": "editor" });
    const { payload: claims } = await jwtVerify(String(received["x-gateway-token"]), key, {
      issuer: "junction",
      audience: "accounts",
      algorithms: ["HS256"],
    });
    expect(claims.sub).toBe("42");
    expect(claims.session).toEqual({ "x-hasura-role": "editor", "x-hasura-user-id": "42" });
  });

  it("an unauthenticated caller's token has no sub and its role in session", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      {
        remotes: ["accounts"],
        auth: { jwt: hsJwt(), unauthenticatedRole: "anonymous" },
        public: ["Query.requestHeaders"],
      },
      { env: { GATEWAY_TOKEN_SECRET: TOKEN_SECRET } },
    );
    const received = await upstreamHeaders(gw);
    const { payload: claims } = await jwtVerify(String(received["x-gateway-token"]), key, { audience: "accounts" });
    expect(claims.sub).toBeUndefined();
    expect(claims.session).toEqual({ "x-hasura-role": "anonymous" });
  });
});

describe("REST templates read the session", () => {
  const SDL = `
scalar JSON
type Echo { method: String! path: String! query: JSON headers: String! body: String }
extend type Query {
  myItems: Echo @rest(service: "svc", endpoint: "myItems")
}
`;

  it("{session.x-hasura-user-id} in a path and {session.user-id} in a query reach the REST service", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      {
        remotes: ["accounts"],
        auth: hsAuth(),
        services: [
          {
            name: "svc",
            endpoints: {
              myItems: {
                method: "GET",
                path: "/echo/users/{session.x-hasura-user-id}/items",
                query: { user: "{session.user-id}", role: "{session.x-hasura-role}" },
              },
            },
          },
        ],
      },
      { files: { "schemas/session.graphql": SDL } },
    );
    const token = await sign(payload({ [NS]: hasuraClaims({ "x-hasura-user-id": "u 7/x" }) }));
    const answer = await post(gw, "{ myItems { path query headers } }", bearer(token));
    expect(answer.body.errors, answer.text).toBeUndefined();
    const echo = (answer.body.data as { myItems: { path: string; query: Record<string, string>; headers: string } })
      .myItems;
    expect(echo.path).toBe("/echo/users/u%207%2Fx/items");
    expect(echo.query).toEqual({ user: "u 7/x", role: "user" });
    const headers = JSON.parse(echo.headers) as Received;
    expect(headers["x-hasura-user-id"]).toBe("u 7/x");
    expect(headers["x-hasura-role"]).toBe("user");
    expect((await restStats(id)).requests).toEqual({ "GET /echo/users/u 7/x/items": 1 });
  });
});

describe("no auth section", () => {
  it("authenticates nobody and forwards no session (pre-auth behaviour)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"] });
    const received = await upstreamHeaders(gw, { authorization: "Bearer aaa.bbb.ccc" });
    expect(sessionHeaders(received)).toEqual({});
  });
});
