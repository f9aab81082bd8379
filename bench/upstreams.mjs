/**
 * The benchmark's upstreams, one Node process on loopback (started by bench/run.mjs as a child, so its
 * CPU is measured apart). Every GraphQL answer is computed once with graphql-js and then served as
 * pre-serialized bytes keyed by the request body, so the upstream is never the bottleneck.
 *
 * Endpoints (POST, GraphQL over HTTP):
 * - `/<subgraph>/graphql` for the gateway's stitching (`accounts`, `reviews`, `products`, `inventory`,
 *   `shop`, `big`): plain schemas with list resolvers for entity merging and joins;
 * - `/<subgraph>/federation` for Hive Gateway: the same data as Apollo Federation v2 subgraphs (`_entities`);
 * - `/mono/graphql`: one schema answering every scenario's client query (the "direct" system and the
 *   forwarder's target);
 * - `/types200/graphql`, `/types1500/graphql`: remotes of 200 and 1,500 types (150/1,450 objects + 50 enums);
 * - `GET /rest/users/:id`: a REST resource (scenario R).
 * - `/<subgraph>/flaky/graphql`: the same as `/<subgraph>/graphql`, but every {@link FAIL_EVERY}th ordinary
 *   (non-introspection) call fails, alternately with a 503 and plain-text body and with a connection reset
 *   (the load run, bench/load.mjs); `/__stats` counts them in `failed`.
 * - a request with the {@link FAIL_HEADER} header naming a product (`x-bench-fail: p3`): the inventory
 *   subgraph (both flavours) and `mono` fail that product's `shippingEstimate` with an error, everywhere
 *   it is resolved (scenario HE); the other subgraphs ignore the header.
 * - `users`, `User.reviews` and `Product.reviews` take an optional `first` (scenario HV's variables), in
 *   every flavour.
 * - `GET /__stats` -> `{ requests: { "<path>": n }, total }`; `POST /__reset` zeroes it (and the next).
 * - `POST /__calls` with a JSON array of `x-bench-request` values -> `{ requests, calls }`: how many
 *   upstream calls carried one of those values (the calls those client requests caused).
 *
 * Usage: node bench/upstreams.mjs   (prints `{"port": N}` on stdout once listening)
 */
import { createServer } from "node:http";
import { buildSchema, graphql } from "graphql";
import { FAIL_HEADER, UNIQUE_HEADER } from "./scenarios.mjs";

const range = (n) => Array.from({ length: n }, (_, i) => i + 1);

export const USERS = range(10).map((i) => ({ id: `u${i}`, username: `user${i}`, name: `User Number ${i}` }));
export const PRODUCTS = range(10).map((i) => ({
  upc: `p${i}`,
  name: `Product ${i}`,
  price: i * 100 + 99,
  weight: i * 10,
  inStock: i % 3 !== 0,
  shippingEstimate: i * 5,
}));
export const REVIEWS = range(30).map((i) => ({
  id: `r${i}`,
  body: `Review ${i}: solid, would buy again.`,
  authorId: `u${((i - 1) % 10) + 1}`,
  productUpc: `p${(((i - 1) * 3 + Math.floor((i - 1) / 10)) % 10) + 1}`,
}));
export const ORDERS = range(100).map((i) => ({ id: `o${i}`, total: i * 7, customerId: `u${((i - 1) % 10) + 1}` }));
export const ITEMS = range(500).map((i) => ({
  id: `i${i}`,
  name: `Item number ${i}`,
  description: `A reasonably long description of item ${i}, long enough to make the list weigh in bytes.`,
  tags: ["bench", `tag${i % 7}`, `group${i % 13}`],
  price: i * 3,
}));

/** The first `first` elements of a list (all of them when `first` is null or undefined). */
const firstOf = (list, first) => (first === null || first === undefined ? list : list.slice(0, Math.max(0, first)));

const byId = (list, key) => new Map(list.map((item) => [item[key], item]));
const users = byId(USERS, "id");
const products = byId(PRODUCTS, "upc");
const reviewsOfUser = (id) => REVIEWS.filter((review) => review.authorId === id);
const reviewsOfProduct = (upc) => REVIEWS.filter((review) => review.productUpc === upc);

