import { type Context, Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { adminRoutes } from "./admin";
import { type AuthenticateInput, webhookRequestOf } from "./auth";
import { CSRF_HEADERS, withoutAdminSecret } from "./browser";
import { serveCached } from "./cache";
import type { FilesConfig } from "./config";
import { type DocumentId, lookupDocument, requestedDocumentId, type TrustedDocumentsMode } from "./documents";
import type { AppEnv } from "./env";
import { ConfigError, ErrorCode, GatewayError } from "./errors";
import { eventRoutes } from "./events";
import { createFastLane, type FastLane } from "./fastlane";
import { fileRoutes, isUploadRequest, type ReceivedUploads, receiveUploads, signedUrl } from "./files";
import { authenticateRequest, createGateway, createGatewayContext, type Gateway, type GatewayOptions } from "./gateway";
import { graphqlBodyLimit, resolveLimits } from "./limits";
import { createLogger, type Logger, REQUEST_ID_HEADER, requestId } from "./observability";
import { rateLimits } from "./rate-limits";
import { realtimeUpgrade, routeEventStream } from "./realtime";
import { type GatewayContext, ROLE_VARIABLE, type Session } from "./shared";
import { traceOperation } from "./tracing";

/** Options of {@link createApp}: the gateway's options plus the base logger. */
export interface AppOptions extends GatewayOptions {
  /** The isolate's base logger. @default createLogger() */
  log?: Logger;
}

/**
 * Hono middleware: builds the isolate's {@link Gateway} on the first request (config validated once
 * per isolate) and sets `gateway` on the context (`c.get("gateway")`). An invalid config answers every request with 500 and
 * `{ error: { code: "INVALID_CONFIG", message, problems: [{ path, message }] } }`.
 */
function gateway(options: GatewayOptions, log: Logger): MiddlewareHandler<AppEnv> {
  let built: Gateway | ConfigError | undefined;
  return async function gatewayMiddleware(c, next) {
    if (built === undefined) {
      try {
        built = createGateway(options, c.env, log);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        log.error({ problems: error.problems }, "invalid gateway config");
        built = error;
      }
    }
    if (built instanceof ConfigError) return built.toResponse();
    c.set("gateway", built);
    await next();
  };
}

/**
 * Hono middleware: decides who the caller is with `authenticateRequest` (src/gateway: admin secret,
 * JWT, the auth webhook, or unauthenticated) and sets `session` on the context (`c.get("session")`). A rejected request is answered
 * with the error's status and a GraphQL-shaped body, `{ errors: [{ message, extensions: { code } }] }`:
 * 400 `INVALID_AUTHORIZATION_HEADER`; 401 `UNAUTHORIZED`, `INVALID_JWT`, `JWT_EXPIRED`, `INVALID_CLAIMS`,
 * `UNAUTHENTICATED` (no token, no `unauthenticatedRole` and no `public` fields); 403 `ROLE_NOT_ALLOWED`;
 * 500 `AUTH_WEBHOOK_FAILED`; 503 `JWKS_UNAVAILABLE`. The one exception is GraphiQL's page (a GET whose Accept has text/html, without
 * `query`), which loads without a token, and only while `graphiql` is on.
 */
function authentication(): MiddlewareHandler<AppEnv> {
  return async function authenticationMiddleware(c, next) {
    const gateway = c.get("gateway");
    const graphiqlPage =
      gateway.config.graphiql &&
      c.req.method === "GET" &&
      c.req.query("query") === undefined &&
      c.req.header("accept")?.includes("text/html");
    if (graphiqlPage) {
      // GraphiQL's page holds no data: a browser may load it without a token and send one from the page.
      // With `graphiql: false` there is no page, and such a request is authenticated like any other.
      c.set("session", { source: "unauthenticated", role: null, variables: {} });
      return next();
    }
    let session: Session;
    try {
      session = await authenticateRequest(gateway, c.req.raw.headers, c.env, await webhookInput(c));
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      c.get("log").info({ code: error.code, role: c.req.header(ROLE_VARIABLE) }, "request refused by authentication");
      return error.toGraphQLResponse();
    }
    c.set("session", session);
    await next();
  };
}

/**
 * What an auth webhook (`auth.webhook`) is given besides the headers: `waitUntil` for its KV writes and,
 * for a POST hook only (no other mode reads the body twice), the GraphQL request (src/auth
 * `webhookRequestOf`, reading at most the largest `maxBodyBytes` of any role). Undefined without a hook.
 */
async function webhookInput(c: Context<AppEnv>): Promise<AuthenticateInput | undefined> {
  const config = c.get("gateway").config;
  if (config.auth?.webhook === undefined) return undefined;
  const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
  if (config.auth.webhook.method !== "POST") return { waitUntil };
  const { limits } = config;
  const maxBodyBytes = Math.max(
    limits.maxBodyBytes,
    ...Object.values(limits.roles).map((role) => role.maxBodyBytes ?? 0),
  );
  return { request: await webhookRequestOf(c.req.raw, maxBodyBytes), waitUntil };
}

/**
 * Hono middleware: CORS from the config's `cors` key; no CORS headers when it is absent. A preflight
 * answer never allows `x-admin-secret` (see `withoutAdminSecret`), even when the preflight asks for it.
 * `/events/*` never gets CORS headers: publishing is server-to-server, authorised by secrets no browser
 * page may hold, so a page's preflight (needed for its JSON body and auth headers) finds no route (404).
 */
function gatewayCors(): MiddlewareHandler<AppEnv> {
  let handler: MiddlewareHandler | null | undefined;
  return async function corsMiddleware(c, next) {
    if (handler === undefined) {
      const config = c.get("gateway").config.cors;
      handler =
        config === undefined
          ? null
          : cors({
              origin: config.origins === "*" ? "*" : config.origins,
              credentials: config.credentials,
              exposeHeaders: [...new Set([REQUEST_ID_HEADER, ...config.exposedHeaders])],
              allowHeaders: config.allowedHeaders ?? [],
              allowMethods: ["GET", "POST", "OPTIONS"],
              maxAge: config.maxAgeSec,
            });
    }
    if (handler === null || c.req.path.startsWith("/events/")) return next();
    const preflight = await handler(c, next);
    if (preflight instanceof Response) {
      // hono's cors() set the headers on c.res too, and Hono copies c.res's headers onto the returned response.
      withoutAdminSecret(c.res.headers);
      withoutAdminSecret(preflight.headers);
    }
    return preflight;
  };
}

/**
 * Runs a GraphQL multipart request (file upload, src/files): the files are stored in R2 as they arrive,
 * the operation runs with their references, and the objects of failed fields are deleted. A refused
 * upload is answered with its code in the GraphQL shape (`{ errors: [{ message, extensions: { code } }] }`).
 */
async function graphqlWithUploads(c: Context<AppEnv>, context: GatewayContext, files: FilesConfig): Promise<Response> {
  const gateway = c.get("gateway");
  const origin = new URL(c.req.url).origin;
  let uploads: ReceivedUploads;
  try {
    uploads = await receiveUploads({
      request: c.req.raw,
      config: files,
      bucket: c.env.FILES,
      session: c.get("session"),
      maxOperationsBytes: resolveLimits(gateway.config, c.get("session")).maxBodyBytes,
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      reference: async (file) => ({
        key: file.key,
        url: await signedUrl(origin, file.key, files.signedUrlTtlSec, c.env.FILES_SIGNING_SECRET ?? ""),
        size: file.size,
        contentType: file.contentType,
        filename: file.filename,
        sha256: file.sha256,
      }),
    });
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    c.get("log").info({ code: error.code }, "upload refused");
    return error.toGraphQLResponse();
  }
  // For remotes with `uploads: "forward"` (the upstream plugin `uploads`): the files, streamed from R2.
  context.uploads = {
    files: uploads.files,
    open: async (key) => (await c.env.FILES.get(key))?.body ?? null,
  };
  return uploads.settle(await gateway.yoga.fetch(uploads.request, context));
}

/**
 * Ends the observation of a /graphql answer (src/observability): `Server-Timing` for callers with the
 * admin secret or a role of `observability.debugRoles` (not on GraphiQL's page), and the per-operation
 * log line, written in the background.
 */
function observed(c: Context<AppEnv>, context: GatewayContext, response: Response): Response {
  const observation = context.observation;
  if (observation === undefined) return response;
  const line = observation.finish();
  if (line !== undefined) c.executionCtx.waitUntil(line);
  if (!observation.debug || response.headers.get("content-type")?.startsWith("text/html")) return response;
  try {
    response.headers.set("server-timing", observation.serverTiming());
    return response;
  } catch {
    // Immutable headers: copy once.
    const copy = new Response(response.body, response);
    copy.headers.set("server-timing", observation.serverTiming());
    return copy;
  }
}

/**
 * The text of the trusted document a JSON body names, for the fast lane: what useTrustedDocuments would run.
 * @returns the text; null when the body names no valid id or the store has none (Yoga then answers)
 */
async function documentText(
  gateway: Gateway,
  mode: TrustedDocumentsMode,
  params: { documentId?: unknown; extensions?: unknown },
): Promise<string | null> {
  if (mode === "off") return null;
  let id: DocumentId | null;
  try {
    id = requestedDocumentId(params);
  } catch {
    return null;
  }
  return id === null ? null : lookupDocument(id, mode, gateway.documents);
}

/**
 * Whether the response cache may read a `/graphql` request: a POST with a JSON body, or a GET carrying a
 * CSRF header (src/browser: Yoga refuses a GET without one, so the cache must not answer it) that is not
 * for GraphiQL's page. Anything else (multipart, GraphiQL) goes on as before.
 * @param request - the client's request
 */
function cacheable(request: Request): boolean {
  if (request.method === "POST") return /^application\/json\b/i.test(request.headers.get("content-type") ?? "");
  return (
    request.method === "GET" &&
    !(request.headers.get("accept") ?? "").includes("text/html") &&
    CSRF_HEADERS.some((name) => request.headers.has(name))
  );
}

/**
 * The Junction Hono app. Middleware in order: request id (+ child logger), gateway (config),
 * CORS. Routes: `/graphql` (WebSocket upgrades to the realtime shards; then authentication, rate limits,
 * body limit, SSE subscriptions to the realtime shards, file uploads, the response cache (src/cache, for
 * JSON POSTs and GETs, when `responseCache` or `@cacheControl` is set), the fast lane (src/fastlane, with
 * `execution.fastLane`; stored documents too, and with `trustedDocuments.mode` "require" only those) for JSON
 * POSTs, else Yoga; PUT, PATCH and DELETE are 405
 * `METHOD_NOT_ALLOWED`), `/healthz`, `/.well-known/jwks.json`, `/admin/*`, `POST /events/{topic}` (see
 * `eventRoutes`; no CORS and no `rateLimits`: server-to-server, authorised by a secret), `GET`/`HEAD
 * /files/{key}` (see `fileRoutes`: R2 downloads by `files.rules` or a signed URL; 404 without `files`).
 *
 * @param options - the raw config and tuning; see {@link GatewayOptions}
 * @returns the app; `app.fetch(request, env, ctx)` is a Worker fetch handler
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const log = options.log ?? createLogger();
  const app = new Hono<AppEnv>();
  // One fast lane (its decision cache) per gateway: a new config never sees another's decisions.
  const lanes = new WeakMap<Gateway, FastLane>();
  const laneOf = (gateway: Gateway): FastLane => {
    let lane = lanes.get(gateway);
    if (lane === undefined) {
      const mode = gateway.config.trustedDocuments.mode;
      lane = createFastLane({ documents: { mode, lookup: (params) => documentText(gateway, mode, params) } });
      lanes.set(gateway, lane);
    }
    return lane;
  };

  app.use(requestId({ log }));
  app.use(gateway(options, log));
  app.use(gatewayCors());

  const jsonBodyLimit = graphqlBodyLimit<AppEnv>((c) => c.get("gateway").config);
  // A multipart request (file upload) is bounded by the files' limits instead, while it is read (src/files).
  const bodyLimit: MiddlewareHandler<AppEnv> = (c, next) =>
    isUploadRequest(c.req.raw, c.get("gateway").config.files) ? next() : jsonBodyLimit(c, next);
  app.on(["GET", "POST"], "/graphql", realtimeUpgrade(), authentication(), rateLimits(), bodyLimit, async (c) => {
    const gateway = c.get("gateway");
    const stream = await routeEventStream(gateway, c.env, c.req.raw, c.get("requestId"), c.get("session"));
    if (stream !== undefined) return stream;
    const context = await createGatewayContext({
      gateway,
      env: c.env,
      executionCtx: c.executionCtx,
      log: c.get("log"),
      requestId: c.get("requestId"),
      headers: c.req.raw.headers,
      session: c.get("session"),
      origin: new URL(c.req.url).origin,
    });
    // With OTEL_EXPORTER_OTLP_ENDPOINT set, the request's operation span wraps every path below (src/tracing).
    const response = await traceOperation(c.req.raw, context, async () => {
      const files = gateway.config.files;
      if (files !== undefined && isUploadRequest(c.req.raw, files)) return graphqlWithUploads(c, context, files);
      const schema = async () =>
        gateway.permissions.schemaFor(
          await gateway.registry.getSchema((promise) => c.executionCtx.waitUntil(promise)),
          c.get("session"),
        );
      // With `trustedDocuments.mode` "require" the lane takes only stored documents: a sent query goes to
      // Yoga, whose useTrustedDocuments refuses it (PERSISTED_QUERY_ONLY).
      const run = async (request: Request): Promise<Response> => {
        if (gateway.config.execution.fastLane) {
          const lane = laneOf(gateway);
          if (lane.takes(request)) {
            return lane.serve({ request, context, schema, yoga: (req, ctx) => gateway.yoga.fetch(req, ctx) });
          }
        }
        return gateway.yoga.fetch(request, context);
      };
      // The response cache (src/cache) first, for JSON POSTs and GETs: a hit skips the lane and Yoga.
      if (gateway.responseCache.enabled && cacheable(c.req.raw)) {
        const mode = gateway.config.trustedDocuments.mode;
        return serveCached({
          cache: gateway.responseCache,
          request: c.req.raw,
          context,
          schema,
          sentQueries: mode !== "require",
          documentText: (params) => documentText(gateway, mode, params),
          run,
        });
      }
      return run(c.req.raw);
    });
    // Server-Timing and the per-operation log line (src/observability).
    return observed(c, context, response);
  });

  // RFC 9110 section 15.5.6: /graphql exists, so another method is 405 with Allow, not 404.
  app.on(["PUT", "PATCH", "DELETE"], "/graphql", (c) => {
    const error = new GatewayError(ErrorCode.METHOD_NOT_ALLOWED, `/graphql takes GET and POST, not ${c.req.method}.`);
    return error.toGraphQLResponse({ allow: "GET, POST" });
  });

  app.get("/.well-known/jwks.json", async (c) => {
    const jwks = await (await c.get("gateway").tokenSigner())?.jwks();
    if (jwks === null || jwks === undefined) {
      const message = "No JWKS: x-gateway-token is not signed with EdDSA (GATEWAY_TOKEN_PRIVATE_KEY is not set).";
      return new GatewayError(ErrorCode.NOT_FOUND, message).toResponse();
    }
    return c.json(jwks, 200, { "cache-control": "public, max-age=300" });
  });

  app.get("/healthz", async (c) => {
    const {
      status: schemaStatus,
      schemaHash,
      remotes,
      joins,
    } = await c.get("gateway").registry.status((promise) => c.executionCtx.waitUntil(promise));
    // A gateway token key that cannot be imported fails the calls that need a token: degraded.
    const tokenBroken = await c
      .get("gateway")
      .tokenSigner()
      .then(
        () => false,
        () => true,
      );
    const status = tokenBroken && schemaStatus === "ok" ? "degraded" : schemaStatus;
    return c.json(
      {
        status,
        schemaHash,
        remotes: Object.fromEntries(remotes.map((remote) => [remote.name, remote.status])),
        ...(joins.length > 0 ? { joins: Object.fromEntries(joins.map((join) => [join.name, join.status])) } : {}),
        ...(tokenBroken ? { gatewayToken: "error" } : {}),
      },
      status === "unavailable" ? 503 : 200,
    );
  });

  app.route("/admin", adminRoutes());
  app.route("/events", eventRoutes());
  app.route(
    "/files",
    fileRoutes<AppEnv>({
      authenticate: (c) =>
        authenticateRequest(c.get("gateway"), c.req.raw.headers, c.env, {
          waitUntil: (promise) => c.executionCtx.waitUntil(promise),
        }),
    }),
  );

  app.notFound((c) => new GatewayError(ErrorCode.NOT_FOUND, `No route for ${c.req.method} ${c.req.path}`).toResponse());

  app.onError((error, c) => {
    if (error instanceof GatewayError) return error.toResponse();
    (c.get("log") ?? log).error({ error: String(error), stack: (error as Error).stack }, "unhandled error");
    return new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, "Unexpected error.").toResponse();
  });

  return app;
}
