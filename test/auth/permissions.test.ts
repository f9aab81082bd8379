/**
 * Per-role permissions (docs/auth.md "Permissions per role"): every role gets its own schema built from
 * its SDL (inline per upstream and/or schemas/permissions/<role>.graphql) plus the `public` fields;
 * @preset fills arguments from the session or a static value; admin sees everything or poses as a role.
 * Real upstreams: the accounts and products remotes and a REST service whose echo route returns the
 * path it was called with. Tokens are HS256 JWTs signed here with jose.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, type Answer, asRole, hsAuth, hsJwt, ok, testGateway } from "../fixtures/gateways";
import { control, type GraphQLBody, restStats, stats, type TestGateway, uniqueId } from "../helpers";

/** The REST service's SDL: echoUser calls GET /echo/user/{args.id}?note={args.note}. */
const REST_SDL = `
scalar JSON
type Echo { method: String! path: String! query: JSON headers: String! body: String }
extend type Query {
  echoUser(id: ID!, note: String): Echo @rest(service: "svc", endpoint: "echoUser")
}
`;

const SERVICE = {
  name: "svc",
  endpoints: { echoUser: { method: "GET", path: "/echo/user/{args.id}", query: { note: "{args.note}" } } },
};

const USER_ACCOUNTS = `
type Query {
  me: User
  user(id: ID!): User
  users: [User!]!
  echo(value: String! @preset(value: "x-hasura-user-id")): String!
  search(term: String!): [SearchResult!]!
}
type User { id: ID! name: String! }
union SearchResult = User
`;
const USER_SVC = `
type Query { echoUser(id: ID! @preset(value: "x-hasura-user-id")): Echo }
type Echo { path: String! query: JSON }
`;

/** Every role of the main gateway. Roles "reader" (file only), "guest" ({}) and "nobody" (no entry) have no inline SDL. */
const PERMISSIONS = {
  user: { accounts: USER_ACCOUNTS, svc: USER_SVC },
  shopper: {
    products:
      "type Query { products(limit: Int): [Product!]! product(upc: String!): Product } type Product { upc: String! name: String! }",
  },
  viewer: {
    accounts:
      "type Query { node(id: ID!): Node } interface Node { id: ID! } type User implements Node { id: ID! name: String! }",
  },
  mixed: { accounts: "type Query { me: User } type User { id: ID! }" },
  fixed: { accounts: 'type Query { echo(value: String! @preset(value: "fixed")): String! }' },
  literal: {
    accounts: 'type Query { echo(value: String! @preset(value: "x-hasura-user-id", static: true)): String! }',
  },
  org: { accounts: 'type Query { echo(value: String! @preset(value: "x-hasura-org-id")): String! }' },
  editor: {
    accounts: `
      type Query { user(id: ID! @preset(value: "x-hasura-user-id")): User }
      type Mutation { rename(id: ID! @preset(value: "x-hasura-user-id"), name: String!): User }
      type User { id: ID! name: String! }`,
  },
  sampler: {
    products: 'type Query { products(limit: Int @preset(value: "2")): [Product!]! } type Product { upc: String! }',
  },
  guest: {},
};

const READER_FILE = `
type Query { me: User products: [Product!]! }
type User { id: ID! email: String }
type Product { upc: String! price: Float! }
`;
const MIXED_FILE = "type Query { product(upc: String!): Product } type Product { name: String! }";

/** The main gateway: accounts + products remotes, the REST service, JWT auth, PERMISSIONS, public Query.now. */
const MAIN = {
  remotes: ["accounts", "products"],
  services: [SERVICE],
  auth: hsAuth(),
  permissions: PERMISSIONS,
  public: ["Query.now"],
};
const MAIN_FILES = {
  files: {
    "schemas/svc.graphql": REST_SDL,
    "schemas/permissions/reader.graphql": READER_FILE,
    "schemas/permissions/mixed.graphql": MIXED_FILE,
  },
};

/** Asserts a validation failure (400, no data) whose messages match `pattern` and suggest nothing. */
function rejected(res: Answer, pattern: RegExp, label = ""): void {
  const text = JSON.stringify(res.body);
  expect(res.status, `${label} ${text}`).toBe(400);
  expect(res.body.data, label).toBeUndefined();
  const messages = (res.body.errors ?? []).map((e) => e.message).join("\n");
  expect(messages, label).toMatch(pattern);
  expect(text, label).not.toContain("Did you mean");
  expect(res.body.errors?.[0]?.extensions?.code, label).toBe("GRAPHQL_VALIDATION_FAILED");
}

/** Asserts an answer without data whose messages match `pattern` and suggest nothing (any 4xx/200 status). */
function refused(res: Answer, pattern: RegExp, label = ""): void {
  const text = JSON.stringify(res.body);
  expect(res.body.data ?? null, `${label} ${text}`).toBeNull();
  expect((res.body.errors ?? []).map((e) => e.message).join("\n"), label).toMatch(pattern);
  expect(text, label).not.toContain("Did you mean");
}

