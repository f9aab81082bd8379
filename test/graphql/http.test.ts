/**
 * The gateway's HTTP surface: GraphQL over HTTP (POST, GET, media types, status codes), GraphiQL,
 * CORS, unknown routes, concurrent requests on one instance, and schema metadata passing through
 * stitching unchanged.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { type GraphQLBody, stats, uniqueId } from "../helpers";

const ORIGIN = "https://app.example.com";
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const ALL_PRODUCTS = [{ upc: "p1" }, { upc: "p2" }, { upc: "p3" }];

/** Test `id`'s accounts and products remotes. */
const TWO_REMOTES = { remotes: ["accounts", "products"] };

describe("GraphQL over HTTP", () => {
  it("answers POST application/json with application/json", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query: "query($v: String!) { echo(value: $v) }", variables: { v: "posted" } }),
    });

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json\b/);
    expect(await res.json()).toEqual({ data: { echo: "posted" } });
  });

  it("answers GET /graphql?query=...&variables=...", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const params = new URLSearchParams({
      query: "query($v: String!) { echo(value: $v) me { id } }",
      variables: JSON.stringify({ v: "from-get" }),
    });
    // GET needs a CSRF header (docs/security.md, "Requests from browsers").
    const res = await gw.fetch(`/graphql?${params}`, {
      headers: { accept: "application/json", "x-graphql-csrf": "1" },
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { echo: "from-get", me: { id: "1" } } });
  });

  it("refuses a mutation over GET with 405", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const params = new URLSearchParams({ query: 'mutation { rename(id: "1", name: "X") { name } }' });
    const res = await gw.fetch(`/graphql?${params}`, {
      headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1" },
    });

    expect(res.status).toBe(405);
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("answers accept: application/graphql-response+json with that content type", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/graphql-response\+json\b/);
    expect(await res.json()).toEqual({ data: { me: { id: "1" } } });
  });

  it("answers a syntax error with 400, application/graphql-response+json and no data", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: "{ me { " }),
    });

    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/graphql-response\+json\b/);
    const body = (await res.json()) as GraphQLBody;
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.message).toMatch(/^Syntax Error/);
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("answers a validation error with 400 and application/graphql-response+json", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: "{ me { id doesNotExist } }" }),
    });

    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/graphql-response\+json\b/);
    const body = (await res.json()) as GraphQLBody;
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("serves GraphiQL as HTML to a browser when graphiql is on (the default)", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.fetch("/graphql", { headers: { accept: BROWSER_ACCEPT } });

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html\b/);
    const html = await res.text();
    expect(html).toContain("<title>Junction</title>");
    expect(html.toLowerCase()).toContain("graphiql");
  });

  it("does not serve GraphiQL when graphiql: false", async () => {
    const gw = testGateway(uniqueId(), { ...TWO_REMOTES, graphiql: false });
    const res = await gw.fetch("/graphql", { headers: { accept: BROWSER_ACCEPT } });

    expect(res.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    expect((await res.text()).toLowerCase()).not.toContain("graphiql");
    // A GraphQL request to the same instance still works.
    expect((await gw.graphql("{ me { id } }")).body).toEqual({ data: { me: { id: "1" } } });
  });
});

describe("CORS", () => {
  const WITH_CORS = { ...TWO_REMOTES, cors: { origins: [ORIGIN], credentials: true } };
  const preflight = (origin: string): RequestInit => ({
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type, x-request-id",
    },
  });

  it("answers a preflight from an allowed origin with that origin and credentials", async () => {
    const gw = testGateway(uniqueId(), WITH_CORS);
    const res = await gw.fetch("/graphql", preflight(ORIGIN));

    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
    expect(res.headers.get("vary")?.toLowerCase()).toContain("origin");
  });

  it("exposes x-request-id on an actual request from an allowed origin", async () => {
    const gw = testGateway(uniqueId(), WITH_CORS);
    const { status, headers, body } = await gw.graphql("{ me { id } }", undefined, { origin: ORIGIN });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(headers.get("access-control-allow-credentials")).toBe("true");
    const exposed = (headers.get("access-control-expose-headers") ?? "").toLowerCase().split(/\s*,\s*/);
    expect(exposed).toContain("x-request-id");
    expect(headers.get("x-request-id")).toBeTruthy();
  });

  it("gives a disallowed origin no access-control-allow-origin", async () => {
    const gw = testGateway(uniqueId(), WITH_CORS);
    const pre = await gw.fetch("/graphql", preflight("https://evil.example.com"));
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();

    const actual = await gw.graphql("{ me { id } }", undefined, { origin: "https://evil.example.com" });
    expect(actual.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("sends no CORS headers at all without a cors config", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const pre = await gw.fetch("/graphql", preflight(ORIGIN));
    const preCors = [...pre.headers.keys()].filter((name) => name.startsWith("access-control-"));
    expect(preCors).toEqual([]);

    const actual = await gw.graphql("{ me { id } }", undefined, { origin: ORIGIN });
    expect(actual.body.errors).toBeUndefined();
    const actualCors = [...actual.headers.keys()].filter((name) => name.startsWith("access-control-"));
    expect(actualCors).toEqual([]);
  });
});

describe("routing", () => {
  it("answers an unknown route with 404 and a JSON NOT_FOUND error", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const res = await gw.fetch("/no/such/route");

    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json\b/);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("NOT_FOUND");
  });
});

