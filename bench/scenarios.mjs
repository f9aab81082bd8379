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
 * The same query with its arguments as variables, where the subgraphs take arguments: `users(first:)`,
 * `topProducts(first:)` and the outer `reviews(first:)` (scenario HV). The values differ from the
 * defaults, so a gateway that drops a variable answers differently.
 */
const HIVE_QUERY_VARIABLES = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery($users: Int, $top: Int, $reviews: Int) {
  users(first: $users) { ...User reviews(first: $reviews) { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts(first: $top) { ...Product reviews(first: $reviews) { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

/**
 * The request header that makes the benchmark upstreams fail one product's `shippingEstimate` in the
 * inventory subgraph (bench/upstreams.mjs); the gateways forward it like {@link UNIQUE_HEADER}.
 */
export const FAIL_HEADER = "x-bench-fail";

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
  {
    id: "HV",
    title: "H with its arguments as variables",
    query: HIVE_QUERY_VARIABLES,
    variables: { users: 9, top: 6, reviews: 2 },
    hive: true,
  },
  {
    id: "HE",
    title: "H with an error in a nested entity (inventory fails p3's shippingEstimate)",
    query: HIVE_QUERY,
    headers: { [FAIL_HEADER]: "p3" },
    partial: true,
    hive: true,
  },
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
 * (`path`, `message`) pairs as the expected ones: the exact path array and the exact message of each
 * error, in any order (`locations` and `extensions` are not compared: gateways word those differently).
 * @param {Scenario} scenario
 * @param {string} expected - the expected body
 * @returns {((status: number, body: string) => boolean) & { explain: (status: number, body: string) => string }}
 *   whether one answer is right; `explain` says what is wrong with one ("" when it is right; it starts
 *   with "errors:" when only the errors differ, the data being right)
 * @throws when a `partial` scenario's expected body has no errors, or another's has some
 */
export function checkerOf(scenario, expected) {
  if (!scenario.partial && expected.includes('"errors"'))
    throw new Error(`scenario ${scenario.id}: the expected body has errors: ${expected}`);
  const want = JSON.parse(expected);
  if (scenario.partial && (!want.data || !Array.isArray(want.errors) || want.errors.length === 0))
    throw new Error(`scenario ${scenario.id}: the expected body has no partial data and errors: ${expected}`);
  const wantData = JSON.stringify(want.data);
  const errorKeys = (errors) => errors.map((error) => JSON.stringify([error?.path ?? null, error?.message ?? null]));
  const wantErrors = errorKeys(want.errors ?? []).sort();
  const wantErrorsText = wantErrors.join("\n");
  const explain = (status, body) => {
    if (status !== 200) return `status ${status}: ${body.slice(0, 200)}`;
    if (body === expected) return "";
    let got;
    try {
      got = JSON.parse(body);
    } catch {
      return `not JSON: ${body.slice(0, 200)}`;
    }
    if (got === null || typeof got !== "object") return `not an object: ${body.slice(0, 200)}`;
    const extra = Object.keys(got).filter((key) => key !== "data" && key !== "errors" && key !== "extensions");
    if (extra.length > 0) return `unexpected keys ${extra.join(", ")}`;
    if (JSON.stringify(got.data) !== wantData) return `data differs: ${body.slice(0, 200)}`;
    if (!scenario.partial)
      return got.errors ? `errors: ${body.slice(0, 300)}` : `same data, other bytes: ${body.slice(0, 300)}`;
    if (!Array.isArray(got.errors)) return "errors: none";
    const gotErrors = errorKeys(got.errors).sort();
    if (gotErrors.join("\n") === wantErrorsText) return "";
    const missing = wantErrors.filter((key) => !gotErrors.includes(key));
    const unexpected = gotErrors.filter((key) => !wantErrors.includes(key));
    return `errors: ${got.errors.length} (expected ${want.errors.length}), ${missing.length} expected [path, message] missing; e.g. got ${unexpected[0] ?? "none"}, expected ${missing[0] ?? "none"}`;
  };
  const check = scenario.partial
    ? (status, body) => status === 200 && (body === expected || explain(status, body) === "")
    : (status, body) => status === 200 && body === expected;
  return Object.assign(check, { explain });
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
      forwardClientHeaders: [UNIQUE_HEADER, FAIL_HEADER],
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
