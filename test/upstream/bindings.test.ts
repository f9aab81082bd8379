/**
 * Service bindings as upstreams (docs/bindings.md): a remote or a service with `binding` is
 * called through `env.<binding>.fetch()` with the request the URL form sends, through the same upstream
 * pipeline. The bound Worker is test/fixtures/bound-worker.ts, a second Worker in the tests' Miniflare
 * (vitest.config.ts), bound to the test Worker as BOUND_FIXTURE; it records what it received per test
 * id (the `x-test-id` header the configs below set) and misbehaves on demand.
 */
import { env } from "cloudflare:workers";
import { jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { fastLaneCounters } from "../../src/fastlane";
import type { ModuleBundle } from "../../src/modules";
import { ok, startupProblems, testGateway } from "../fixtures/gateways";
import { createTestGateway, type TestGateway, uniqueId } from "../helpers";

/** The bound Worker as the tests reach it (the gateways reach it by the name in their config). */
const fixture = (env as unknown as { BOUND_FIXTURE: Fetcher }).BOUND_FIXTURE;

/** What the bound Worker saw for one test id. */
interface BoundStats {
  requests: number;
  operations: number;
  last?: { url: string; method: string; headers: Record<string, string> };
}

/** Sets the bound Worker's mode for test `id` (see bound-worker.ts). */
async function control(id: string, state: Record<string, unknown>): Promise<void> {
  const res = await fixture.fetch("https://fixture/control", {
    method: "POST",
    body: JSON.stringify({ id, ...state }),
  });
  expect(res.status).toBe(200);
}

/** What the bound Worker saw for test `id`. */
async function boundStats(id: string): Promise<BoundStats> {
  return (await (await fixture.fetch(`https://fixture/stats?id=${id}`)).json()) as BoundStats;
}

const GATEWAY_TOKEN_SECRET = "a-test-secret-that-is-at-least-32-bytes-long";

/** The bound remote of test `id`: BOUND_FIXTURE's GraphQL endpoint, `more` merged in. */
const boundRemote = (id: string, more: Record<string, unknown> = {}) => ({
  name: "reviews",
  binding: "BOUND_FIXTURE",
  headers: { "x-test-id": id },
  ...more,
});

/** Product.reviews from the bound remote, for a join with the URL remote `products`. */
const JOIN_SDL = `
extend type Product {
  reviews: [Review!]! @join(remote: "reviews", field: "reviews", args: { upc: "{parent.upc}" })
}
`;

/** The bound service of test `id`: BOUND_FIXTURE's REST routes, `more` merged in. */
const boundService = (id: string, more: Record<string, unknown> = {}) => ({
  name: "reviews_api",
  binding: "BOUND_FIXTURE",
  headers: { "x-test-id": id },
  endpoints: { byUpc: { method: "GET", path: "/reviews/{args.upc}" } },
  ...more,
});

const REST_SDL = `
type RestReview { id: ID! upc: String! body: String! }
extend type Query { reviewsOf(upc: String!): [RestReview!]! @rest(service: "reviews_api", endpoint: "byUpc") }
`;

/** A gateway with the bound service only. */
const serviceGateway = (id: string, more: Record<string, unknown> = {}, gatewayEnv: Record<string, unknown> = {}) =>
  testGateway(
    id,
    { services: [boundService(id, more)] },
    { files: { "schemas/reviews.graphql": REST_SDL }, env: gatewayEnv },
  );

/** The first error of a query, with the time it took. */
async function firstError(gw: TestGateway, query: string): Promise<{ ms: number; error: Record<string, unknown> }> {
  const started = Date.now();
  const { body } = await gw.graphql(query);
  const ms = Date.now() - started;
  expect(body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
  return { ms, error: body.errors?.[0] as Record<string, unknown> };
}

describe("a remote through a service binding", () => {
  it("is introspected and queried through the binding at https://bound_fixture.binding/graphql, and joins a URL remote", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: [boundRemote(id), "products"] },
      { files: { "schemas/join.graphql": JOIN_SDL } },
    );

    expect(ok(await gw.graphql('{ review(id: "r3") { body } }'))).toEqual({ review: { body: "Comfy" } });
    expect(ok(await gw.graphql("{ products(limit: 2) { upc reviews { body } } }"))).toEqual({
      products: [
        { upc: "p1", reviews: [{ body: "Sturdy table" }, { body: "Wobbles a bit" }] },
        { upc: "p2", reviews: [{ body: "Comfy" }] },
      ],
    });
    // The same operation again: answered by the fast lane (src/fastlane), still through the binding.
    const served = fastLaneCounters.served;
    for (let i = 0; i < 2; i++) {
      expect(ok(await gw.graphql('{ review(id: "r3") { body } }'))).toEqual({ review: { body: "Comfy" } });
    }
    expect(fastLaneCounters.served).toBeGreaterThan(served);
    const seen = await boundStats(id);
    // Introspection and four operations, all through the binding.
    expect(seen.operations).toBe(4);
    expect(seen.requests).toBeGreaterThanOrEqual(3);
    expect(seen.last).toMatchObject({ url: "https://bound_fixture.binding/graphql", method: "POST" });
  });

  it("sends its requests to `path` on the bound Worker", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [boundRemote(id, { path: "/custom/gql" })] });
    expect(ok(await gw.graphql('{ review(id: "r1") { upc } }'))).toEqual({ review: { upc: "p1" } });
    expect((await boundStats(id)).last?.url).toBe("https://bound_fixture.binding/custom/gql");
  });

  it("the bound Worker receives what a URL remote would: configured and forwarded headers, x-request-id, a gateway token for its name", async () => {
    const id = uniqueId();
    const gw = testGateway(
      id,
      { remotes: [boundRemote(id, { forwardClientHeaders: ["accept-language"] })] },
      { env: { GATEWAY_TOKEN_SECRET } },
    );
    ok(await gw.graphql("{ __typename }"));
    const echoed = ok(await gw.graphql("{ echo }", {}, { "accept-language": "fr", "x-not-forwarded": "1" }));
    const seen = JSON.parse(String(echoed.echo)) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe("https://bound_fixture.binding/graphql");
    expect(seen.headers).toMatchObject({
      "x-test-id": id,
      "accept-language": "fr",
      "content-type": "application/json",
    });
    expect(seen.headers["x-not-forwarded"]).toBeUndefined();
    expect(seen.headers["x-request-id"]).toMatch(/\S/);
    const { payload } = await jwtVerify(
      seen.headers["x-gateway-token"] ?? "",
      new TextEncoder().encode(GATEWAY_TOKEN_SECRET),
      {
        audience: "reviews",
      },
    );
    expect(payload.aud).toBe("reviews");
  });
});

