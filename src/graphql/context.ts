import type { Session } from "../auth";
import type { Logger } from "../observability";
import type { UpstreamContext } from "../sources/remote-graphql";

/**
 * The server context of one GraphQL request, given to Yoga and seen by every resolver and executor.
 * Created per request in the `/graphql` route; nothing in it is shared between requests (the
 * `gatewayToken` source memoizes the tokens of this request only; the signer behind it is the isolate's).
 */
export interface GatewayContext extends UpstreamContext {
  /** The Worker's bindings. */
  env: Env;
  /** The request's execution context: background work that may outlive the response. */
  executionCtx: { waitUntil(promise: Promise<unknown>): void };
  /** Child logger with `{ requestId }`. */
  log: Logger;
  /** Who the caller is: role and session variables (src/auth). */
  session: Session;
}