/** The error code of a GraphQL-shaped error body. */
const codeOf = (body: GraphQLBody): unknown => body.errors?.[0]?.extensions?.code;

const INTROSPECTION = `{
  __schema {
    types { name fields(includeDeprecated: true) { name } }
    queryType { fields(includeDeprecated: true) { name args { name } } }
    mutationType { name }
  }
}`;

interface Introspected {
  /** Type name -> sorted field names (null for types without fields); built-in __ types left out. */
  types: Record<string, string[] | null>;
  /** Query field -> sorted argument names. */
  query: Record<string, string[]>;
  mutationType: string | null;
}

/** Runs INTROSPECTION with `headers` and returns it in a comparable shape. */
async function introspect(gw: TestGateway, headers: Record<string, string>): Promise<Introspected> {
  const data = ok(await gw.graphql(INTROSPECTION, undefined, headers), "introspection") as {
    __schema: {
      types: Array<{ name: string; fields: Array<{ name: string }> | null }>;
      queryType: { fields: Array<{ name: string; args: Array<{ name: string }> }> };
      mutationType: { name: string } | null;
    };
  };
  const types: Record<string, string[] | null> = {};
  for (const type of data.__schema.types) {
    if (type.name.startsWith("__")) continue;
    types[type.name] = type.fields === null ? null : type.fields.map((f) => f.name).sort();
  }
  const query: Record<string, string[]> = {};
  for (const field of data.__schema.queryType.fields) query[field.name] = field.args.map((a) => a.name).sort();
  return { types, query, mutationType: data.__schema.mutationType?.name ?? null };
}

