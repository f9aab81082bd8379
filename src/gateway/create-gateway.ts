import type { YogaServerInstance } from "graphql-yoga";
import {
  type Authenticator,
  createAuthenticator,
  createGatewayTokenSigner,
  createPermissionSet,
  type GatewayTokenSigner,
  PERMISSION_FILES_DIR,
  type PermissionSet,
} from "../auth";
import {
  type CacheHints,
  createResponseCache,
  forwardedHeaders,
  mergeCacheHints,
  type ResponseCache,
  readSdlCacheHints,
} from "../cache";
import { createSchemaCache, createSchemaRegistry, remotePublishConfigProblems, type SchemaRegistry } from "../compose";
import { type GatewayConfig, loadConfig } from "../config";
import { createDocumentStore, type DocumentStore } from "../documents";
import { ConfigError } from "../errors";
import { buildFilesSchema, UploadScalar } from "../files";
import { createGatewayYoga } from "../graphql";
import type { AllowedChange } from "../lifecycle";
import { applyModules, type ModuleBundle } from "../modules";
import type { Logger } from "../observability";
import { createPlanCache, type PlanCache } from "../plans";
import { checkRateLimitBindings } from "../rate-limits";
import type { FetchFn, GatewayContext } from "../shared";
import { buildRestSchema, createRemoteSource, type RestSchema, type SchemaFile, type TopicBinding } from "../sources";
import { createEventTriggers, type EventTriggers, triggerBindingProblems } from "../triggers";
import { checkServiceBindings, createUpstreamPipeline, type UpstreamPipeline } from "../upstream";

/** The `Upload` scalar's declaration, added to the SDL files when `files` is set and no file declares it. */
const UPLOAD_SCALAR_FILE = { path: "schemas/(built in: files).graphql", sdl: "scalar Upload" };

/** How the SDL of schemas/*.graphql is named in conflicts and logs. */
export const LOCAL_SDL_NAME = "schemas/*.graphql";

/** How the built-in file fields (`files.graphql`) are named in conflicts and logs. */
export const FILES_SUBSCHEMA_NAME = "files";

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** The raw config (`schemas/gateway.json`), validated here. */
  config: unknown;
  /** KV key prefix, so several gateways can share one namespace. @default "junction:" */
  kvPrefix?: string;
  /** How often (ms) an isolate looks for reloads made elsewhere. @default 60000 */
  pollIntervalMs?: number;
  /** How often (ms) an isolate retries remotes that failed to load. @default 10000 */
  retryIntervalMs?: number;
  /** Fetch at the end of the upstream pipeline (upstream calls, JWKS). @default globalThis.fetch */
  fetch?: FetchFn;
  /**
   * The SDL files of schemas/: REST-backed fields and types, and role permissions under
   * `schemas/permissions/<role>.graphql`. @default []
   */
  schemaFiles?: readonly SchemaFile[];
  /** Breaking changes the reload guard accepts (schemas/allowed-changes.json). @default [] */
  allowedChanges?: readonly AllowedChange[];
  /** The modules `config.modules` lists, bundled by scripts/gen-schema-files.mjs (see src/modules). @default [] */
  modules?: readonly ModuleBundle[];
}

/** Everything one isolate keeps between requests: the config, the schema registry and Yoga. */
export interface Gateway {
  /** The validated config with `{{env.X}}` resolved. */
  config: GatewayConfig;
  /** Schema loading, polling and reload. */
  registry: SchemaRegistry;
  /** The GraphQL server. */
  yoga: YogaServerInstance<GatewayContext, object>;
  /** Identifies the caller of each request (JWT, admin secret, session variables). */
  authenticator: Authenticator;
  /** The schema each role sees. */
  permissions: PermissionSet;
  /** The isolate's query plans (`execution.planCache`), read by `GET /admin/plans`. */
  plans: PlanCache;
  /** The trusted documents (`trustedDocuments`) and Apollo APQ registrations, in KV under the gateway's prefix. */
  documents: DocumentStore;
  /** The edge response cache (`responseCache`, `@cacheControl`): hints, policies, keys and purges. */
  responseCache: ResponseCache;
  /** The event triggers (`events.triggers`): enqueuing published events, dead letters, resends. */
  triggers: EventTriggers;
  /** The Subscription fields bound to event topics (`@topic` in schemas/*.graphql), by field name. */
  topics: ReadonlyMap<string, TopicBinding>;
  /**
   * The `x-gateway-token` signer, created on first use from `gatewayToken` and the secrets, its key
   * imported once (the same promise afterwards). Resolves null when neither token secret is set.
   * @throws GatewayError `INVALID_CONFIG` (as a rejection, on every call) for an unusable key secret
   */
  tokenSigner(): Promise<GatewayTokenSigner | null>;
}