/** Plain schemas for the gateway's stitching (merge resolvers, join targets). */
const STITCHING = {
  accounts: `type User { id: ID! username: String name: String }
    type Query { me: User users(first: Int): [User!]! user(id: ID!): User usersByIds(ids: [ID!]!): [User]! }`,
  reviews: `type Review { id: ID! body: String author: User product: Product }
    type User { id: ID! reviews(first: Int): [Review] }
    type Product { upc: String! reviews(first: Int): [Review] }
    type Query { reviewUsersByIds(ids: [ID!]!): [User]! reviewProductsByUpcs(upcs: [String!]!): [Product]! }`,
  products: `type Product { upc: String! name: String price: Int weight: Int }
    type Query { topProducts(first: Int = 5): [Product] productsByUpcs(upcs: [String!]!): [Product]! }`,
  inventory: `type Product { upc: String! inStock: Boolean shippingEstimate: Int }
    type Query { inventoryByUpcs(upcs: [String!]!): [Product]! }`,
  shop: "type Order { id: ID! total: Int! customerId: ID! } type Query { orders: [Order!]! }",
  big: "type Item { id: ID! name: String! description: String! tags: [String!]! price: Int! } type Query { items: [Item!]! }",
};

const FEDERATION_HEADER = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])`;

/** The same subgraphs as Apollo Federation v2 SDL (what Hive Gateway composes). */
export const FEDERATION = {
  accounts: `${FEDERATION_HEADER}
    type User @key(fields: "id") { id: ID! username: String name: String }
    type Query { me: User users(first: Int): [User!]! user(id: ID!): User }`,
  reviews: `${FEDERATION_HEADER}
    type Review { id: ID! body: String author: User product: Product }
    type User @key(fields: "id") { id: ID! reviews(first: Int): [Review] }
    type Product @key(fields: "upc") { upc: String! reviews(first: Int): [Review] }`,
  products: `${FEDERATION_HEADER}
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
    type Query { topProducts(first: Int = 5): [Product] }`,
  inventory: `${FEDERATION_HEADER}
    type Product @key(fields: "upc") { upc: String! inStock: Boolean shippingEstimate: Int }`,
  shop: `${FEDERATION_HEADER}
    type Order { id: ID! total: Int! customer: User }
    type User @key(fields: "id", resolvable: false) { id: ID! }
    type Query { orders: [Order!]! }`,
  big: `${FEDERATION_HEADER}
    type Item { id: ID! name: String! description: String! tags: [String!]! price: Int! }
    type Query { items: [Item!]! }`,
};

const FEDERATION_DEFINITIONS = `
  scalar _Any
  scalar FieldSet
  scalar link__Import
  directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
  directive @link(url: String!, import: [link__Import]) repeatable on SCHEMA
  type _Service { sdl: String }
