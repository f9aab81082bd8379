/**
 * Shared pieces of the response cache tests (test/cache): a POST that returns the cache headers, and the
 * operation count of an upstream.
 */
import { stats, type TestGateway } from "../helpers";

/** An answer with the headers the cache sets. */
export interface CachedAnswer {
  status: number;
  xCache: string | null;
  age: string | null;
  cacheControl: string | null;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: unknown[] };
}

/**
 * POSTs an operation to /graphql (JSON, Accept: application/graphql-response+json).
 * @param gateway - the gateway under test
 * @param query - the document
 * @param variables - its variables
 * @param headers - more headers (tokens, admin secret)
 */
export async function ask(
  gateway: TestGateway,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<CachedAnswer> {
  const res = await gateway.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return {
    status: res.status,
    xCache: res.headers.get("x-cache"),
    age: res.headers.get("age"),
    cacheControl: res.headers.get("cache-control"),
    text,
    body: JSON.parse(text),
  };
}

/** How many ordinary operations an upstream of test `id` received. */
export const operations = async (id: string, kind: string): Promise<number> => (await stats(id, kind)).operations;

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