/** The gateway options, or a function of the bindings giving them (one bundle, config in bindings: tests, benchmarks). */
export type GatewayOptionsSource = GatewayOptions | ((env: Env) => GatewayOptions);

/**
 * {@link createGateway} for a Durable Object: the options as given, or read from its bindings.
 * @param source - the options, or a function of the bindings giving them
 * @param env - the object's bindings
 * @param log - the object's logger
 * @returns the gateway
 * @throws ConfigError as {@link createGateway}
 */
export function createGatewayFrom(source: GatewayOptionsSource, env: Env, log: Logger): Gateway {
  return createGateway(typeof source === "function" ? source(env) : source, env, log);
}

/**
 * The config and SDL files with the modules merged in (src/modules), validated against `env` (variables,
 * service bindings, and what `events.triggers` needs); a problem inside a module's entry is located in its `module.json`.
 * @throws ConfigError as {@link createGateway}
 */
function loadWithModules(options: GatewayOptions, env: Env): { config: GatewayConfig; schemaFiles: SchemaFile[] } {
  const applied = applyModules(options.config, options.modules ?? [], options.schemaFiles ?? []);
  try {
    const config = loadConfig(applied.config, env as unknown as Record<string, unknown>);
    // The service bindings of remotes and services (a module's too) must be bound, like {{env.X}} set.
    checkServiceBindings(config, env);
    // What event triggers need: the queue, EVENTS_SECRET, their service bindings.
    const triggerProblems = triggerBindingProblems(config.events.triggers, env);
    if (triggerProblems.length > 0) throw new ConfigError(triggerProblems);
    return { config, schemaFiles: applied.schemaFiles };
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.problems.map(applied.locate));
    throw error;
  }
}

/**
 * Validates the config against `env` and wires the registry and Yoga. Cheap: no I/O and no schema
 * work happen until the first request asks for the schema.
 *
 * @param options - raw config and tuning
 * @param env - the Worker's bindings (`SCHEMA_CACHE`, the rate limiters of `rateLimits`, the service
 *   bindings of remotes and services with `binding`, and the variables the config references)
 * @param log - the isolate's logger
 * @returns the gateway
 * @throws ConfigError when the config is invalid, references a missing variable, rate limiting binding or
 *   service binding, what `events.triggers` needs (the EVENT_TRIGGERS queue, EVENTS_SECRET, service
 *   bindings), or the SDL files have
 *   problems (each located as `file:line:column`)
 */