describe("a service through a service binding", () => {
  it("calls its endpoint paths on the bound Worker, with its headers and a gateway token", async () => {
    const id = uniqueId();
    const gw = serviceGateway(id, { forwardClientHeaders: ["accept-language"] }, { GATEWAY_TOKEN_SECRET });
    // Three times: the fast lane's REST path answers the repeats, through the binding too.
    const served = fastLaneCounters.served;
    for (let i = 0; i < 3; i++) {
      const { status, body } = await gw.graphql(
        '{ reviewsOf(upc: "p2") { id body } }',
        {},
        { "accept-language": "de" },
      );
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.data).toEqual({ reviewsOf: [{ id: "r3", body: "Comfy" }] });
    }
    expect(fastLaneCounters.served).toBeGreaterThan(served);
    const seen = await boundStats(id);
    expect(seen.operations).toBe(3);
    expect(seen.last).toMatchObject({
      url: "https://bound_fixture.binding/reviews/p2",
      method: "GET",
      headers: { "x-test-id": id, "accept-language": "de" },
    });
    const token = seen.last?.headers["x-gateway-token"] ?? "";
    const { payload } = await jwtVerify(token, new TextEncoder().encode(GATEWAY_TOKEN_SECRET));
    expect(payload.aud).toBe("reviews_api");
  });
});

