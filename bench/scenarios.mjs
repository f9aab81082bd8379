/**
 * The benchmark's scenarios and the gateway config they run against (bench/run.mjs).
 * Every system answers the same client request with the same bytes: the expected body is computed by
 * the upstreams' `mono` schema, and every response under load is compared with it.
 */

/** Hive's published gateway benchmark query (graphql-hive/graphql-gateways-benchmark, "federation"). */
const HIVE_QUERY = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

/**
 * @typedef {{ id: string, title: string, query: string, hive: boolean, variables?: object,
 *   headers?: Record<string, string>, partial?: boolean }} Scenario
 * `hive`: whether Hive Gateway can serve it here (R needs a REST subgraph built by GraphQL Mesh);
 * `variables`: sent with the query; `headers`: sent with every request (forwarded upstream by the
 * gateways); `partial`: the answer carries partial data and errors (see {@link checkerOf}).
 */

/** @type {Scenario[]} */
export const SCENARIOS = [
  { id: "S", title: "small query, one remote", query: '{ user(id: "u1") { id username name } }', hive: true },
  { id: "L", title: "~100 KB response, one remote", query: "{ items { id name description tags price } }", hive: true },
  {
    id: "J",
    title: "100 orders joined to a second remote",
    query: "{ orders { id total customer { id name } } }",
    hive: true,
  },
  { id: "R", title: "REST field", query: '{ restUser(id: "u3") { id username name } }', hive: false },
  { id: "H", title: "Hive's benchmark query, 4 merged remotes", query: HIVE_QUERY, hive: true },
];

/**
 * The header that makes every request unique in the "unique" runs. Each gateway forwards it to the
 * upstreams, so no gateway can serve two client requests with one upstream call (in-flight dedupe).
 */
export const UNIQUE_HEADER = "x-bench-request";

/**
 * The HTTP request of a scenario: the JSON body (query, and variables when it has some) and the headers
 * (JSON in and out, plus the scenario's own).
 * @param {Scenario} scenario
 * @returns {{ body: string, headers: Record<string, string> }}
 */
export function requestOf(scenario) {
  const body = JSON.stringify(
    scenario.variables ? { query: scenario.query, variables: scenario.variables } : { query: scenario.query },
  );
  return { body, headers: { "content-type": "application/json", accept: "application/json", ...scenario.headers } };
}

/**
 * How a scenario's answers are judged against the expected body (the `mono` upstream's answer to the
 * same request). Without `partial`: byte for byte (so a 200 with errors fails). With `partial`: the
 * expected body must itself carry `data` and `errors`, and an answer passes when it is a JSON object with
 * no keys besides `data`, `errors` and `extensions`, its `data` serializes to the same JSON text as the
 * expected `data` (same values, same key order), and its `errors` are the same multiset of
 * (`path`, `message`) pairs as the expected ones (order free; `locations` and `extensions` are not
 * compared: gateways word those differently).
 * @param {Scenario} scenario
 * @param {string} expected - the expected body
 * @returns {(status: number, body: string) => boolean} whether one answer is right
 * @throws when a `partial` scenario's expected body has no errors, or another's has some
 */
export function checkerOf(scenario, expected) {
  if (!scenario.partial) {
    if (expected.includes('"errors"'))
      throw new Error(`scenario ${scenario.id}: the expected body has errors: ${expected}`);
    return (status, body) => status === 200 && body === expected;
  }
  const want = JSON.parse(expected);
  if (!want.data || !Array.isArray(want.errors) || want.errors.length === 0)
    throw new Error(`scenario ${scenario.id}: the expected body has no partial data and errors: ${expected}`);
  const wantData = JSON.stringify(want.data);
  const errorKeys = (errors) =>
    errors
      .map((error) => JSON.stringify([error?.path ?? null, error?.message ?? null]))
      .sort()
      .join("\n");
  const wantErrors = errorKeys(want.errors);
  return (status, body) => {
    if (status !== 200) return false;
    if (body === expected) return true;
    let got;
    try {
      got = JSON.parse(body);
    } catch {
      return false;
    }
    return (
      got !== null &&
      typeof got === "object" &&
      Object.keys(got).every((key) => key === "data" || key === "errors" || key === "extensions") &&
      JSON.stringify(got.data) === wantData &&
      Array.isArray(got.errors) &&
      errorKeys(got.errors) === wantErrors
    );
  };
}

const SUBGRAPHS = ["accounts", "reviews", "products", "inventory", "shop", "big"];

export { SUBGRAPHS };

/**
 * The gateway's config and SDL files for the benchmark upstreams.
 * @param {string} base - the upstreams' base URL
 */
export function gatewaySetup(base) {
  const merge = {
    accounts: { User: { key: "id", resolver: "usersByIds", argument: "ids" } },
    reviews: {
      User: { key: "id", resolver: "reviewUsersByIds", argument: "ids" },
      Product: { key: "upc", resolver: "reviewProductsByUpcs", argument: "upcs" },
    },
    products: { Product: { key: "upc", resolver: "productsByUpcs", argument: "upcs" } },
    inventory: { Product: { key: "upc", resolver: "inventoryByUpcs", argument: "upcs" } },
  };
  const config = {
    remotes: SUBGRAPHS.map((name) => ({
      name,
      url: `${base}/${name}/graphql`,
      gatewayToken: false,
      forwardClientHeaders: [UNIQUE_HEADER],
      ...(merge[name] ? { merge: merge[name] } : {}),
    })),
    services: [
      {
        name: "rest",
        url: `${base}/rest`,
        gatewayToken: false,
        forwardClientHeaders: [UNIQUE_HEADER],
        endpoints: { getUser: { method: "GET", path: "/users/{args.id}" } },
      },
    ],
    graphiql: false,
    limits: { maxJoinDepth: 20, maxJoinFanOut: 500 },
  };
  const schemaFiles = [
    {
      path: "schemas/bench.graphql",
      sdl: `type RestUser { id: ID! username: String! name: String! }
extend type Query { restUser(id: ID!): RestUser @rest(service: "rest", endpoint: "getUser") }
extend type Order {
  customer: User @join(remote: "accounts", field: "usersByIds", args: { ids: "{parent.customerId}" }, batch: true)
}`,
    },
  ];
  return { config, schemaFiles };
}
