/**
 * The differential harness of the query-plan tests (docs/performance.md, the plans contract): one
 * gateway config built twice over the same loopback upstreams of one test, once with
 * `execution.queryPlans: false` (stitching's per-request delegation, as before plans) and once with the
 * default (plans on). {@link PlanPair.same} sends one request to both and asserts that they answer alike:
 * the same status, `data` as the same JSON text (key order included), `errors` as the same set of
 * `{ message, path, extensions.code, extensions.serviceName }`, and with plans at most as many upstream
 * calls (GraphQL operations counted by the fixture servers, REST requests by the REST fixture).
 */
import { expect } from "vitest";
import type { PlanStats } from "../../src/plans";
import { type Entry, type GatewaySpec, type TestGatewayOptions, testGateway } from "../fixtures/gateways";
import { ADMIN_SECRET, type GraphQLBody, restStats, stats, type TestGateway, uniqueId } from "../helpers";

/** The four merged-type remotes (test/fixtures/plan-upstreams.ts) and how each resolves its types by key. */
export const HIVE_MERGE: Record<string, Entry> = {
  hive_accounts: { User: { key: "id", resolver: "usersByIds", argument: "ids" } },
  hive_reviews: {
    User: { key: "id", resolver: "reviewUsersByIds", argument: "ids" },
    Product: { key: "upc", resolver: "reviewProductsByUpcs", argument: "upcs" },
  },
  hive_products: { Product: { key: "upc", resolver: "productsByUpcs", argument: "upcs" } },
  hive_inventory: { Product: { key: "upc", resolver: "inventoryByUpcs", argument: "upcs" } },
};

/** The names of the four merged-type remotes. */
export const HIVE = Object.keys(HIVE_MERGE);

/**
 * The remote entries of the four merged-type remotes: no retries and no circuit breaker (a failing call
 * is one call and fails alike in both gateways), merge config from {@link HIVE_MERGE}.
 * @param more - merged into every entry
 */
export const hiveRemotes = (more: Entry = {}): Entry[] =>
  HIVE.map((name) => ({ name, retries: 0, circuitBreaker: false, merge: HIVE_MERGE[name], ...more }));

/** A spec with the four merged-type remotes and limits wide enough for Hive's query; `more` wins. */
export const hiveSpec = (more: GatewaySpec = {}): GatewaySpec => ({
  remotes: hiveRemotes(),
  limits: { maxJoinDepth: 20, maxJoinFanOut: 500, maxUpstreamCalls: 100 },
  ...more,
});

/** Hive's gateway benchmark query (bench/scenarios.mjs HIVE_QUERY) over the fixture's fields. */
export const HIVE_QUERY = `fragment User on User { id username name }
fragment Review on Review { id body }
fragment Product on Product { inStock name price shippingEstimate upc weight }
query TestQuery {
  users { ...User reviews { ...Review product { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } } } }
  topProducts { ...Product reviews { ...Review author { ...User reviews { ...Review product { ...Product } } } } }
}`;

/** One GraphQL request. */
export interface PlanRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** Request headers (authorization, ...). */
  headers?: Record<string, string>;
  /** "GET" sends the request as query parameters; default POST with a JSON body. */
  method?: "GET" | "POST";
}

/** What one gateway answered to one request, and the upstream calls it caused. */
export interface PlanAnswer {
  status: number;
  text: string;
  body: GraphQLBody;
  /** `data` as JSON text ("undefined" when absent). */
  dataText: string;
  /** The errors' comparable parts, sorted by their JSON text. */
  errors: string[];
  /** The same without paths. */
  errorsWithoutPaths: string[];
  /** Upstream calls by upstream (fixture kind, or "rest"). */
  calls: Record<string, number>;
  /** Total upstream calls. */
  totalCalls: number;
  /** How the gateway ran it (GET /admin/plans counters; per isolate, so valid while tests run one at a time). */
  lane: Lane;
}

/** How the gateway ran a request by GET /admin/plans: counted planned, fallback, or neither. */
export type Lane = "planned" | "fallback" | "neither";

/** The lane of a request from the counters read before and after it. */
function laneOf(before: PlanStats, after: PlanStats): Lane {
  if (after.planned > before.planned) return "planned";
  return after.fallbacks > before.fallbacks ? "fallback" : "neither";
}