describe("failures of a bound Worker are mapped as for URLs", () => {
  it.each([
    { mode: "throw", code: "UPSTREAM_UNAVAILABLE", status: undefined },
    { mode: "500", code: "UPSTREAM_UNAVAILABLE", status: 500 },
  ])("a remote whose Worker answers in mode $mode -> $code", async ({ mode, code, status }) => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [boundRemote(id, { retries: 0 })] });
    ok(await gw.graphql("{ __typename }"));
    await control(id, { mode });
    const { error } = await firstError(gw, '{ review(id: "r1") { id } }');
    expect(error).toMatchObject({ path: ["review"], extensions: { code, serviceName: "reviews" } });
    expect((error.extensions as Record<string, unknown>).status).toBe(status);
    // The failure came from the bound Worker, once (retries 0).
    expect((await boundStats(id)).operations).toBe(1);
    // Nothing of the Worker's own message or body reaches the client.
    expect(JSON.stringify(error)).not.toMatch(/exploded|internal failure/);
  });

  it.each([
    { mode: "throw", code: "UPSTREAM_UNAVAILABLE" },
    { mode: "500", code: "UPSTREAM_HTTP_ERROR" },
  ])("a service whose Worker answers in mode $mode -> $code", async ({ mode, code }) => {
    const id = uniqueId();
    const gw = serviceGateway(id, { retries: 0 });
    await control(id, { mode });
    const { error } = await firstError(gw, '{ reviewsOf(upc: "p1") { id } }');
    expect(error).toMatchObject({ extensions: { code, serviceName: "reviews_api" } });
    expect((await boundStats(id)).operations).toBe(1);
    expect(JSON.stringify(error)).not.toMatch(/exploded|internal failure/);
  });

  it("a remote slower than its timeoutMs fails with UPSTREAM_TIMEOUT at the timeout", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [boundRemote(id, { timeoutMs: 300 })] });
    ok(await gw.graphql("{ __typename }"));
    await control(id, { mode: "slow", delayMs: 2000 });
    const { ms, error } = await firstError(gw, '{ review(id: "r1") { id } }');
    expect(error).toMatchObject({ extensions: { code: "UPSTREAM_TIMEOUT", serviceName: "reviews" } });
    expect(ms).toBeLessThan(1500);
  });

  it("a service slower than its timeoutMs fails with UPSTREAM_TIMEOUT at the timeout", async () => {
    const id = uniqueId();
    const gw = serviceGateway(id, { timeoutMs: 300 });
    await control(id, { mode: "slow", delayMs: 2000 });
    const { ms, error } = await firstError(gw, '{ reviewsOf(upc: "p1") { id } }');
    expect(error).toMatchObject({ extensions: { code: "UPSTREAM_TIMEOUT", serviceName: "reviews_api" } });
    expect(ms).toBeLessThan(1500);
  });

  it("retries a remote query and a service GET answered 503 by the bound Worker: 2 calls each, no error", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [boundRemote(id)] });
    ok(await gw.graphql("{ __typename }"));
    await control(id, { mode: "flaky", failures: 1 });
    expect(ok(await gw.graphql('{ review(id: "r2") { body } }'))).toEqual({ review: { body: "Wobbles a bit" } });
    expect((await boundStats(id)).operations).toBe(2);

    const other = uniqueId();
    const service = serviceGateway(other);
    await control(other, { mode: "flaky", failures: 1 });
    expect(ok(await service.graphql('{ reviewsOf(upc: "p2") { id } }'))).toEqual({ reviewsOf: [{ id: "r3" }] });
    expect((await boundStats(other)).operations).toBe(2);
  });
});

