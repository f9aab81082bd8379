/**
 * Upstream calls fail closed (docs/security.md, "REST templates and calls fail closed"): a remote's
 * redirect is UPSTREAM_HTTP_ERROR (never followed); of an upstream GraphQL error's extensions only
 * `code` and `serviceName` reach the client unless `exposeErrorExtensions` lists more, and stack traces
 * never; `forwardClientHeaders: true` keeps the client's `authorization` and `cookie`; an upstream's
 * Set-Cookie can never replace the cookie the JWT is read from.
 */
import { describe, expect, it } from "vitest";
import { hsAuth, post, receivedHeaders, testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, control, stats, uniqueId } from "../helpers";

describe("redirects from a remote", () => {
  it("a JSON 302 is UPSTREAM_HTTP_ERROR with status 302 and is not followed; the other remote answers", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
    const productsBefore = (await stats(id, "products")).requests;

    await control(id, "accounts", { mode: "redirect" });
    const { status, body } = await gw.graphql("{ me { id } }");
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: null });
    expect(body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_HTTP_ERROR", serviceName: "accounts", status: 302 });
    // Following the redirect would have reached the products endpoint.
    expect((await stats(id, "products")).requests).toBe(productsBefore);
  });
});

describe("upstream error extensions", () => {
  const FAILS = "{ fails }";

  it("by default only code and serviceName pass (detail, stacktrace and exception are dropped)", async () => {
    const id = uniqueId();
    const { body } = await testGateway(id, { remotes: ["errors"] }).graphql(FAILS);
    expect(body.errors?.[0]?.message).toBe("kaboom");
    expect(body.errors?.[0]?.extensions).toEqual({ code: "FAIL_CODE", serviceName: "errors" });
  });

  it("exposeErrorExtensions lists more keys; a listed stacktrace still never passes", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "errors", exposeErrorExtensions: ["detail", "stacktrace"] }] });
    const { body } = await gw.graphql(FAILS);
    expect(body.errors?.[0]?.extensions).toEqual({ code: "FAIL_CODE", detail: 42, serviceName: "errors" });
  });

  it("exposeErrorExtensions: true passes every key but stack traces, also inside exception", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "errors", exposeErrorExtensions: true }] });
    const { text, body } = await post(gw, FAILS);
    expect(body.errors?.[0]?.extensions).toEqual({
      code: "FAIL_CODE",
      detail: 42,
      exception: { kind: "db" },
      serviceName: "errors",
    });
    expect(text).not.toContain("db.js");
  });
});

describe("forwardClientHeaders: true and credentials", () => {
  const CLIENT = {
    authorization: "Bearer client-token",
    cookie: "sid=abc",
    "x-visible": "yes",
  };

  it("forwards neither authorization nor cookie", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "accounts", forwardClientHeaders: true }] });
    const received = receivedHeaders(await post(gw, "{ requestHeaders }", CLIENT));
    expect(received["x-visible"]).toBe("yes");
    expect(received.authorization).toBeUndefined();
    expect(received.cookie).toBeUndefined();
  });

  it("a list naming them forwards them", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", forwardClientHeaders: ["authorization", "cookie"] }],
    });
    const received = receivedHeaders(await post(gw, "{ requestHeaders }", CLIENT));
    expect(received.authorization).toBe("Bearer client-token");
    expect(received.cookie).toBe("sid=abc");
    expect(received["x-visible"]).toBeUndefined();
  });
});

describe("Set-Cookie and the JWT's cookie", () => {
  it("drops an upstream Set-Cookie for the JWT cookie's name (and its __Host-/__Secure- forms); others pass", async () => {
    const id = uniqueId();
    await control(id, "accounts", {
      cookies: [
        "session=forged; Path=/",
        "__Host-session=forged; Path=/; Secure",
        "__Secure-Session=forged; Secure",
        "theme=dark; Path=/",
        "session-hint=1",
      ],
    });
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth({ header: { type: "Cookie", name: "session" } }),
    });
    const { status, headers, body } = await post(gw, "{ me { id } }", { "x-admin-secret": ADMIN_SECRET });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(headers.getSetCookie()).toEqual(["theme=dark; Path=/", "session-hint=1"]);
  });

  it("without a cookie token location every Set-Cookie passes", async () => {
    const id = uniqueId();
    await control(id, "accounts", { cookies: ["session=s; Path=/", "theme=dark"] });
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth() });
    const { headers } = await post(gw, "{ me { id } }", { "x-admin-secret": ADMIN_SECRET });
    expect(headers.getSetCookie()).toEqual(["session=s; Path=/", "theme=dark"]);
  });
});
