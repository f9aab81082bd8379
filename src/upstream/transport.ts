import type { FetchFn } from "../shared";

/** The platform's fetch, called late so tests that replace globalThis.fetch are honoured. */
export const defaultFetch: FetchFn = (input, init) => fetch(input, init);