describe("concurrency", () => {
  it("answers 60 concurrent requests on one cold instance, each with its own variables", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    const query = "query($v: String!) { echo(value: $v) me { id } products { upc } }";

    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => gw.graphql(query, { v: `value-${i}` })));

    responses.forEach((response, i) => {
      expect(response.status, `request ${i}`).toBe(200);
      expect(response.body, `request ${i}`).toEqual({
        data: { echo: `value-${i}`, me: { id: "1" }, products: ALL_PRODUCTS },
      });
    });
    // One schema load shared by all requests; one upstream call per remote per request.
    const accounts = await stats(id, "accounts");
    const products = await stats(id, "products");
    expect(accounts.introspections).toBe(1);
    expect(products.introspections).toBe(1);
    expect(accounts.operations).toBe(60);
    expect(products.operations).toBe(60);
  });
});

describe("schema metadata passes through stitching", () => {
  it("keeps descriptions, deprecation reasons, custom scalars, interfaces, unions and input types", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const { body } = await gw.graphql(`{
      user: __type(name: "User") {
        description
        interfaces { name }
        fields(includeDeprecated: true) { name isDeprecated deprecationReason }
      }
      visibleFields: __type(name: "User") { fields { name } }
      dateTime: __type(name: "DateTime") { kind description }
      node: __type(name: "Node") { kind possibleTypes { name } }
      searchResult: __type(name: "SearchResult") { kind possibleTypes { name } }
      userFilter: __type(name: "UserFilter") { kind inputFields { name type { name } } }
    }`);

    expect(body.errors).toBeUndefined();
    const data = body.data as Record<string, Record<string, unknown>>;
    expect(data.user).toEqual({
      description: "A person with an account",
      interfaces: [{ name: "Node" }],
      fields: [
        { name: "id", isDeprecated: false, deprecationReason: null },
        { name: "name", isDeprecated: false, deprecationReason: null },
        { name: "email", isDeprecated: true, deprecationReason: "Use contact instead" },
        { name: "role", isDeprecated: false, deprecationReason: null },
      ],
    });
    expect(data.visibleFields).toEqual({ fields: [{ name: "id" }, { name: "name" }, { name: "role" }] });
    expect(data.dateTime).toEqual({ kind: "SCALAR", description: "An ISO 8601 instant" });
    const names = (type: Record<string, unknown>) =>
      (type.possibleTypes as Array<{ name: string }>).map((possible) => possible.name).sort();
    expect(data.node?.kind).toBe("INTERFACE");
    expect(names(data.node as Record<string, unknown>)).toEqual(["Org", "User"]);
    expect(data.searchResult?.kind).toBe("UNION");
    expect(names(data.searchResult as Record<string, unknown>)).toEqual(["Org", "User"]);
    expect(data.userFilter).toEqual({
      kind: "INPUT_OBJECT",
      inputFields: [
        { name: "role", type: { name: "Role" } },
        { name: "nameContains", type: { name: "String" } },
      ],
    });
  });

  it("executes custom scalars, unions, interfaces and input objects against the upstream", async () => {
    const gw = testGateway(uniqueId(), TWO_REMOTES);
    const { body } = await gw.graphql(
      `query($filter: UserFilter) {
        now
        search(term: "x") { __typename ... on User { id name } ... on Org { id title } }
        node(id: "o1") { __typename id ... on Org { title } }
        members: users(filter: { role: MEMBER }) { name role }
        byVariable: users(filter: $filter) { name }
      }`,
      { filter: { role: "ADMIN", nameContains: "A" } },
    );

    expect(body).toEqual({
      data: {
        now: "2026-01-01T00:00:00Z",
        search: [
          { __typename: "User", id: "2", name: "Grace" },
          { __typename: "Org", id: "o1", title: "Initech" },
        ],
        node: { __typename: "Org", id: "o1", title: "Initech" },
        members: [
          { name: "Grace", role: "MEMBER" },
          { name: "Linus", role: "MEMBER" },
        ],
        byVariable: [{ name: "Ada" }],
      },
    });
  });
});