describe("a role with inline SDL", () => {
  it("can query its listed fields across a remote and a REST service", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const data = ok(
      await gw.graphql(
        `{ me { id name } user(id: "3") { name } users { name } now echoUser { path } }`,
        undefined,
        await asRole("user", "u-17"),
      ),
    );
    expect(data).toEqual({
      me: { id: "1", name: "Ada" },
      user: { name: "Linus" },
      users: [{ name: "Ada" }, { name: "Grace" }, { name: "Linus" }],
      now: "2026-01-01T00:00:00Z",
      echoUser: { path: "/echo/user/u-17" },
    });
  });

  it("rejects unlisted fields with 'Cannot query field' and no 'Did you mean' suggestion", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    // email exists upstream but is not listed; emai would be "Did you mean email?" on the full schema.
    rejected(await gw.graphql("{ me { id email } }", undefined, user), /Cannot query field "email" on type "User"/);
    rejected(await gw.graphql("{ me { id emai } }", undefined, user), /Cannot query field "emai" on type "User"/);
    // Close to listed names: the full graphql-js rules would suggest "name" and "me".
    rejected(await gw.graphql("{ me { nam } }", undefined, user), /Cannot query field "nam" on type "User"/);
    rejected(await gw.graphql("{ mee { id } }", undefined, user), /Cannot query field "mee" on type "Query"/);
    // A root field of another remote, and an unlisted root field of the same remote.
    rejected(
      await gw.graphql("{ products { upc } }", undefined, user),
      /Cannot query field "products" on type "Query"/,
    );
    rejected(
      await gw.graphql('{ product(upc: "p1") { name } }', undefined, user),
      /Cannot query field "product" on type "Query"/,
    );
    rejected(await gw.graphql("{ requestHeaders }", undefined, user), /Cannot query field "requestHeaders"/);
    // Mutations are not listed at all.
    refused(
      await gw.graphql('mutation { rename(id: "2", name: "X") { id } }', undefined, user),
      /Schema is not configured to execute mutation operation|Cannot query field "rename"/,
    );
    expect((await stats(id, "accounts")).operations).toBe(0);
    expect((await stats(id, "products")).operations).toBe(0);
  });

  it("applies the role schema to GET requests too", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    const get = async (query: string): Promise<Answer> => {
      const res = await gw.fetch(`/graphql?query=${encodeURIComponent(query)}`, {
        headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1", ...user },
      });
      return { status: res.status, body: (await res.json()) as GraphQLBody };
    };
    expect(ok(await get("{ me { name } echo }"))).toEqual({ me: { name: "Ada" }, echo: "u-17" });
    rejected(await get("{ me { email } }"), /Cannot query field "email" on type "User"/);
    rejected(await get('{ echo(value: "x") }'), /Unknown argument "value"/);
  });

  it("rejects an unlisted optional argument, on a remote field and on a REST field", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    rejected(
      await gw.graphql("{ users(filter: { role: MEMBER }) { name } }", undefined, user),
      /Unknown argument "filter" on field "Query.users"/,
    );
    rejected(
      await gw.graphql("query ($f: UserFilter) { users(filter: $f) { name } }", { f: {} }, user),
      /Unknown type "UserFilter"|Unknown argument "filter"/,
    );
    rejected(
      await gw.graphql('{ echoUser(note: "n") { path } }', undefined, user),
      /Unknown argument "note" on field "Query.echoUser"/,
    );
    // A listed optional argument keeps working for the role that lists it.
    const data = ok(await gw.graphql("{ products(limit: 1) { upc name } }", undefined, await asRole("shopper")));
    expect(data).toEqual({ products: [{ upc: "p1", name: "Table" }] });
  });

  it("introspection shows the role's schema only: no hidden types, fields, arguments or preset arguments", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const schema = await introspect(gw, await asRole("user", "u-17"));
    expect(schema.query).toEqual({
      me: [],
      user: ["id"],
      users: [],
      echo: [],
      search: ["term"],
      echoUser: [],
      now: [],
    });
    expect(schema.types.User).toEqual(["id", "name"]);
    expect(schema.types.Echo).toEqual(["path", "query"]);
    expect(schema.types.Query).toEqual(Object.keys(schema.query).sort());
    expect(schema.types).toHaveProperty("SearchResult");
    expect(schema.types).toHaveProperty("JSON");
    expect(schema.types).toHaveProperty("DateTime"); // the public Query.now's type
    for (const hidden of ["Org", "Product", "Mutation", "UserFilter", "Role"]) {
      expect(schema.types, hidden).not.toHaveProperty(hidden);
    }
    expect(schema.mutationType).toBeNull();

    const types = ok(
      await gw.graphql(
        `{ org: __type(name: "Org") { name } product: __type(name: "Product") { name }
           search: __type(name: "SearchResult") { possibleTypes { name } } }`,
        undefined,
        await asRole("user", "u-17"),
      ),
    );
    expect(types).toEqual({ org: null, product: null, search: { possibleTypes: [{ name: "User" }] } });
  });

  it("rejects an operation mixing __schema/__type with data fields (400 BAD_REQUEST); __typename is fine", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    for (const query of [
      "{ __schema { queryType { name } } me { id } }",
      '{ __type(name: "User") { name } me { id } }',
      // Hidden in a fragment spread or an inline fragment, asking for a hidden type.
      '{ me { id } ...F } fragment F on Query { __type(name: "Org") { name fields { name } } }',
      "{ me { id } ... on Query { __schema { types { name } } } }",
    ]) {
      const res = await gw.graphql(query, undefined, user);
      expect(res.status, query).toBe(400);
      expect(codeOf(res.body), query).toBe("BAD_REQUEST");
      expect(res.body.data ?? null, query).toBeNull();
    }
    expect(ok(await gw.graphql("{ __typename me { id } }", undefined, user))).toEqual({
      __typename: "Query",
      me: { id: "1" },
    });
    // Admin has the whole schema: mixing is allowed.
    expect(ok(await gw.graphql("{ __schema { queryType { name } } me { id } }", undefined, ADMIN_HEADERS))).toEqual({
      __schema: { queryType: { name: "Query" } },
      me: { id: "1" },
    });
  });

  it("needs real SDL: a field without its type (type User { id name }) is a config error at startup", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      permissions: { user: { accounts: "type Query { me: User } type User { id name }" } },
    });
    const res = await gw.graphql("{ me { id name } }", undefined, await asRole("user", "u-1"));
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ error: { code: "INVALID_CONFIG" } });
    expect(JSON.stringify(res.body)).toContain("permissions.user.accounts");
    expect((await stats(id, "accounts")).requests).toBe(0);
  });
});

describe("unions and interfaces", () => {
  it("a role listing `union SearchResult = User` cannot select `... on Org`", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    rejected(
      await gw.graphql('{ search(term: "a") { ... on User { name } ... on Org { title } } }', undefined, user),
      /Unknown type "Org"/,
    );
    rejected(
      await gw.graphql('{ search(term: "a") { ...o } } fragment o on Org { id }', undefined, user),
      /Unknown type "Org"/,
    );
    const res = await gw.graphql('{ search(term: "a") { ... on User { id name } } }', undefined, user);
    // The User member validates and is answered; nothing of the Org member reaches the client.
    expect(JSON.stringify(res.body)).not.toMatch(/Cannot query|Unknown type/);
    expect(res.body.data?.search).toContainEqual({ id: "2", name: "Grace" });
    expect(JSON.stringify(res.body)).not.toContain("Initech");
  });

  it("a role listing an interface with one implementation sees only that implementation", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const viewer = await asRole("viewer");
    expect(ok(await gw.graphql('{ node(id: "1") { id ... on User { name } } }', undefined, viewer))).toEqual({
      node: { id: "1", name: "Ada" },
    });
    rejected(
      await gw.graphql('{ node(id: "o1") { id ... on Org { title } } }', undefined, viewer),
      /Unknown type "Org"/,
    );
    rejected(
      await gw.graphql('{ node(id: "1") { id name } }', undefined, viewer),
      /Cannot query field "name" on type "Node"/,
    );
    rejected(await gw.graphql("{ me { id } }", undefined, viewer), /Cannot query field "me" on type "Query"/);
    const types = ok(
      await gw.graphql(
        '{ node: __type(name: "Node") { kind possibleTypes { name } fields { name } } }',
        undefined,
        viewer,
      ),
    );
    expect(types).toEqual({ node: { kind: "INTERFACE", possibleTypes: [{ name: "User" }], fields: [{ name: "id" }] } });
  });
});