`;

/** The entities each subgraph resolves from a representation. */
const ENTITIES = {
  accounts: { User: ({ id }) => users.get(id) ?? null },
  reviews: {
    User: ({ id }) => ({ __typename: "User", id }),
    Product: ({ upc }) => ({ __typename: "Product", upc }),
  },
  products: { Product: ({ upc }) => products.get(upc) ?? null },
  inventory: { Product: ({ upc }) => products.get(upc) ?? null },
  shop: {},
  big: {},
};

/** Root fields, shared by the stitching and federation schemas of a subgraph. */
const ROOTS = {
  accounts: {
    me: () => USERS[0],
    users: ({ first }) => firstOf(USERS, first),
    user: ({ id }) => users.get(id) ?? null,
    usersByIds: ({ ids }) => ids.map((id) => users.get(id) ?? null),
  },
  reviews: {
    reviewUsersByIds: ({ ids }) => ids.map((id) => ({ id })),
    reviewProductsByUpcs: ({ upcs }) => upcs.map((upc) => ({ upc })),
  },
  products: {
    topProducts: ({ first }) => PRODUCTS.slice(0, first ?? 5),
    productsByUpcs: ({ upcs }) => upcs.map((upc) => products.get(upc) ?? null),
  },
  inventory: { inventoryByUpcs: ({ upcs }) => upcs.map((upc) => products.get(upc) ?? null) },
  shop: {
    orders: () => ORDERS.map((order) => ({ ...order, customer: { __typename: "User", id: order.customerId } })),
  },
  big: { items: () => ITEMS },
};

function federationSchema(name) {
  const entityTypes = Object.keys(ENTITIES[name]);
  const own = FEDERATION[name].replace(FEDERATION_HEADER, "");
  const sdl = [
    FEDERATION_DEFINITIONS,
    /type Query \{/.test(own)
      ? own.replace(/type Query \{/, "type Query { _service: _Service!")
      : `${own}\ntype Query { _service: _Service! }`,
    entityTypes.length > 0 ? `union _Entity = ${entityTypes.join(" | ")}` : "",
    entityTypes.length > 0 ? "extend type Query { _entities(representations: [_Any!]!): [_Entity]! }" : "",
  ].join("\n");
  const schema = buildSchema(sdl);
  const root = {
    ...ROOTS[name],
    _service: () => ({ sdl: FEDERATION[name] }),
    _entities: ({ representations }) =>
      representations.map((rep) => {
        const found = ENTITIES[name][rep.__typename]?.(rep);
        return found === null || found === undefined ? null : { __typename: rep.__typename, ...found };
      }),
  };
  const entity = schema.getType("_Entity");
  if (entity) entity.resolveType = (value) => value.__typename;
  linkReviews(schema);
  if (name === "inventory") linkInventory(schema);
  return { schema, root };
}

/**
 * In the reviews subgraph, a review points to its author and product by reference, and a user's or a
 * product's reviews are found by id, whichever way the object was reached.
 */
function linkReviews(schema) {
  const review = schema.getType("Review");
  if (!review) return;
  review.getFields().author.resolve = (r) => ({ __typename: "User", id: r.authorId });
  review.getFields().product.resolve = (r) => ({ __typename: "Product", upc: r.productUpc });
  schema.getType("User").getFields().reviews.resolve = (u, { first }) => firstOf(reviewsOfUser(u.id), first);
  schema.getType("Product").getFields().reviews.resolve = (p, { first }) => firstOf(reviewsOfProduct(p.upc), first);
}

/**
 * A product's shipping estimate (the inventory subgraph's field, and the mono schema's), which fails
 * with an error when the request's {@link FAIL_HEADER} names the product (scenario HE: a nested entity
 * field failing in one upstream). The field is nullable, so the answer keeps the rest of the data.
 */
function shippingEstimate(product, _args, context) {
  if (context?.fail === product.upc) throw new Error(`shippingEstimate of ${product.upc} is unavailable (injected)`);
  return product.shippingEstimate;
}

/** In the inventory subgraph, {@link shippingEstimate} resolves Product.shippingEstimate. */
function linkInventory(schema) {
  schema.getType("Product").getFields().shippingEstimate.resolve = shippingEstimate;
}

function stitchingSchema(name) {
  const schema = buildSchema(STITCHING[name]);
  linkReviews(schema);
  if (name === "inventory") linkInventory(schema);
  return { schema, root: ROOTS[name] };
}

/** One schema answering every scenario's client query, with the same data. */
function monoSchema() {
  const schema = buildSchema(`
    type User { id: ID! username: String name: String reviews(first: Int): [Review] }
    type Review { id: ID! body: String author: User product: Product }
    type Product {
      upc: String! name: String price: Int weight: Int inStock: Boolean shippingEstimate: Int reviews(first: Int): [Review]
    }
    type Order { id: ID! total: Int! customerId: ID! customer: User }
    type Item { id: ID! name: String! description: String! tags: [String!]! price: Int! }
    type RestUser { id: ID! username: String! name: String! }
    type Query {
      users(first: Int): [User!]! user(id: ID!): User topProducts(first: Int = 5): [Product]
      orders: [Order!]! items: [Item!]! restUser(id: ID!): RestUser
    }`);
  const fields = (type) => schema.getType(type).getFields();
  fields("User").reviews.resolve = (u, { first }) => firstOf(reviewsOfUser(u.id), first);
  fields("Review").author.resolve = (r) => users.get(r.authorId);
  fields("Review").product.resolve = (r) => products.get(r.productUpc);
  fields("Product").reviews.resolve = (p, { first }) => firstOf(reviewsOfProduct(p.upc), first);
  fields("Product").shippingEstimate.resolve = shippingEstimate;
  fields("Order").customer.resolve = (o) => users.get(o.customerId);
  const root = {
    users: ({ first }) => firstOf(USERS, first),
    user: ({ id }) => users.get(id) ?? null,
    topProducts: ({ first }) => PRODUCTS.slice(0, first ?? 5),
    orders: () => ORDERS,
    items: () => ITEMS,
    restUser: ({ id }) => users.get(id) ?? null,
  };
  return { schema, root };
}

const endpoints = new Map();
for (const name of Object.keys(STITCHING)) {
  endpoints.set(`/${name}/graphql`, stitchingSchema(name));
  endpoints.set(`/${name}/federation`, federationSchema(name));
}
endpoints.set("/mono/graphql", monoSchema());

/** A remote of `size` object types (plus 50 enums), for schema build and cold start figures. */
function typesSchema(size) {
  const types = [];
  for (let i = 0; i < size; i++) {
    types.push(
      `"""Type ${i}""" type T${i} { id: ID! name: String n${i}: Int next: T${(i + 1) % size} list(first: Int = 10): [T${(i + 2) % size}!] e: E${i % 50} }`,
    );
  }
  for (let i = 0; i < 50; i++) types.push(`enum E${i} { A${i} B${i} C }`);
  return {
    schema: buildSchema(`${types.join("\n")}\ntype Query { t0: T0 }`),
    root: { t0: () => ({ id: "0", name: "zero" }) },
  };
}
endpoints.set("/types200/graphql", typesSchema(150));
endpoints.set("/types1500/graphql", typesSchema(1450));

/** Every how many ordinary calls a `/<subgraph>/flaky/graphql` endpoint fails (5%). */
export const FAIL_EVERY = 20;
const FLAKY = /^\/([a-z]+)\/flaky\/graphql$/;
let flakyCalls = 0;

/**
 * Whether this call to a flaky endpoint fails, and how: every {@link FAIL_EVERY}th ordinary call,
 * alternately "503" and "reset". Introspection never fails, so the gateway always gets its schema.
 */
function flakyFailure(body) {
  if (body.includes("__schema")) return null;
  flakyCalls++;
  if (flakyCalls % FAIL_EVERY !== 0) return null;
  return (flakyCalls / FAIL_EVERY) % 2 === 1 ? "503" : "reset";
}

/**
 * Calls per client request: the gateways forward the client's {@link UNIQUE_HEADER} to every upstream
 * call, so the calls one client request caused can be summed (`POST /__calls`), whatever else was in
 * flight. Bounded; `/__reset` clears it.
 */
const callsByRequest = new Map();
const MAX_TRACKED_REQUESTS = 2_000_000;

/** Answers by request body, serialized once. */
const cache = new Map();
const stats = { requests: {}, total: 0, failed: 0 };

async function answer(path, body, fail) {
  const key = `${path}\n${fail ?? ""}\n${body}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    const endpoint = endpoints.get(path);
    const { query, variables, operationName } = JSON.parse(body);
    const result = await graphql({
      schema: endpoint.schema,
      source: query,
      rootValue: endpoint.root,
      variableValues: variables,
      operationName,
      contextValue: { fail },
    });
    bytes = Buffer.from(JSON.stringify(result));
    if (cache.size < 10_000) cache.set(key, bytes);
  }
  return bytes;
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/__stats") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(stats));
    return;
  }
  if (path === "/__reset") {
    stats.requests = {};
    stats.total = 0;
    stats.failed = 0;
    callsByRequest.clear();
    res.writeHead(204);
    res.end();
    return;
  }
  if (path === "/__calls") {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const ids = JSON.parse(Buffer.concat(chunks).toString("utf8") || "[]");
      let calls = 0;
      for (const id of ids) calls += callsByRequest.get(String(id)) ?? 0;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ requests: ids.length, calls }));
    });
    return;
  }
  stats.requests[path] = (stats.requests[path] ?? 0) + 1;
  stats.total++;
  const requestId = req.headers[UNIQUE_HEADER];
  if (typeof requestId === "string" && callsByRequest.size < MAX_TRACKED_REQUESTS)
    callsByRequest.set(requestId, (callsByRequest.get(requestId) ?? 0) + 1);
  const rest = /^\/rest\/users\/([^/]+)$/.exec(path);
  if (rest) {
    const user = users.get(decodeURIComponent(rest[1]));
    res.writeHead(user ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(user ?? { message: "no such user" }));
    return;
  }
  const flaky = FLAKY.exec(path);
  const endpoint = flaky ? `/${flaky[1]}/graphql` : path;
  if (!endpoints.has(endpoint) || req.method !== "POST") {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"message":"no route"}');
    return;
  }
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const failure = flaky ? flakyFailure(body) : null;
    if (failure !== null) stats.failed++;
    if (failure === "503") {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("upstream unavailable (injected)");
      return;
    }
    if (failure === "reset") {
      req.socket.resetAndDestroy();
      return;
    }
    answer(endpoint, body, req.headers[FAIL_HEADER]).then(
      (bytes) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": bytes.length });
        res.end(bytes);
      },
      (error) => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ errors: [{ message: String(error) }] }));
      },
    );
  });
});

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop())) {
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
  });
}