describe("the rest of the pipeline around a bound Worker", () => {
  it("opens the circuit after failureThreshold failures: UPSTREAM_CIRCUIT_OPEN without calling the Worker", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [boundRemote(id, { retries: 0, circuitBreaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } })],
    });
    ok(await gw.graphql("{ __typename }"));
    await control(id, { mode: "500" });
    for (let i = 0; i < 2; i++) {
      const { error } = await firstError(gw, '{ review(id: "r1") { id } }');
      expect(error).toMatchObject({ extensions: { code: "UPSTREAM_UNAVAILABLE" } });
    }
    const { error } = await firstError(gw, '{ review(id: "r1") { id } }');
    expect(error).toMatchObject({ extensions: { code: "UPSTREAM_CIRCUIT_OPEN", serviceName: "reviews" } });
    expect((await boundStats(id)).operations).toBe(2);
  });

  it("passes the bound Worker's Set-Cookie on to the client, as for a URL", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: [boundRemote(id)] });
    ok(await gw.graphql("{ __typename }"));
    await control(id, { mode: "cookie" });
    const { headers, body } = await gw.graphql('{ review(id: "r1") { id } }');
    expect(body).toEqual({ data: { review: { id: "r1" } } });
    expect(headers.getSetCookie()).toContain(`bound=${id}; Path=/`);
  });
});

describe("config of bindings", () => {
  it("a binding missing from env is a startup config error naming it, at the entry's binding", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [{ name: "reviews", binding: "NOT_BOUND" }],
      services: [{ name: "api", binding: "SCHEMA_CACHE", endpoints: {} }],
    });
    const problems = await startupProblems(gw);
    expect(problems).toEqual([
      {
        path: "$.remotes[0].binding",
        message: expect.stringContaining(
          'service binding NOT_BOUND is not bound: add [[services]] with binding = "NOT_BOUND"',
        ),
      },
      {
        path: "$.services[0].binding",
        message: "SCHEMA_CACHE is not a service binding ([[services]] in wrangler.toml)",
      },
    ]);
  });

  it("a module's remote may name a binding: called through it (namespaced), a missing one located in its module.json", async () => {
    const id = uniqueId();
    const module = (binding: string): ModuleBundle => ({
      dir: "modules/reviews",
      entry: "modules/reviews",
      manifest: { remotes: [{ name: "api", binding, headers: { "x-test-id": id } }] },
      files: [],
    });
    const gw = testGateway(id, { modules: ["modules/reviews"] }, { modules: [module("BOUND_FIXTURE")] });
    expect(ok(await gw.graphql('{ review(id: "r2") { upc } }'))).toEqual({ review: { upc: "p1" } });
    expect((await boundStats(id)).operations).toBe(1);

    const missing = testGateway(id, { modules: ["modules/reviews"] }, { modules: [module("NOT_BOUND")] });
    expect(await startupProblems(missing)).toEqual([
      {
        path: "modules/reviews/module.json $.remotes[0].binding",
        message: expect.stringContaining("service binding NOT_BOUND is not bound"),
      },
    ]);
  });

  it("exactly one of url and binding; path only with binding; a binding name in upper case", async () => {
    // createTestGateway: testGateway would give the service without url nor binding a fixture url.
    const gw = createTestGateway({
      remotes: [
        { name: "both", url: "http://127.0.0.1:9/graphql", binding: "BOUND_FIXTURE" },
        { name: "pathless", url: "http://127.0.0.1:9/graphql", path: "/graphql" },
        { name: "lower", binding: "bound_fixture" },
      ],
      services: [{ name: "neither", endpoints: {}, timeoutMs: -1 }],
    });
    const problems = await startupProblems(gw);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: "$.remotes[0].binding", message: "give url or binding, not both" },
        { path: "$.remotes[1].path", message: "path goes with binding (a url carries its own path)" },
        { path: "$.remotes[2].binding", message: "must be a service binding name ([A-Z_][A-Z0-9_]*)" },
        // Reported although the entry has another problem (timeoutMs).
        { path: "$.services[0].url", message: "needs a url or a binding (a Worker service binding name)" },
      ]),
    );
    // Each problem once (zod and the structural check report the same ones).
    expect(new Set(problems.map((p) => `${p.path} ${p.message}`)).size).toBe(problems.length);
  });
});
