import type { MiddlewareHandler } from "hono";
import { createLogger, type Logger } from "./logger";

/** What {@link requestId} puts on the Hono context; the app's `AppEnv` (src/env.ts) includes it. */
export interface RequestIdVariables {
  /** The request id (client's `x-request-id` or generated). */
  requestId: string;
  /** Child logger with `{ requestId }`. */
  log: Logger;
}

/** The header carrying the request id, to upstreams and back to the client. */
export const REQUEST_ID_HEADER = "x-request-id";

const VALID_ID = /^[\x21-\x7e]{1,200}$/;

/** Options of {@link requestId}. */
export interface RequestIdOptions {
  /** The isolate's base logger; each request gets a child with `{ requestId }`. @default createLogger() */
  log?: Logger;
}

/**
 * Hono middleware: takes the client's `x-request-id` (1-200 visible ASCII characters) or generates a
 * UUID, stores it as `c.get("requestId")` with a child logger `c.get("log")`, and sets it on the response.
 *
 * @param options - the base logger
 * @returns the middleware
 */
export function requestId(options: RequestIdOptions = {}): MiddlewareHandler<{ Variables: RequestIdVariables }> {
  const base = options.log ?? createLogger();
  return async function requestIdMiddleware(c, next) {
    const given = c.req.header(REQUEST_ID_HEADER);
    const id = given !== undefined && VALID_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    c.set("log", base.child({ requestId: id }));
    await next();
    try {
      c.res.headers.set(REQUEST_ID_HEADER, id);
    } catch {
      // Immutable headers (a Response passed through from fetch): copy once.
      c.res = new Response(c.res.body, c.res);
      c.res.headers.set(REQUEST_ID_HEADER, id);
    }
  };
}