/** Both answers of {@link PlanPair.same}. */
export interface PlanAnswers {
  /** Plans off (stitching). */
  off: PlanAnswer;
  /** Plans on. */
  on: PlanAnswer;
}

/** One config built twice (plans off / on) over the upstreams of test `id`. */
export interface PlanPair {
  id: string;
  off: TestGateway;
  on: TestGateway;
  /**
   * Sends `request` to both (plans off first) and asserts they answer alike; returns both answers. With
   * `paths: "spec"` the error paths are not compared (where stitching's are wrong: the test asserts them
   * itself); in every case each error path of the plans-on answer must lead to a null ({@link misplacedErrors}).
   */
  same(request: PlanRequest | string, label?: string, options?: { paths?: "stitching" | "spec" }): Promise<PlanAnswers>;
  /** Sends `request` to both (plans off first) and returns both answers without comparing them. */
  both(request: PlanRequest | string): Promise<PlanAnswers>;
  /** POSTs an admin route to both gateways (e.g. /admin/reload), asserting 200 for each. */
  adminBoth(path: string): Promise<void>;
}

/** The comparable parts of one GraphQL error (contract: message, path, extensions.code, extensions.serviceName). */
export function errorKey(error: NonNullable<GraphQLBody["errors"]>[number], withPath = true): string {
  return JSON.stringify({
    message: error.message,
    ...(withPath ? { path: error.path ?? null } : {}),
    code: error.extensions?.code ?? null,
    serviceName: error.extensions?.serviceName ?? null,
  });
}

/**
 * The errors of `body` whose path does not lead to a null in `data` (GraphQL spec, "Handling Execution
 * Errors": the field an error is raised for is null, or null propagated to a parent). An error without a
 * path, or an answer without data, has nothing to check.
 */
export function misplacedErrors(body: GraphQLBody): string[] {
  if (body.data === undefined || body.data === null) return [];
  return (body.errors ?? []).flatMap((error) => {
    if (!error.path) return [];
    let value: unknown = body.data;
    for (const key of error.path) {
      if (value === null) return [];
      const container = value as Record<string | number, unknown> | undefined;
      const fits = Array.isArray(container)
        ? typeof key === "number"
        : typeof container === "object" && typeof key === "string";
      if (!fits || container === undefined) return [JSON.stringify(error.path)];
      value = container[key];
    }
    return value === null ? [] : [JSON.stringify(error.path)];
  });
}

/** The GraphQL operations each fixture kind of test `id` has received, and the REST fixture's requests. */
async function callCounts(id: string, kinds: readonly string[], rest: boolean): Promise<Record<string, number>> {
  const counts = await Promise.all(kinds.map(async (kind) => [kind, (await stats(id, kind)).operations] as const));
  const out: Record<string, number> = Object.fromEntries(counts);
  if (rest) out.rest = (await restStats(id)).total;
  return out;
}

/** Sends `request` to /graphql of `gw` (POST with a JSON body, or GET with query parameters). */
async function send(gw: TestGateway, request: PlanRequest): Promise<{ status: number; text: string }> {
  if (request.method === "GET") {
    const params = new URLSearchParams({ query: request.query });
    if (request.variables) params.set("variables", JSON.stringify(request.variables));
    if (request.operationName) params.set("operationName", request.operationName);
    const res = await gw.fetch(`/graphql?${params}`, {
      headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1", ...request.headers },
    });
    return { status: res.status, text: await res.text() };
  }
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...request.headers,
    },
    body: JSON.stringify({
      query: request.query,
      variables: request.variables,
      operationName: request.operationName,
    }),
  });
  return { status: res.status, text: await res.text() };
}

/** Options of {@link planPair}. */
export interface PlanPairOptions extends TestGatewayOptions {
  /** Upstream kinds whose calls are counted; default: the GraphQL remotes of the spec given as fixtures. */
  kinds?: string[];
  /** Count REST fixture requests too (a spec with services). */
  rest?: boolean;
  /** The test id (default: a new one). */
  id?: string;
}

/** The fixture kinds of a spec's remotes (names of entries without a url, or plain strings). */
function kindsOf(spec: GatewaySpec): string[] {
  return (spec.remotes ?? []).flatMap((r) =>
    typeof r === "string" ? [r] : "url" in r ? [] : [String((r as Entry).name)],
  );
}

