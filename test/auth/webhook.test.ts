/**
 * Webhook authentication (Hasura's webhook mode, docs/auth.md "Webhook authentication"): what the hook is sent
 * (GET: the client's headers; POST: `{ headers, request }`), how its answer becomes the session and the
 * role, and what the client gets when the hook refuses or fails. A real hook on loopback
 * (fixtures/auth-hook.ts) and the real accounts remote, whose `requestHeaders` echoes what it received.
 */
import { describe, expect, it } from "vitest";
import {
  ADMIN_HEADERS,
  bearer,
  type Entry,
  ok,
  post,
  receivedHeaders,
  testGateway,
  upstreamHeaders,
} from "../fixtures/gateways";
import { hookControl, hookStats, hookUrl, type TestGateway, uniqueId } from "../helpers";

/** A gateway with test `id`'s accounts remote and its hook answering as `behaviour`; `hook` merges into auth.webhook. */
function hookGateway(id: string, hook: Entry = {}, more: Entry = {}, behaviour = "ok"): TestGateway {
  return testGateway(id, {
    remotes: ["accounts"],
    auth: { webhook: { url: hookUrl(id, behaviour), ...hook } },
    ...more,
  });
}

/** Asserts a refused request: status, code, and that nothing of the hook's own body leaked. */
function expectRefused(answer: Awaited<ReturnType<typeof post>>, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.body.errors?.[0]?.extensions?.code, answer.text).toBe(code);
  expect(answer.body.data ?? undefined).toBeUndefined();
  expect(answer.text).not.toMatch(/secret reason|secret login|hook says no|<html/i);
}

/** Permissions of the role tests: `user` sees requestHeaders, `editor` also `me`. */
const PERMISSIONS = {
  user: { accounts: "type Query { requestHeaders: String! }" },
  editor: { accounts: "type Query { requestHeaders: String! me: User } type User { id: ID! }" },
};

describe("webhook: the answer becomes the session", () => {
  it("forwards the answer's session variables upstream (keys case-insensitive), never the client's own", async () => {
    const id = uniqueId();
    await hookControl(id, { answer: { "X-Hasura-Role": "user", "X-HASURA-USER-ID": "42", "x-hasura-Org-Id": 7 } });
    const gw = hookGateway(id);
    const received = await upstreamHeaders(gw, { ...bearer("t1"), "x-hasura-user-id": "999", "x-hasura-team": "red" });
    expect(received["x-hasura-role"]).toBe("user");
    expect(received["x-hasura-user-id"]).toBe("42");
    expect(received["x-hasura-org-id"]).toBe("7");
    expect(received["x-hasura-team"]).toBeUndefined();
    expect((await hookStats(id)).calls).toBe(1);
  });

  it("applies the sessionHeaderPrefix to what upstreams get, reading the answer's x-hasura-* keys", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: { webhook: { url: hookUrl(id) }, sessionHeaderPrefix: "x-session-" },
    });
    const received = await upstreamHeaders(gw, bearer("t1"));
    expect(received["x-session-user-id"]).toBe("42");
    expect(received["x-session-role"]).toBe("user");
  });

  it("lets the admin secret bypass the hook; a wrong secret is 401 without calling it", async () => {
    const id = uniqueId();
    const gw = hookGateway(id);
    ok(await post(gw, "{ requestHeaders }", ADMIN_HEADERS));
    expectRefused(await post(gw, "{ requestHeaders }", { "x-admin-secret": "wrong" }), 401, "UNAUTHORIZED");
    expect((await hookStats(id)).calls).toBe(0);
  });
});

