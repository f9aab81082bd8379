import { type AuthenticateInput, createGatewayTokenSource, isPublicOnly, tokenRequired } from "../auth";
import { type Logger, type MetricsSink, RequestObservation } from "../observability";
import { type GatewayContext, type Session, USER_ID_VARIABLE, type WaitUntil } from "../shared";
import type { Gateway } from "./create-gateway";

/** What {@link createGatewayContext} builds a request context from. */
export interface GatewayContextInput {
  /** The isolate's gateway. */
  gateway: Gateway;
  /** The Worker's bindings. */
  env: Env;
  /** Where background work of the request is registered. */
  executionCtx: { waitUntil: WaitUntil };
  /** The request's child logger (with `{ requestId }`). */
  log: Logger;
  /** The request id, sent upstream as `x-request-id`. */
  requestId: string;
  /** The client's headers: the HTTP request's, or for a WebSocket the upgrade request's. */
  headers: Headers;
  /** The caller's session, from {@link authenticateRequest}. */
  session: Session;
  /** The origin of the request URL (`https://host`), for absolute URLs such as signed file URLs. */
  origin?: string;
  /**
   * Whether the entry point has a response to put upstream `Set-Cookie` values on: true for HTTP
   * (`/graphql`), false for WebSocket messages and SSE streams, whose upstream cookies are dropped.
   * @default true
   */
  responseCookies?: boolean;
}

/**
 * Decides the session of a request from its headers: the admin secret, the JWT, or none (see
 * `createAuthenticator`). A request that may use only public fields while none are configured is
 * refused before any schema work. The same for every entry point (HTTP, WebSocket upgrade, SSE).
 *
 * @param gateway - the isolate's gateway
 * @param headers - the client's headers
 * @param env - the Worker's bindings (`ADMIN_SECRET`)
 * @param input - for a POST auth webhook, the GraphQL request; and `waitUntil` for its KV writes
 * @returns the session
 * @throws AuthError / ForbiddenError with the codes of `Authenticator.authenticate`, and
 *   `UNAUTHENTICATED` when there is no token and nothing is public
 */
export async function authenticateRequest(
  gateway: Gateway,
  headers: Headers,
  env: Env,
  input?: AuthenticateInput,
): Promise<Session> {
  const session = await gateway.authenticator.authenticate(headers, env.ADMIN_SECRET || undefined, input);
  // Nothing is public: refuse before any schema work (with public fields, validation decides).
  if (isPublicOnly(session) && gateway.permissions.publicFields.length === 0) throw tokenRequired();
  return session;
}

/**
 * The Analytics Engine dataset of the Worker (binding `METRICS`, see wrangler.toml), when bound.
 * @param env - the Worker's bindings
 * @returns the dataset, or undefined (no data points are written)
 */
function metricsOf(env: Env): MetricsSink | undefined {
  const metrics = (env as { METRICS?: Partial<MetricsSink> }).METRICS;
  return typeof metrics?.writeDataPoint === "function" ? (metrics as MetricsSink) : undefined;
}

/**
 * The one request context builder: what Yoga, resolvers, executors and the upstream pipeline see of
 * one request (session, client headers, env, logger, request id, the gateway token source, the cookie
 * sink, the observation of src/observability). Used by the `/graphql` route and ready for WebSocket and SSE entry points. The gateway token
 * key is not awaited here: a key that cannot be imported fails only the upstream calls that need a
 * token (see the upstream plugin `gateway-token`), never the whole request.
 *
 * @param input - the gateway, the request's pieces and its session
 * @returns the context (nothing in it is shared with another request)
 */
export async function createGatewayContext(input: GatewayContextInput): Promise<GatewayContext> {
  const { gateway, session } = input;
  const prefix = gateway.authenticator.headerPrefix;
  const observability = gateway.config.observability;
  return {
    observation: new RequestObservation({
      log: input.log,
      debug:
        session.source === "admin" ||
        (session.roles ?? (session.role === null ? [] : [session.role])).some((role) =>
          observability.debugRoles.includes(role),
        ),
      sampleRate: observability.operationLogSampleRate,
      role: session.role,
      metrics: metricsOf(input.env),
    }),
    env: input.env,
    executionCtx: input.executionCtx,
    log: input.log,
    requestId: input.requestId,
    clientHeaders: input.headers,
    responseCookies: input.responseCookies === false ? undefined : [],
    session,
    ...(input.origin === undefined ? {} : { origin: input.origin }),
    sessionHeaderPrefix: prefix,
    gatewayToken: createGatewayTokenSource(
      gateway.tokenSigner,
      session.source === "none"
        ? undefined
        : { sub: session.variables[USER_ID_VARIABLE], variables: session.variables },
    ),
  };
}