describe("results stay inside the role schema", () => {
  it("never answers an object of a type the role cannot see (hidden union member or interface implementation)", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    // The upstream's search returns a User and an Org; node("o1") returns an Org. The role schemas only
    // have User as a member of SearchResult / implementation of Node, so "Org" is not a valid __typename there.
    const user = await gw.graphql(
      '{ search(term: "a") { __typename ... on User { name } } }',
      undefined,
      await asRole("user", "u-1"),
    );
    expect(JSON.stringify(user.body), "search").not.toMatch(/"Org"|Initech/);
    const viewer = await gw.graphql('{ node(id: "o1") { __typename id } }', undefined, await asRole("viewer"));
    expect(JSON.stringify(viewer.body), "node").not.toMatch(/"Org"|"o1"/);
  });
});

describe("role SDL from schemas/permissions/<role>.graphql", () => {
  it("a role with only a file (no permissions entry) gets the file's schema", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const reader = await asRole("reader");
    expect(ok(await gw.graphql("{ me { id email } products { upc price } now }", undefined, reader))).toEqual({
      me: { id: "1", email: "ada@example.com" },
      products: [
        { upc: "p1", price: 899 },
        { upc: "p2", price: 1299 },
        { upc: "p3", price: 54 },
      ],
      now: "2026-01-01T00:00:00Z",
    });
    rejected(await gw.graphql("{ me { name } }", undefined, reader), /Cannot query field "name" on type "User"/);
    rejected(
      await gw.graphql("{ products { name } }", undefined, reader),
      /Cannot query field "name" on type "Product"/,
    );
    rejected(await gw.graphql("{ products(limit: 1) { upc } }", undefined, reader), /Unknown argument "limit"/);
    rejected(await gw.graphql('{ echo(value: "x") }', undefined, reader), /Cannot query field "echo" on type "Query"/);

    const schema = await introspect(gw, reader);
    expect(schema.query).toEqual({ me: [], products: [], now: [] });
    expect(schema.types.User).toEqual(["email", "id"]);
    expect(schema.types.Product).toEqual(["price", "upc"]);
    expect(schema.types).not.toHaveProperty("Org");
    expect(schema.types).not.toHaveProperty("Echo");
  });

  it("inline parts and the file add up", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const mixed = await asRole("mixed");
    expect(ok(await gw.graphql('{ me { id } product(upc: "p2") { name } }', undefined, mixed))).toEqual({
      me: { id: "1" },
      product: { name: "Couch" },
    });
    rejected(await gw.graphql("{ me { name } }", undefined, mixed), /Cannot query field "name" on type "User"/);
    rejected(await gw.graphql("{ products { name } }", undefined, mixed), /Cannot query field "products"/);
    const schema = await introspect(gw, mixed);
    expect(schema.query).toEqual({ me: [], product: ["upc"], now: [] });
  });
});