describe("webhook: roles", () => {
  const roleGateway = (id: string) => hookGateway(id, {}, { permissions: PERMISSIONS });

  it("runs as the answer's role, and as another allowed role the client asks for with x-hasura-role", async () => {
    const id = uniqueId();
    await hookControl(id, { answer: { "x-hasura-role": "user", "x-hasura-allowed-roles": ["user", "editor"] } });
    const gw = roleGateway(id);
    // user's schema has no `me`.
    const asUser = await post(gw, "{ me { id } }", bearer("t"));
    expect(asUser.status).toBe(400);
    expect(asUser.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const asEditor = await post(gw, "{ me { id } requestHeaders }", { ...bearer("t"), "x-hasura-role": "editor" });
    expect(ok(asEditor).me).toEqual({ id: "1" });
    expect(receivedHeaders(await post(gw, "{ requestHeaders }", bearer("t")))["x-hasura-role"]).toBe("user");
  });

  it("refuses a role outside the allowed ones with 403 ROLE_NOT_ALLOWED", async () => {
    const id = uniqueId();
    await hookControl(id, { answer: { "x-hasura-role": "user", "x-hasura-allowed-roles": ["user", "editor"] } });
    const gw = roleGateway(id);
    expectRefused(
      await post(gw, "{ requestHeaders }", { ...bearer("t"), "x-hasura-role": "admin" }),
      403,
      "ROLE_NOT_ALLOWED",
    );
  });

  it("reads x-hasura-allowed-roles as a Postgres array literal {a,b} too", async () => {
    const id = uniqueId();
    await hookControl(id, { answer: { "x-hasura-role": "user", "x-hasura-allowed-roles": '{user,"editor"}' } });
    const gw = roleGateway(id);
    ok(await post(gw, "{ me { id } }", { ...bearer("t"), "x-hasura-role": "editor" }));
  });

  it("without x-hasura-allowed-roles allows only the answer's own role", async () => {
    const id = uniqueId();
    const gw = roleGateway(id);
    ok(await post(gw, "{ requestHeaders }", { ...bearer("t"), "x-hasura-role": "user" }));
    expectRefused(
      await post(gw, "{ requestHeaders }", { ...bearer("t"), "x-hasura-role": "editor" }),
      403,
      "ROLE_NOT_ALLOWED",
    );
  });

  it.each([
    ["a JSON array", ["user", "auditor"]],
    ["a {a,b} literal", "{user,auditor}"],
  ])("makes x-hasura-roles (%s) the active roles; the client may pick one of them", async (_form, roles) => {
    const id = uniqueId();
    await hookControl(id, { answer: { "x-hasura-roles": roles, "x-hasura-user-id": "7" } });
    const gw = hookGateway(id);
    const both = await upstreamHeaders(gw, bearer("t"));
    expect(both["x-hasura-role"]).toBe("auditor,user");
    expect(both["x-hasura-user-id"]).toBe("7");
    expect((await upstreamHeaders(gw, { ...bearer("t"), "x-hasura-role": "auditor" }))["x-hasura-role"]).toBe(
      "auditor",
    );
    expectRefused(
      await post(gw, "{ requestHeaders }", { ...bearer("t"), "x-hasura-role": "editor" }),
      403,
      "ROLE_NOT_ALLOWED",
    );
  });
});

describe("webhook: several active roles see the union of their schemas", () => {
  it("runs x-hasura-roles of the answer against the union of the roles' permissions", async () => {
    const id = uniqueId();
    await hookControl(id, { answer: { "x-hasura-roles": ["user", "auditor"], "x-hasura-user-id": "7" } });
    const gw = hookGateway(
      id,
      {},
      {
        permissions: {
          user: { accounts: "type Query { requestHeaders: String! }" },
          auditor: { accounts: "type Query { me: User } type User { id: ID! }" },
        },
      },
    );
    const both = ok(await post(gw, "{ me { id } requestHeaders }", bearer("t")));
    expect(both.me).toEqual({ id: "1" });
    expect(JSON.parse(both.requestHeaders as string)["x-hasura-role"]).toBe("auditor,user");
    // One of them alone sees only its own fields.
    const userOnly = await post(gw, "{ me { id } }", { ...bearer("t"), "x-hasura-role": "user" });
    expect(userOnly.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("webhook: what the hook is sent", () => {
  it("GET: the client's headers, but no hop-by-hop header, host or content-length", async () => {
    const id = uniqueId();
    const gw = hookGateway(id);
    ok(
      await post(gw, "{ requestHeaders }", {
        ...bearer("t"),
        cookie: "sid=abc",
        "x-tenant": "acme",
        "x-hasura-role": "user",
        host: "evil.example",
        connection: "x-hop",
        "x-hop": "hop-value",
        "keep-alive": "timeout=5",
        "proxy-authorization": "Basic cHJveHk6cHJveHk=",
        te: "trailers",
        trailer: "x-trail",
        upgrade: "h2c",
      }),
    );
    const seen = await hookStats(id);
    expect(seen.lastMethod).toBe("GET");
    expect(seen.lastBody).toBeNull();
    expect(seen.lastHeaders).toMatchObject({
      authorization: "Bearer t",
      cookie: "sid=abc",
      "x-tenant": "acme",
      "x-hasura-role": "user",
    });
    for (const name of ["x-hop", "keep-alive", "proxy-authorization", "te", "trailer", "upgrade", "content-length"]) {
      expect(seen.lastHeaders[name], name).toBeUndefined();
    }
    expect(seen.lastHeaders.connection).not.toBe("x-hop");
    expect(seen.lastHeaders.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("forwardHeaders: only the headers listed", async () => {
    const id = uniqueId();
    const gw = hookGateway(id, { forwardHeaders: ["Authorization", "x-tenant"] });
    ok(await post(gw, "{ requestHeaders }", { ...bearer("t"), cookie: "sid=abc", "x-tenant": "acme", "x-other": "1" }));
    const { lastHeaders } = await hookStats(id);
    expect(lastHeaders).toMatchObject({ authorization: "Bearer t", "x-tenant": "acme" });
    expect(lastHeaders.cookie).toBeUndefined();
    expect(lastHeaders["x-other"]).toBeUndefined();
  });

  it("POST: a JSON body with the headers (names lower-case) and the GraphQL request", async () => {
    const id = uniqueId();
    const gw = hookGateway(id, { method: "POST" });
    const query = "query Echo($v: String!) { echo(value: $v) }";
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", Authorization: "Bearer t", "X-Tenant": "acme" },
      body: JSON.stringify({ query, variables: { v: "hi" }, operationName: "Echo" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { echo: "hi" } });
    const seen = await hookStats(id);
    expect(seen.lastMethod).toBe("POST");
    expect(seen.lastHeaders["content-type"]).toBe("application/json");
    const body = seen.lastBody as { headers: Record<string, string>; request: unknown };
    expect(body.headers).toMatchObject({ authorization: "Bearer t", "x-tenant": "acme" });
    expect(body.headers.host).toBeUndefined();
    expect(body.request).toEqual({ query, variables: { v: "hi" }, operationName: "Echo" });
  });

  it("POST: a GET /graphql sends its query parameters (a document id: no query); a body that is not JSON sends request: null", async () => {
    const id = uniqueId();
    const gw = hookGateway(id, { method: "POST" });
    const params = new URLSearchParams({ query: "query Q($v: String!) { echo(value: $v) }", variables: '{"v":"g"}' });
    await gw.fetch(`/graphql?${params}`, { headers: { ...bearer("t"), "x-graphql-csrf": "1" } });
    expect((await hookStats(id)).lastBody).toMatchObject({
      request: { query: "query Q($v: String!) { echo(value: $v) }", variables: { v: "g" }, operationName: null },
    });
    // A stored document named by id: no query text.
    await gw.fetch("/graphql?documentId=sha256:abc", { headers: { ...bearer("t"), "x-graphql-csrf": "1" } });
    expect((await hookStats(id)).lastBody).toMatchObject({ request: { variables: null, operationName: null } });
    expect((await hookStats(id)).lastBody).not.toHaveProperty("request.query");
    await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "text/plain", ...bearer("t") },
      body: "{ requestHeaders }",
    });
    const seen = await hookStats(id);
    expect(seen.calls).toBe(3);
    expect(seen.lastBody).toMatchObject({ headers: { authorization: "Bearer t" }, request: null });
  });
});

describe("webhook: refusals and failures", () => {
  it("answers 401 UNAUTHENTICATED when the hook answers 401", async () => {
    const id = uniqueId();
    const answer = await post(hookGateway(id, {}, {}, "401"), "{ requestHeaders }", bearer("t"));
    expectRefused(answer, 401, "UNAUTHENTICATED");
    expect(answer.body.errors?.[0]?.message).toMatch(/auth webhook refused/);
  });

  it.each([
    ["500", {}],
    ["403", {}],
    ["201", {}],
    ["html", {}],
    ["array", {}],
    ["redirect", {}],
    ["slow", { timeoutMs: 300 }],
  ])("answers 500 AUTH_WEBHOOK_FAILED when the hook behaves as %s, without its body", async (behaviour, hook) => {
    const id = uniqueId();
    await hookControl(id, { delayMs: 2000 });
    const started = Date.now();
    const answer = await post(hookGateway(id, hook, {}, behaviour), "{ requestHeaders }", bearer("t"));
    expectRefused(answer, 500, "AUTH_WEBHOOK_FAILED");
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await hookStats(id)).calls).toBe(1);
  });

  it("answers 500 AUTH_WEBHOOK_FAILED when the hook cannot be reached", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      auth: { webhook: { url: "http://127.0.0.1:9/hook" } },
    });
    expectRefused(await post(gw, "{ requestHeaders }", bearer("t")), 500, "AUTH_WEBHOOK_FAILED");
  });

  it.each([
    ["names no role", { "x-hasura-user-id": "1" }],
    ["has a role that is not a string", { "x-hasura-role": 5 }],
    ["has a role with a comma", { "x-hasura-role": "user,admin" }],
    [
      "has x-hasura-roles outside x-hasura-allowed-roles",
      { "x-hasura-roles": ["admin"], "x-hasura-allowed-roles": ["user"] },
    ],
    ["has a role outside x-hasura-allowed-roles", { "x-hasura-role": "admin", "x-hasura-allowed-roles": ["user"] }],
    ["has an empty x-hasura-roles", { "x-hasura-roles": [] }],
    ["has a session variable that cannot be a header", { "x-hasura-role": "user", "x-hasura-note": "a\r\nb" }],
    ["has the same key twice with different values", { "x-hasura-role": "user", "X-Hasura-Role": "admin" }],
  ])("answers 500 AUTH_WEBHOOK_FAILED when the answer %s", async (_what, answer) => {
    const id = uniqueId();
    await hookControl(id, { answer });
    expectRefused(await post(hookGateway(id), "{ requestHeaders }", bearer("t")), 500, "AUTH_WEBHOOK_FAILED");
  });
});
