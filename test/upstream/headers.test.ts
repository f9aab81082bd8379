/**
 * Which headers reach an upstream (configured > forwarded client headers; never hop-by-hop, never the
 * admin secret), which come back (x-request-id, every upstream Set-Cookie), and which headers are
 * used for introspection.
 */
import { describe, expect, it } from "vitest";
import { buildUpstreamHeaders } from "../../src/upstream";
import { type Received, testGateway, upstreamHeaders } from "../fixtures/gateways";
import { control, remoteUrl, stats, type TestGateway, uniqueId } from "../helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Hop-by-hop headers a client might send, with `x-secret-hop` made hop-by-hop by `Connection`. */
const HOP_BY_HOP_CLIENT_HEADERS = {
  connection: "x-secret-hop",
  "keep-alive": "timeout=5",
  te: "trailers",
  upgrade: "websocket",
  "proxy-authorization": "Basic cHJveHk6cGFzcw==",
  "x-secret-hop": "hop-value",
};

function expectNoHopByHop(received: Received): void {
  // The upstream connection may carry its own Connection header, never the client's.
  expect(String(received.connection ?? "")).not.toContain("x-secret-hop");
  expect(received["keep-alive"]).toBeUndefined();
  expect(received.te).toBeUndefined();
  expect(received.upgrade).toBeUndefined();
  expect(received["proxy-authorization"]).toBeUndefined();
  expect(received["x-secret-hop"]).toBeUndefined();
}

describe("headers sent to upstreams", () => {
  it("configured headers win over forwarded client headers; listed client headers are forwarded", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [
        {
          name: "accounts",
          headers: { "x-api-key": "configured", "x-both": "configured" },
          forwardClientHeaders: ["x-both", "X-Client", "accept-language"],
        },
        "products",
      ],
    });

    const received = await upstreamHeaders(gw, {
      "x-both": "client",
      "x-client": "c",
      "accept-language": "fr",
      "x-api-key": "client-key",
      "x-unlisted": "nope",
    });

    expect(received["x-both"]).toBe("configured");
    expect(received["x-api-key"]).toBe("configured");
    expect(received["x-client"]).toBe("c");
    expect(received["accept-language"]).toBe("fr");
    expect(received["x-unlisted"]).toBeUndefined();
    // The fixture's own record of the last request agrees with what the resolver saw.
    expect((await stats(id, "accounts")).lastHeaders).toMatchObject({
      "x-both": "configured",
      "x-api-key": "configured",
      "x-client": "c",
      "accept-language": "fr",
    });
  });

  it("never forwards hop-by-hop headers, even when listed in forwardClientHeaders", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [
        { name: "accounts", forwardClientHeaders: [...Object.keys(HOP_BY_HOP_CLIENT_HEADERS), "x-visible"] },
        "products",
      ],
    });

    const received = await upstreamHeaders(gw, { ...HOP_BY_HOP_CLIENT_HEADERS, "x-visible": "yes" });

    expect(received["x-visible"]).toBe("yes");
    expectNoHopByHop(received);
  });

  it("with forwardClientHeaders: true forwards the rest but never hop-by-hop, x-admin-secret, host or content-length", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "accounts", forwardClientHeaders: true }, "products"] });
    // Warm up so that the request under test is the one the upstream saw last.
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();

    // A padded body: the client's content-length cannot match the gateway's own upstream body.
    const body = `${JSON.stringify({ query: "{ requestHeaders }" })}${" ".repeat(4000)}`;
    const clientLength = String(new TextEncoder().encode(body).length);
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "content-length": clientLength,
        accept: "application/graphql-response+json",
        host: "evil.example",
        "x-admin-secret": "test-admin-secret",
        authorization: "Bearer client-token",
        "x-visible": "yes",
        ...HOP_BY_HOP_CLIENT_HEADERS,
      },
      body,
    });
    const result = (await res.json()) as { data?: { requestHeaders: string }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    const received = JSON.parse(result.data?.requestHeaders ?? "{}") as Received;

    expect(received["x-visible"]).toBe("yes");
    // Issue 12: with `true` the client's authorization is no longer forwarded (name it in a list to forward it).
    expect(received.authorization).toBeUndefined();
    expectNoHopByHop(received);
    expect(received["x-admin-secret"]).toBeUndefined();
    expect(received.host).not.toBe("evil.example");
    expect(received.host).toBe(new URL(remoteUrl(id, "accounts")).host);
    expect(received["content-length"]).not.toBe(clientLength);
  });

  it("does not copy the client's message headers (host, content-length, ...) into the upstream headers", () => {
    // workerd's fetch recomputes Host and Content-Length itself, so the integration test above cannot
    // tell whether the gateway filtered them: this checks the headers the gateway hands to fetch.
    const client = new Headers({
      host: "evil.example",
      "content-length": "5000",
      "content-type": "application/json",
      "content-encoding": "gzip",
      accept: "text/html",
      "accept-encoding": "br",
      "x-admin-secret": "test-admin-secret",
      "x-visible": "yes",
      ...HOP_BY_HOP_CLIENT_HEADERS,
    });

    const out = buildUpstreamHeaders({ configured: {}, client, forward: true, requestId: "rid" });

    expect(out).toEqual({ "x-visible": "yes", "x-request-id": "rid" });
  });

  it("forwards no client header by default (no forwardClientHeaders)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });

    const received = await upstreamHeaders(gw, {
      authorization: "Bearer client-token",
      cookie: "session=abc",
      "x-client": "c",
      "accept-language": "fr",
    });

    expect(received.authorization).toBeUndefined();
    expect(received.cookie).toBeUndefined();
    expect(received["x-client"]).toBeUndefined();
    expect(received["accept-language"]).toBeUndefined();
  });

  it("uses introspectionHeaders for introspection and headers for queries", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [
        {
          name: "accounts",
          headers: { "x-api-key": "query-key" },
          introspectionHeaders: { "x-admin-token": "introspection-token" },
        },
        "products",
      ],
    });

    // /healthz loads the schema (introspection) without running an operation.
    expect((await gw.fetch("/healthz")).status).toBe(200);
    const afterIntrospection = await stats(id, "accounts");
    expect(afterIntrospection.introspections).toBe(1);
    expect(afterIntrospection.operations).toBe(0);
    expect(afterIntrospection.lastHeaders["x-admin-token"]).toBe("introspection-token");
    expect(afterIntrospection.lastHeaders["x-api-key"]).toBeUndefined();

    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
    const afterQuery = await stats(id, "accounts");
    expect(afterQuery.operations).toBe(1);
    expect(afterQuery.lastHeaders["x-api-key"]).toBe("query-key");
    expect(afterQuery.lastHeaders["x-admin-token"]).toBeUndefined();
  });

  it("uses headers for introspection when introspectionHeaders is absent", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [{ name: "accounts", headers: { "x-api-key": "shared-key" } }, "products"] });

    expect((await gw.fetch("/healthz")).status).toBe(200);
    const afterIntrospection = await stats(id, "accounts");
    expect(afterIntrospection.introspections).toBe(1);
    expect(afterIntrospection.lastHeaders["x-api-key"]).toBe("shared-key");
  });
});