describe("@preset", () => {
  it("fills a session-variable preset with the JWT's user id, per request", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    for (const userId of ["u-17", "u-42", "u-17"]) {
      const data = ok(await gw.graphql("{ echo a: echo echoUser { path } }", undefined, await asRole("user", userId)));
      expect(data).toEqual({ echo: userId, a: userId, echoUser: { path: `/echo/user/${userId}` } });
    }
    expect((await restStats(id)).requests).toEqual({ "GET /echo/user/u-17": 2, "GET /echo/user/u-42": 1 });
  });

  it("the client cannot pass a preset argument (literal or variable), on a remote or a REST field", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    rejected(
      await gw.graphql('{ echo(value: "someone-else") }', undefined, user),
      /Unknown argument "value" on field "Query.echo"/,
    );
    rejected(
      await gw.graphql("query ($v: String!) { echo(value: $v) }", { v: "someone-else" }, user),
      /Unknown argument "value" on field "Query.echo"/,
    );
    rejected(
      await gw.graphql('{ echoUser(id: "2") { path } }', undefined, user),
      /Unknown argument "id" on field "Query.echoUser"/,
    );
    expect((await stats(id, "accounts")).operations).toBe(0);
    expect((await restStats(id)).total).toBe(0);
  });

  it("a static preset is passed as is; static: true keeps an x-hasura- value literal", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    expect(ok(await gw.graphql("{ echo }", undefined, await asRole("fixed", "u-1")))).toEqual({ echo: "fixed" });
    expect(ok(await gw.graphql("{ echo }", undefined, await asRole("literal", "u-1")))).toEqual({
      echo: "x-hasura-user-id",
    });
    rejected(await gw.graphql('{ echo(value: "x") }', undefined, await asRole("fixed")), /Unknown argument "value"/);
  });

  it("any x-hasura- session variable can be preset", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const headers = await asRole("org", "u-1", { "x-hasura-org-id": "acme" });
    expect(ok(await gw.graphql("{ echo }", undefined, headers))).toEqual({ echo: "acme" });
  });

  it("fills presets inside fragments, on ID arguments and on mutation arguments", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const user = await asRole("user", "u-17");
    expect(
      ok(await gw.graphql("query { ...F ... on Query { b: echo } } fragment F on Query { a: echo }", undefined, user)),
    ).toEqual({ a: "u-17", b: "u-17" });
    const editor = await asRole("editor", "3");
    expect(ok(await gw.graphql("{ user { id name } }", undefined, editor))).toEqual({
      user: { id: "3", name: "Linus" },
    });
    expect(ok(await gw.graphql('mutation { rename(name: "L") { id name } }', undefined, editor))).toEqual({
      rename: { id: "3", name: "L" },
    });
    rejected(
      await gw.graphql('mutation { rename(id: "1", name: "L") { id } }', undefined, editor),
      /Unknown argument "id" on field "Mutation.rename"/,
    );
    const schema = await introspect(gw, editor);
    expect(schema.query).toEqual({ user: [], now: [] });
    expect(schema.mutationType).toBe("Mutation");
    expect(schema.types.Mutation).toEqual(["rename"]);
  });

  it("a static preset on an Int argument is passed as an Int", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const sampler = await asRole("sampler");
    expect(ok(await gw.graphql("{ products { upc } }", undefined, sampler))).toEqual({
      products: [{ upc: "p1" }, { upc: "p2" }],
    });
    rejected(await gw.graphql("{ products(limit: 3) { upc } }", undefined, sampler), /Unknown argument "limit"/);
  });

  it("answers 400 MISSING_SESSION_VARIABLE when the session lacks the preset's variable, calling nothing", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    const noUserId = await asRole("user");
    for (const query of ["{ echo }", "{ echoUser { path } }", "{ me { id } echo }"]) {
      const res = await gw.graphql(query, undefined, noUserId);
      expect(res.status, query).toBe(400);
      expect(codeOf(res.body), `${query} ${JSON.stringify(res.body)}`).toBe("MISSING_SESSION_VARIABLE");
    }
    const org = await gw.graphql("{ echo }", undefined, await asRole("org", "u-1"));
    expect(org.status).toBe(400);
    expect(codeOf(org.body)).toBe("MISSING_SESSION_VARIABLE");
    expect((await stats(id, "accounts")).operations).toBe(0);
    expect((await restStats(id)).total).toBe(0);
    // A field without a preset still works for the same token.
    expect(ok(await gw.graphql("{ me { id } }", undefined, noUserId))).toEqual({ me: { id: "1" } });
  });
});

