/**
 * Low-level test helpers that run inside workerd: a gateway app per test with its own KV prefix
 * (createTestGateway; tests build gateways with fixtures/gateways.ts on top of it), unique test ids,
 * the URLs of a test's fixture endpoints, and what those endpoints have seen.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import { type AppOptions, createApp } from "../src/app";
import { createLogger } from "../src/observability";

/** The admin secret the test env carries. */
export const ADMIN_SECRET = "test-admin-secret";

let counter = 0;
/** A unique id for one test's upstreams and KV keys. */
export function uniqueId(label = "t"): string {
  counter++;
  return `${label}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Base URL of the fixture server. */
export const upstreamBase = (): string => inject("upstreams");

/** URL of the GraphQL endpoint `kind` owned by test `id`. */
export const remoteUrl = (id: string, kind: string): string => `${upstreamBase()}/t/${id}/${kind}/graphql`;

/** Changes the state of an upstream endpoint (mode, version, cookies, delayMs). */
export async function control(id: string, kind: string, state: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${upstreamBase()}/t/${id}/${kind}/control`, { method: "POST", body: JSON.stringify(state) });
  if (!res.ok) throw new Error(`control failed: ${res.status}`);
}

/** What an upstream endpoint has seen. */
export interface UpstreamStats {
  requests: number;
  introspections: number;
  operations: number;
  lastHeaders: Record<string, string | string[] | undefined>;
}

/** Reads an upstream endpoint's counters. */
export async function stats(id: string, kind: string): Promise<UpstreamStats> {
  const res = await fetch(`${upstreamBase()}/t/${id}/${kind}/stats`);
  return (await res.json()) as UpstreamStats;
}

/** A GraphQL response body. */
export interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/** A gateway under test. */
export interface TestGateway {
  /** Sends a request to the app (path relative to http://gateway.test) and waits for its background work. */
  fetch(path: string, init?: RequestInit, envOverrides?: Record<string, unknown>): Promise<Response>;
  /** POSTs a GraphQL operation to /graphql and returns status, headers and body. */
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: GraphQLBody }>;
  /** POSTs to an admin route with the right secret. */
  admin(path: string, method?: string): Promise<Response>;
}

/**
 * Creates a gateway app for one test.
 * @param config - the raw gateway config
 * @param options - app options (kvPrefix defaults to a unique prefix per call unless given)
 * @param envOverrides - extra env vars (e.g. the URLs the config references)
 */
export function createTestGateway(
  config: unknown,
  options: Partial<AppOptions> = {},
  envOverrides: Record<string, unknown> = {},
): TestGateway {
  const app = createApp({ config, kvPrefix: `${uniqueId("kv")}:`, log: createLogger({ sink: () => {} }), ...options });
  const baseEnv = { ...env, ADMIN_SECRET, ...envOverrides };
  const send = async (path: string, init?: RequestInit, more: Record<string, unknown> = {}): Promise<Response> => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`http://gateway.test${path}`, init), { ...baseEnv, ...more } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
  return {
    fetch: send,
    async graphql(query, variables, headers = {}) {
      const res = await send("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLBody };
    },
    admin(path, method = "POST") {
      return send(path, { method, headers: { "x-admin-secret": ADMIN_SECRET } });
    },
  };
}

/** The JWK Set URL of test `id` on the fixture host (see fixtures/jwks.ts). */
export const jwksUrl = (id: string): string => `${upstreamBase()}/jwks/${id}/keys`;

/** The URL of test `id`'s auth webhook answering as `behaviour` (see fixtures/auth-hook.ts). */
export const hookUrl = (id: string, behaviour = "ok"): string => `${upstreamBase()}/hook/${id}/${behaviour}`;

/** Changes what test `id`'s auth webhook answers (answer, answers by token, cache headers, delay). */
export async function hookControl(id: string, state: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${upstreamBase()}/hook/${id}/control`, { method: "POST", body: JSON.stringify(state) });
  if (!res.ok) throw new Error(`hook control failed: ${res.status}`);
}

/** What test `id`'s auth webhook has seen: calls, and the last call's method, path, headers and body. */
export async function hookStats(id: string): Promise<{
  calls: number;
  lastMethod: string | null;
  lastPath: string | null;
  lastHeaders: Record<string, string | string[] | undefined>;
  lastBody: unknown;
}> {
  return (await (await fetch(`${upstreamBase()}/hook/${id}/stats`)).json()) as Awaited<ReturnType<typeof hookStats>>;
}

/** Base URL of test `id`'s REST upstream (see fixtures/rest-upstream.ts). */
export const restUrl = (id: string): string => `${upstreamBase()}/r/${id}`;

/** What test `id`'s REST upstream has seen: request counts by "METHOD /path". */
export async function restStats(id: string): Promise<{ requests: Record<string, number>; total: number }> {
  const res = await fetch(`${restUrl(id)}/__stats`);
  return (await res.json()) as { requests: Record<string, number>; total: number };
}

/** One ordinary operation an upstream endpoint received. */
export interface ReceivedOperation {
  query: string;
  variables: Record<string, unknown> | null;
}

/** The last 20 ordinary (non-introspection) operations an upstream endpoint received, oldest first. */
export async function upstreamOperations(id: string, kind: string): Promise<ReceivedOperation[]> {
  const res = await fetch(`${upstreamBase()}/t/${id}/${kind}/stats`);
  const body = (await res.json()) as { lastQueries?: string[]; lastVariables?: Array<Record<string, unknown> | null> };
  return (body.lastQueries ?? []).map((query, i) => ({ query, variables: body.lastVariables?.[i] ?? null }));
}

/** The last 50 requests test `id`'s REST upstream received, as "METHOD /path?query" (query string as sent). */
export async function restLog(id: string): Promise<string[]> {
  const res = await fetch(`${restUrl(id)}/__log`);
  return (await res.json()) as string[];
}