/**
 * Builds `spec` twice over one test's upstreams: with `execution.queryPlans: false` and with the
 * default `execution` (plans on), `spec.execution` merged into both.
 * @param spec - the gateway config (see testGateway)
 * @param options - files, env and app options for both; which upstreams to count
 */
export function planPair(spec: GatewaySpec, options: PlanPairOptions = {}): PlanPair {
  const { kinds = kindsOf(spec), rest = Array.isArray(spec.services), id = uniqueId("plan"), ...gwOptions } = options;
  const execution = (spec.execution ?? {}) as Entry;
  const off = testGateway(id, { ...spec, execution: { ...execution, queryPlans: false } }, gwOptions);
  const on = testGateway(id, { ...spec, execution: { ...execution } }, gwOptions);

  const answer = async (gw: TestGateway, request: PlanRequest): Promise<PlanAnswer> => {
    const before = await callCounts(id, kinds, rest);
    const countersBefore = await planStats(gw);
    const { status, text } = await send(gw, request);
    const countersAfter = await planStats(gw);
    const after = await callCounts(id, kinds, rest);
    const calls = Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
    let body: GraphQLBody;
    try {
      body = JSON.parse(text) as GraphQLBody;
    } catch {
      throw new Error(`not JSON (${status}): ${text.slice(0, 300)}`);
    }
    return {
      status,
      text,
      lane: laneOf(countersBefore, countersAfter),
      body,
      dataText: JSON.stringify(body.data),
      errors: (body.errors ?? []).map((e) => errorKey(e)).sort(),
      errorsWithoutPaths: (body.errors ?? []).map((e) => errorKey(e, false)).sort(),
      calls,
      totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
    };
  };

  return {
    id,
    off,
    on,
    async both(input) {
      const request = typeof input === "string" ? { query: input } : input;
      const offAnswer = await answer(off, request);
      return { off: offAnswer, on: await answer(on, request) };
    },
    async same(input, label = "", { paths = "stitching" } = {}) {
      const { off: offAnswer, on: onAnswer } = await this.both(input);
      const context = `${label}\nplans off: ${offAnswer.text.slice(0, 3000)}\nplans on:  ${onAnswer.text.slice(0, 3000)}`;
      expect(onAnswer.status, `status ${context}`).toBe(offAnswer.status);
      expect(onAnswer.dataText, `data ${context}`).toBe(offAnswer.dataText);
      if (paths === "stitching") expect(onAnswer.errors, `errors ${context}`).toEqual(offAnswer.errors);
      else expect(onAnswer.errorsWithoutPaths, `errors ${context}`).toEqual(offAnswer.errorsWithoutPaths);
      expect(misplacedErrors(onAnswer.body), `error paths of plans on not leading to null ${context}`).toEqual([]);
      expect(
        onAnswer.totalCalls,
        `upstream calls ${label}: plans on ${JSON.stringify(onAnswer.calls)}, off ${JSON.stringify(offAnswer.calls)}`,
      ).toBeLessThanOrEqual(offAnswer.totalCalls);
      expect(offAnswer.lane, `plans off ran a plan ${context}`).not.toBe("planned");
      return { off: offAnswer, on: onAnswer };
    },
    async adminBoth(path) {
      for (const gw of [off, on]) {
        const res = await gw.fetch(path, { method: "POST", headers: { "x-admin-secret": ADMIN_SECRET } });
        expect(res.status, `${path}: ${await res.text()}`).toBe(200);
      }
    },
  };
}

/**
 * Field `name` of an answer's data, asserted present (data not null).
 * @param answer - one gateway's answer
 * @param name - a root field's response key
 */
export function fieldOf<T = unknown>(answer: PlanAnswer, name: string): T {
  expect(answer.body.data, answer.text.slice(0, 1000)).toBeTruthy();
  return (answer.body.data as Record<string, unknown>)[name] as T;
}

/** The answer of GET /admin/plans: the plan cache's own figures. */
export type { PlanStats } from "../../src/plans";

/** GET /admin/plans of `gw`: the counters (the route must answer 200). */
export async function planStats(gw: TestGateway): Promise<PlanStats> {
  const res = await gw.fetch("/admin/plans", { headers: { "x-admin-secret": ADMIN_SECRET } });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as PlanStats;
}