describe("roles without an SDL, and admin", () => {
  it("a role with no entry, or an empty one, sees only the public fields", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    for (const role of ["nobody", "guest"]) {
      const headers = await asRole(role, "u-1");
      expect(ok(await gw.graphql("{ now }", undefined, headers), role)).toEqual({ now: "2026-01-01T00:00:00Z" });
      rejected(await gw.graphql("{ me { id } }", undefined, headers), /Cannot query field "me" on type "Query"/, role);
      rejected(await gw.graphql("{ products { upc } }", undefined, headers), /Cannot query field "products"/, role);
      rejected(await gw.graphql("{ echoUser { path } }", undefined, headers), /Cannot query field "echoUser"/, role);
      const schema = await introspect(gw, headers);
      expect(schema.query, role).toEqual({ now: [] });
      expect(schema.types, role).not.toHaveProperty("User");
      expect(schema.mutationType, role).toBeNull();
    }
    expect((await stats(id, "accounts")).operations).toBe(2);
  });

  it("admin (x-admin-secret) sees the whole schema, with every argument", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    const data = ok(
      await gw.graphql(
        `{ me { email role } products(limit: 1) { upc price } echo(value: "raw") search(term: "a") { ... on Org { title } }
           echoUser(id: "adm", note: "n") { path query } }`,
        undefined,
        ADMIN_HEADERS,
      ),
    );
    expect(data).toEqual({
      me: { email: "ada@example.com", role: "ADMIN" },
      products: [{ upc: "p1", price: 899 }],
      echo: "raw",
      search: [{}, { title: "Initech" }],
      echoUser: { path: "/echo/user/adm", query: { note: "n" } },
    });
    const schema = await introspect(gw, ADMIN_HEADERS);
    expect(schema.query.echo).toEqual(["value"]);
    expect(schema.query.users).toEqual(["filter"]);
    expect(schema.query.echoUser).toEqual(["id", "note"]);
    expect(schema.types.User).toEqual(["email", "id", "name", "role"]);
    for (const type of ["Org", "Product", "UserFilter", "Mutation", "Node"])
      expect(schema.types, type).toHaveProperty(type);
    expect(schema.mutationType).toBe("Mutation");
  });

  it("a token whose role is admin sees the whole schema too, as in Hasura", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const headers = await asRole("admin", "a-1");
    expect(
      ok(await gw.graphql('{ me { email } products(limit: 1) { upc } echo(value: "raw") }', undefined, headers)),
    ).toEqual({
      me: { email: "ada@example.com" },
      products: [{ upc: "p1" }],
      echo: "raw",
    });
    const schema = await introspect(gw, headers);
    expect(schema.query.echo).toEqual(["value"]);
    expect(schema.mutationType).toBe("Mutation");
  });

  it("admin posing as a role (x-hasura-role) gets that role's schema and its own session variables", async () => {
    const id = uniqueId();
    const gw = testGateway(id, MAIN, MAIN_FILES);
    const posing = { ...ADMIN_HEADERS, "x-hasura-role": "user", "x-hasura-user-id": "adm-7" };
    expect(ok(await gw.graphql("{ echo me { name } echoUser { path } }", undefined, posing))).toEqual({
      echo: "adm-7",
      me: { name: "Ada" },
      echoUser: { path: "/echo/user/adm-7" },
    });
    rejected(await gw.graphql("{ products { upc } }", undefined, posing), /Cannot query field "products"/);
    rejected(await gw.graphql('{ echo(value: "x") }', undefined, posing), /Unknown argument "value"/);
    rejected(await gw.graphql("{ me { email } }", undefined, posing), /Cannot query field "email" on type "User"/);
    const schema = await introspect(gw, posing);
    expect(schema.query.echo).toEqual([]);
    expect(schema.types).not.toHaveProperty("Product");

    const shopper = { ...ADMIN_HEADERS, "x-hasura-role": "shopper" };
    expect(ok(await gw.graphql('{ product(upc: "p3") { name } }', undefined, shopper))).toEqual({
      product: { name: "Chair" },
    });
    rejected(await gw.graphql("{ me { id } }", undefined, shopper), /Cannot query field "me"/);

    const nobody = { ...ADMIN_HEADERS, "x-hasura-role": "nobody" };
    expect(ok(await gw.graphql("{ now }", undefined, nobody))).toEqual({ now: "2026-01-01T00:00:00Z" });
    rejected(await gw.graphql("{ me { id } }", undefined, nobody), /Cannot query field "me"/);

    const noSession = await gw.graphql("{ echo }", undefined, { ...ADMIN_HEADERS, "x-hasura-role": "user" });
    expect(noSession.status).toBe(400);
    expect(codeOf(noSession.body)).toBe("MISSING_SESSION_VARIABLE");
  });
});

describe("two roles in one gateway", () => {
  it("get different schemas from the same isolate, alternately, with the role header choosing among allowed roles", async () => {
    const gw = testGateway(uniqueId(), MAIN, MAIN_FILES);
    const both = await asRole("user", "u-9", { "x-hasura-allowed-roles": ["user", "shopper"] });
    const user = await asRole("user", "u-5");
    const shopper = await asRole("shopper");
    for (let round = 0; round < 4; round++) {
      const label = `round ${round}`;
      expect(ok(await gw.graphql("{ me { name } echo }", undefined, user), label)).toEqual({
        me: { name: "Ada" },
        echo: "u-5",
      });
      rejected(await gw.graphql("{ products { upc } }", undefined, user), /Cannot query field "products"/, label);
      expect(ok(await gw.graphql("{ products(limit: 2) { upc } }", undefined, shopper), label)).toEqual({
        products: [{ upc: "p1" }, { upc: "p2" }],
      });
      rejected(await gw.graphql("{ me { name } }", undefined, shopper), /Cannot query field "me"/, label);
      // One token, two roles: the x-hasura-role header picks the schema.
      expect(ok(await gw.graphql("{ echo }", undefined, both), label)).toEqual({ echo: "u-9" });
      expect(
        ok(
          await gw.graphql('{ product(upc: "p1") { name } }', undefined, { ...both, "x-hasura-role": "shopper" }),
          label,
        ),
      ).toEqual({ product: { name: "Table" } });
      rejected(
        await gw.graphql("{ echo }", undefined, { ...both, "x-hasura-role": "shopper" }),
        /Cannot query field "echo"/,
        label,
      );
      const [userSchema, shopperSchema] = [await introspect(gw, user), await introspect(gw, shopper)];
      expect(Object.keys(userSchema.query).sort(), label).toEqual(
        ["echo", "echoUser", "me", "now", "search", "user", "users"].sort(),
      );
      expect(shopperSchema.query, label).toEqual({ products: ["limit"], product: ["upc"], now: [] });
    }
  });
});

