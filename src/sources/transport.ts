import type { FetchFn } from "./remote-graphql/executor";

/** The platform's fetch, called late so tests that replace globalThis.fetch are honoured. */
export const defaultFetch: FetchFn = (input, init) => fetch(input, init);

/** What one upstream exchange gave: the response and its body, or why there is none. */
export type Exchange =
  | { ok: true; response: Response; text: string }
  | { ok: false; timedOut: boolean; cause: unknown };

/**
 * One HTTP exchange with an upstream, bounded as a whole (headers and body) by `timeoutMs`, its
 * `Set-Cookie` values collected. Shared by remote schemas and REST services, which map the outcome to
 * their own errors.
 *
 * @param fetchFn - the fetch to use
 * @param input - URL or request
 * @param init - request options; a `signal` in it is combined with the timeout
 * @param timeoutMs - the bound, in ms
 * @param cookies - receives every `Set-Cookie` value of the response, if given
 * @returns the response and its text, or `{ ok: false }` with whether the timeout fired (never throws)
 */
export async function exchangeText(
  fetchFn: FetchFn,
  input: string | URL | Request,
  init: RequestInit | undefined,
  timeoutMs: number,
  cookies?: string[],
): Promise<Exchange> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    const response = await fetchFn(input, { ...init, signal });
    if (cookies !== undefined) cookies.push(...response.headers.getSetCookie());
    return { ok: true, response, text: await response.text() };
  } catch (cause) {
    return { ok: false, timedOut: timeout.aborted, cause };
  }
}