describe("x-request-id", () => {
  it("takes the client's x-request-id, sends it upstream and returns it", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });

    const { headers, body } = await gw.graphql("{ me { id } }", undefined, { "x-request-id": "client-req-42" });

    expect(body.errors).toBeUndefined();
    expect(headers.get("x-request-id")).toBe("client-req-42");
    expect((await stats(id, "accounts")).lastHeaders["x-request-id"]).toBe("client-req-42");
  });

  it("generates a UUID when the client sends none, sends it upstream and returns it", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });

    const { headers, body } = await gw.graphql("{ me { id } }");

    expect(body.errors).toBeUndefined();
    const requestId = headers.get("x-request-id");
    expect(requestId).toMatch(UUID);
    expect((await stats(id, "accounts")).lastHeaders["x-request-id"]).toBe(requestId);
  });

  it("replaces an invalid client x-request-id with a generated UUID", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });

    const { headers } = await gw.graphql("{ me { id } }", undefined, { "x-request-id": "has spaces in it" });

    const requestId = headers.get("x-request-id");
    expect(requestId).toMatch(UUID);
    expect((await stats(id, "accounts")).lastHeaders["x-request-id"]).toBe(requestId);
  });

  it("gives concurrent requests distinct ids, each reaching its own upstream call", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();

    const results = await Promise.all([1, 2, 3, 4, 5].map(() => upstreamHeadersWithId(gw)));

    const ids = results.map((result) => result.responseId);
    expect(new Set(ids).size).toBe(5);
    for (const result of results) expect(result.upstreamId).toBe(result.responseId);
  });
});

async function upstreamHeadersWithId(gw: TestGateway): Promise<{ responseId: string | null; upstreamId: unknown }> {
  const { headers, body } = await gw.graphql("{ requestHeaders }");
  const received = JSON.parse((body.data as { requestHeaders: string }).requestHeaders) as Received;
  return { responseId: headers.get("x-request-id"), upstreamId: received["x-request-id"] };
}

describe("Set-Cookie from upstreams", () => {
  it("passes every upstream Set-Cookie to the client as separate header lines", async () => {
    const id = uniqueId();
    await control(id, "accounts", { cookies: ["a=1; Path=/", "b=2; HttpOnly"] });
    const gw = testGateway(id, { remotes: ["accounts", "products"] });

    const { headers, body } = await gw.graphql("{ me { id } products { upc } }");

    expect(body.errors).toBeUndefined();
    expect(headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
  });

  it("does not carry cookies of one request over to the next", async () => {
    const id = uniqueId();
    await control(id, "accounts", { cookies: ["a=1; Path=/"] });
    const gw = testGateway(id, { remotes: ["accounts", "products"] });

    const first = await gw.graphql("{ me { id } }");
    expect(first.headers.getSetCookie()).toEqual(["a=1; Path=/"]);

    const second = await gw.graphql("{ products { upc } }");
    expect(second.body.errors).toBeUndefined();
    expect(second.headers.getSetCookie()).toEqual([]);
  });
});