describe("without permissions", () => {
  it("an authenticated role sees the whole schema", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts", "products"],
      auth: { jwt: hsJwt(), unauthenticatedRole: "anonymous" },
      public: ["Query.now"],
    });
    const headers = await asRole("user", "u-3");
    expect(
      ok(await gw.graphql('{ me { email role } products(limit: 1) { upc } echo(value: "mine") }', undefined, headers)),
    ).toEqual({ me: { email: "ada@example.com", role: "ADMIN" }, products: [{ upc: "p1" }], echo: "mine" });
    const schema = await introspect(gw, headers);
    expect(schema.query.echo).toEqual(["value"]);
    expect(schema.types).toHaveProperty("Org");
    expect(schema.mutationType).toBe("Mutation");
  });

  it("the unauthenticated role (no token) sees only the public fields and the types they return, whole", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts", "products"],
      auth: { jwt: hsJwt(), unauthenticatedRole: "anonymous" },
      public: ["Query.now", "Query.product"],
    });
    expect(ok(await gw.graphql('{ now product(upc: "p2") { upc name price } }'))).toEqual({
      now: "2026-01-01T00:00:00Z",
      product: { upc: "p2", name: "Couch", price: 1299 },
    });
    rejected(await gw.graphql("{ me { id } }"), /Cannot query field "me" on type "Query"/);
    rejected(await gw.graphql("{ products { upc } }"), /Cannot query field "products" on type "Query"/);
    refused(await gw.graphql('mutation { rename(id: "1", name: "x") { id } }'), /mutation|Cannot query field/);
    const schema = await introspect(gw, {});
    expect(schema.query).toEqual({ now: [], product: ["upc"] });
    expect(schema.types.Product).toEqual(["name", "price", "upc"]);
    expect(schema.types).not.toHaveProperty("User");
    expect(schema.mutationType).toBeNull();
    expect((await stats(id, "accounts")).operations).toBe(1);
  });

  it("a public login mutation works with no token at all; a non-public field without token is 401 UNAUTHENTICATED", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts", "products"],
      auth: hsAuth(),
      public: ["Mutation.rename", "Query.now"],
    });
    expect(ok(await gw.graphql('mutation { rename(id: "2", name: "Hopper") { id name email role } }'))).toEqual({
      rename: { id: "2", name: "Hopper", email: "grace@example.com", role: "MEMBER" },
    });
    for (const query of ["{ me { id } }", '{ echo(value: "x") }', "{ products { upc } }"]) {
      const res = await gw.graphql(query);
      expect(res.status, `${query} ${JSON.stringify(res.body)}`).toBe(401);
      expect(codeOf(res.body), query).toBe("UNAUTHENTICATED");
      expect(res.body.data ?? null, query).toBeNull();
    }
    expect(ok(await gw.graphql("{ now }"))).toEqual({ now: "2026-01-01T00:00:00Z" });
    // A public field next to a non-public one is not enough.
    const mixed = await gw.graphql("{ now me { id } }");
    expect(mixed.status, JSON.stringify(mixed.body)).toBe(401);
    expect(codeOf(mixed.body)).toBe("UNAUTHENTICATED");
    expect(mixed.body.data ?? null).toBeNull();
    expect((await stats(id, "accounts")).operations).toBe(2);
    expect((await stats(id, "products")).operations).toBe(0);
    // With a token, the same gateway answers everything.
    expect(ok(await gw.graphql("{ me { id } }", undefined, await asRole("user", "u-1")))).toEqual({ me: { id: "1" } });
  });
});

describe("the unauthenticated role with permissions", () => {
  it("gets its own SDL plus the public fields", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts", "products"],
      auth: { jwt: hsJwt(), unauthenticatedRole: "anonymous" },
      permissions: { anonymous: { accounts: "type Query { user(id: ID!): User } type User { name: String! }" } },
      public: ["Query.now"],
    });
    expect(ok(await gw.graphql('{ user(id: "2") { name } now }'))).toEqual({
      user: { name: "Grace" },
      now: "2026-01-01T00:00:00Z",
    });
    rejected(await gw.graphql('{ user(id: "2") { email } }'), /Cannot query field "email" on type "User"/);
    rejected(await gw.graphql("{ products { upc } }"), /Cannot query field "products" on type "Query"/);
    const schema = await introspect(gw, {});
    expect(schema.query).toEqual({ user: ["id"], now: [] });
    expect(schema.types.User).toEqual(["name"]);
    // A token still gets its own role (no entry: public fields only).
    const user = await asRole("user", "u-1");
    expect(ok(await gw.graphql("{ now }", undefined, user))).toEqual({ now: "2026-01-01T00:00:00Z" });
    rejected(await gw.graphql('{ user(id: "2") { name } }', undefined, user), /Cannot query field "user"/);
  });
});