export function createGateway(options: GatewayOptions, env: Env, log: Logger): Gateway {
  const { config, schemaFiles } = loadWithModules(options, env);
  checkRateLimitBindings(config.rateLimits, env);
  const tokenLocation = config.auth?.jwt?.header;
  const pipeline = createUpstreamPipeline({
    fetch: options.fetch,
    bindings: env as unknown as Record<string, unknown>,
    // An upstream's Set-Cookie may never replace the cookie the JWT is read from.
    protectedCookies: tokenLocation?.type === "Cookie" ? [tokenLocation.name] : [],
  });
  const { rest, permissions, cacheHints } = buildSchemaFiles(config, schemaFiles, pipeline);
  const responseCache = createResponseCache({
    hints: cacheHints.hints,
    config: config.responseCache,
    sdlHints: cacheHints.sdl,
    namespace: options.kvPrefix,
    fetch: options.fetch,
    configFingerprint: config,
    forwardedHeaders: forwardedHeaders(config),
    sessionHeaderPrefix: config.auth?.sessionHeaderPrefix,
  });
  let authenticator: Authenticator;
  try {
    authenticator = createAuthenticator({
      auth: config.auth,
      fetch: options.fetch,
      log,
      kv: env.SCHEMA_CACHE,
      kvPrefix: options.kvPrefix,
    });
  } catch (error) {
    throw new ConfigError([{ path: "$.auth.jwt", message: (error as Error).message }]);
  }
  const registry = createSchemaRegistry({
    localSubschemas: [
      ...(rest.schema === undefined ? [] : [{ name: LOCAL_SDL_NAME, subschema: { schema: rest.schema } }]),
      ...(config.files?.graphql === true
        ? [{ name: FILES_SUBSCHEMA_NAME, subschema: { schema: buildFilesSchema(config.files) } }]
        : []),
    ],
    extensions: rest.extensions,
    joinFields: rest.joinFields,
    rootResolvers: { Subscription: rest.subscriptionResolvers },
    scalars: config.files === undefined ? [] : [UploadScalar],
    remotes: config.remotes.map((remote) => createRemoteSource(remote, pipeline)),
    cache: createSchemaCache({ kv: env.SCHEMA_CACHE, prefix: options.kvPrefix }),
    log,
    pollIntervalMs: options.pollIntervalMs,
    retryIntervalMs: options.retryIntervalMs,
    guard: {
      deprecation: config.deprecation,
      onBreakingChange: config.reload.onBreakingChange,
      allowedChanges: options.allowedChanges ?? [],
    },
  });
  let signer: Promise<GatewayTokenSigner | null> | undefined;
  const tokenSigner = (): Promise<GatewayTokenSigner | null> => {
    signer ??= (async () => {
      const created = createGatewayTokenSigner(config.gatewayToken, env);
      await created?.ready();
      return created;
    })().catch((error: unknown) => {
      log.error({ error: String(error) }, "invalid gateway token key");
      throw error;
    });
    return signer;
  };
  const plans = createPlanCache(config.execution.planCache);
  const documents = createDocumentStore({ kv: env.SCHEMA_CACHE, prefix: options.kvPrefix });
  const documentsMode = config.trustedDocuments.mode;
  return {
    config,
    registry,
    plans,
    yoga: createGatewayYoga({
      registry,
      permissions,
      graphiql: config.graphiql,
      log,
      limits: config.limits,
      introspection: config.introspection,
      plans,
      queryPlans: config.execution.queryPlans,
      trustedDocuments: documentsMode === "off" ? undefined : { mode: documentsMode, store: documents },
      responseCache,
    }),
    responseCache,
    documents,
    tokenSigner,
    authenticator,
    permissions,
    topics: new Map(rest.topics.map((topic) => [topic.fieldName, topic])),
    triggers: createEventTriggers({ triggers: config.events.triggers, kvPrefix: options.kvPrefix }),
  };
}

/**
 * Checks and builds what the SDL files of schemas/ declare: the REST-backed schema (every file outside
 * `schemas/permissions/`) and the role permissions (the files inside it, plus `permissions` inline).
 * The remotes' `publish` topic templates are checked here too (what needs no remote schema), being the
 * config side of `@publish`.
 * The build step (`scripts/check-config.mjs`) runs it too.
 *
 * @param config - the validated config
 * @param files - every `schemas/**\/*.graphql` file
 * @param pipeline - the upstream pipeline REST calls go through @default createUpstreamPipeline()
 * `@cacheControl` hints (src/cache) are read from the same files and merged with `responseCache`.
 * @returns the REST schema, the permission set and the cache hints (`sdl`: whether any file has one)
 * @throws ConfigError listing every problem, each located as `file:line:column` or a JSON path
 */
export function buildSchemaFiles(
  config: GatewayConfig,
  files: readonly SchemaFile[],
  pipeline?: UpstreamPipeline,
): { rest: RestSchema; permissions: PermissionSet; cacheHints: { hints: CacheHints; sdl: boolean } } {
  const permissionFiles = files.filter((file) => file.path.startsWith(PERMISSION_FILES_DIR));
  const restFiles = files.filter((file) => !file.path.startsWith(PERMISSION_FILES_DIR));
  // With `files`, SDL files use the Upload scalar without declaring it.
  if (config.files !== undefined && !restFiles.some((file) => /\bscalar\s+Upload\b/.test(file.sdl))) {
    restFiles.push(UPLOAD_SCALAR_FILE);
  }
  const rest = buildRestSchema(restFiles, config.services, {
    pipeline,
    remotes: config.remotes.map((remote) => remote.name),
  });
  const { permissions, problems } = createPermissionSet({ config, files: permissionFiles });
  const sdlHints = readSdlCacheHints(restFiles);
  const all = [...rest.problems, ...problems, ...remotePublishConfigProblems(config.remotes), ...sdlHints.problems];
  if (all.length > 0) throw new ConfigError(all);
  const hints = mergeCacheHints(sdlHints, config.responseCache);
  return { rest, permissions, cacheHints: { hints, sdl: sdlHints.types.size + sdlHints.fields.size > 0 } };
}