describe("role SDL that does not fit the schema", () => {
  const BROKEN: Record<string, string> = {
    badField: "type Query { me: User } type User { id: ID! nope: String }",
    badType: "type Query { me: User } type User { id: ID! } type Ghost { id: ID! }",
    badArg: "type Query { user(id: ID!, ghostArg: Int): User } type User { id: ID! }",
    badRoot: "type Query { nothingHere: String }",
    mismatch: "type Query { me: String }",
    missingRequired: "type Query { user: User } type User { id: ID! }",
  };
  const NAMED: Record<string, RegExp> = {
    badField: /nope/,
    badType: /Ghost/,
    badArg: /ghostArg/,
    badRoot: /nothingHere/,
    mismatch: /\bme\b/,
    missingRequired: /\bid\b/,
  };

  it("fails that role's requests with 500 INVALID_PERMISSIONS naming the problem; other roles keep working", async () => {
    const id = uniqueId();
    const permissions: Record<string, Record<string, string>> = {
      user: { accounts: "type Query { me: User } type User { id: ID! name: String! }" },
    };
    for (const [role, sdl] of Object.entries(BROKEN)) permissions[role] = { accounts: sdl };
    const gw = testGateway(id, {
      remotes: ["accounts", "products"],
      auth: hsAuth(),
      permissions,
      public: ["Query.now"],
    });
    const user = await asRole("user", "u-1");
    for (let round = 0; round < 2; round++) {
      for (const role of Object.keys(BROKEN)) {
        const before = (await stats(id, "accounts")).operations;
        const res = await gw.graphql("{ now }", undefined, await asRole(role, "u-1"));
        expect((await stats(id, "accounts")).operations, `${role} reached accounts`).toBe(before);
        const text = JSON.stringify(res.body);
        expect(res.status, `${role} ${text}`).toBe(500);
        expect(codeOf(res.body), `${role} ${text}`).toBe("INVALID_PERMISSIONS");
        expect(res.body.errors?.[0]?.message, role).toMatch(NAMED[role] as RegExp);
        expect(text, role).not.toMatch(/\bat .*\.(ts|js):\d+/);
        expect(ok(await gw.graphql("{ me { id name } now }", undefined, user), `user after ${role}`)).toEqual({
          me: { id: "1", name: "Ada" },
          now: "2026-01-01T00:00:00Z",
        });
      }
    }
    // Admin and the public-only roles are unaffected.
    expect(ok(await gw.graphql("{ products(limit: 1) { upc } }", undefined, ADMIN_HEADERS))).toEqual({
      products: [{ upc: "p1" }],
    });
    expect(ok(await gw.graphql("{ now }", undefined, await asRole("nobody")))).toEqual({ now: "2026-01-01T00:00:00Z" });
  });

  it("is rebuilt after a schema reload: a field that appears upstream makes the role valid", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      permissions: {
        nick: { accounts: "type Query { me: User } type User { id: ID! nickname: String }" },
        user: { accounts: "type Query { me: User } type User { id: ID! }" },
      },
    });
    const nick = await asRole("nick");
    const before = await gw.graphql("{ me { id nickname } }", undefined, nick);
    expect(before.status).toBe(500);
    expect(codeOf(before.body)).toBe("INVALID_PERMISSIONS");
    expect(ok(await gw.graphql("{ me { id } }", undefined, await asRole("user")))).toEqual({ me: { id: "1" } });

    await control(id, "accounts", { version: "v2" });
    const reload = await gw.admin("/admin/remotes/accounts/reload");
    expect(reload.status).toBe(200);

    expect(ok(await gw.graphql("{ me { id nickname } }", undefined, nick))).toEqual({
      me: { id: "1", nickname: null },
    });
    rejected(
      await gw.graphql("{ me { nickname } }", undefined, await asRole("user")),
      /Cannot query field "nickname" on type "User"/,
    );
    rejected(await gw.graphql("{ userCount }", undefined, nick), /Cannot query field "userCount"/);
  });

  it("a syntax error in a role's SDL is a config error (500 INVALID_CONFIG for every request)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      auth: hsAuth(),
      permissions: { user: { accounts: "type Query { me: User" } },
    });
    for (const headers of [await asRole("user", "u-1"), ADMIN_HEADERS]) {
      const res = await gw.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toMatchObject({
        error: {
          code: "INVALID_CONFIG",
          // located inside the inline SDL: its JSON path, then line and column
          problems: [{ path: "$.permissions.user.accounts:1:22", message: expect.stringMatching(/Syntax Error/) }],
        },
      });
    }
    expect((await stats(id, "accounts")).requests).toBe(0);
  });

  it("role permission files without auth are a config error", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: ["accounts"] },
      { files: { "schemas/permissions/user.graphql": "type Query { me: User } type User { id: ID! }" } },
    );
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      error: {
        code: "INVALID_CONFIG",
        problems: [{ path: "schemas/permissions/", message: expect.stringMatching(/auth/) }],
      },
    });
  });

  it("permissions without auth is a config error", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["accounts"],
      permissions: { user: { accounts: "type Query { me: User } type User { id: ID! }" } },
    });
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INVALID_CONFIG");
    expect(body.error.message).toMatch(/permissions/);
    expect(body.error.message).toMatch(/auth/);
    expect((await stats(id, "accounts")).requests).toBe(0);
  });
});
