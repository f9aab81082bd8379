import { GraphQLError } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { composedSchemaOf, type PermissionSet, usePermissions } from "../auth";
import { useCsrfPrevention, useGraphiQLContentSecurityPolicy } from "../browser";
import { type ResponseCache, useResponseCachePurge } from "../cache";
import type { SchemaRegistry } from "../compose";
import type { IntrospectionConfig, LimitsConfig } from "../config";
import { type TrustedDocumentsOptions, useTrustedDocuments } from "../documents";
import { ErrorCode, maskError } from "../errors";
import { useJoinLimits } from "../joins";
import { resolveLimits, useOperationLimits } from "../limits";
import { type Logger, useObservation } from "../observability";
import { type PlanCache, usePlans } from "../plans";
import type { GatewayContext } from "../shared";
import { useTracing } from "../tracing";
import { useDeprecationUsage } from "../usage";
import { usePassthrough, useRegistrySchema, useRequestErrors, useUpstreamCookies } from "./plugins";

/** Options of {@link createGatewayYoga}. */
export interface GatewayYogaOptions {
  /** Where the schema comes from, per request. */
  registry: SchemaRegistry;
  /** Which schema each request's session sees. */
  permissions: PermissionSet;
  /** Serve GraphiQL to browsers at the endpoint. @default true */
  graphiql?: boolean;
  /** Base logger for Yoga's own messages. */
  log: Logger;
  /** Operation and join limits, per role (`limits` of the config). */
  limits: LimitsConfig;
  /** Who may introspect (`introspection` of the config). @default every role */
  introspection?: IntrospectionConfig;
  /**
   * The isolate's plan cache: operations over several sources run their cached query plan (usePlans).
   * Without it (the realtime layer), they run through stitching. @default undefined
   */
  plans?: PlanCache;
  /** `execution.queryPlans` of the config: false runs every operation through stitching. @default true */
  queryPlans?: boolean;
  /**
   * Trusted documents (`trustedDocuments.mode` "allow" or "require") and their store; absent with "off".
   * @default undefined
   */
  trustedDocuments?: TrustedDocumentsOptions;
  /**
   * The gateway's response cache: mutations that reach Yoga without the HTTP cache path purge the cached
   * answers holding the entities they return (useResponseCachePurge). @default undefined (no purges)
   */
  responseCache?: ResponseCache;
}

/**
 * The plugins that validate and execute an operation, in order: the observation (Server-Timing and the
 * per-operation log line, src/observability), permissions (the role's schema and its
 * execution), limits (joins, then the operation limits, each per role), then the usage count of
 * deprecated elements (src/usage, once per validated operation), then the response cache's mutation purges
 * (src/cache), then the fast lane for operations
 * one remote answers alone, then query plans for operations over several sources (when a plan cache is given). Yoga runs them for HTTP; the realtime layer runs the same list (through
 * {@link createGatewayEnvelop}) for WebSocket and SSE operations, so both are checked alike.
 * @param options - limits, introspection and suggestions of the config
 * @returns the plugins
 */
export function executionPlugins(
  options: Pick<GatewayYogaOptions, "limits" | "introspection" | "plans" | "queryPlans" | "responseCache">,
): Plugin<Record<string, unknown>, GatewayContext>[] {
  const limits = { limits: options.limits, introspection: options.introspection ?? { disabledForRoles: [] } };
  return [
    // Measures parse, validate and a plan's execution, names the operation, and records the answer's
    // error codes for Server-Timing and the per-operation log line (src/observability).
    useObservation(),
    usePermissions({ fieldSuggestions: options.limits.fieldSuggestions }),
    useJoinLimits((context) => resolveLimits(limits, context.session)),
    useOperationLimits(limits),
    // Counts validated operations that touch deprecated elements: after every validation rule above, and
    // before the passthrough and plans, which stop execution early (it counts at validation anyway).
    useDeprecationUsage(),
    // Mutation purges of the response cache: before the passthrough and plans, which stop execution early.
    ...(options.responseCache?.enabled === true ? [useResponseCachePurge(options.responseCache)] : []),
    usePassthrough(),
    ...(options.plans === undefined
      ? []
      : [usePlans({ cache: options.plans, enabled: options.queryPlans, composedOf: composedSchemaOf })]),
  ] as Plugin<Record<string, unknown>, GatewayContext>[];
}

/**
 * The per-isolate Yoga server: GraphQL over HTTP (POST and GET; `application/json` and
 * `application/graphql-response+json`), GraphiQL, our error masking, and the plugins below in one
 * visible list. The schema is taken from the registry on every request, so reloads apply at once, and
 * narrowed to what the request's session may see (the role's schema, built once per role).
 *
 * @param options - registry, permissions, GraphiQL switch, logger, limits and introspection
 * @returns a Yoga instance whose `fetch(request, context)` takes a {@link GatewayContext}
 * @see https://graphql.github.io/graphql-over-http/draft/
 */
export function createGatewayYoga(options: GatewayYogaOptions): YogaServerInstance<GatewayContext, object> {
  const { registry, permissions, log } = options;
  return createYoga<GatewayContext>({
    graphqlEndpoint: "/graphql",
    graphiql: options.graphiql === false ? false : { title: "Junction" },
    landingPage: false,
    cors: false,
    // File uploads (GraphQL multipart requests) are off: such requests are refused (see useCsrfPrevention).
    multipart: false,
    maskedErrors: {
      maskError(error, message) {
        const masked = maskError(error, message);
        if ((masked as GraphQLError).extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
          const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
          log.error({ error: String(original), stack: (original as Error)?.stack }, "masked unexpected error");
        }
        return masked;
      },
    },
    logging: {
      debug: () => undefined,
      info: (...args: unknown[]) => log.info({ args: args.map(String) }, "yoga"),
      warn: (...args: unknown[]) => log.warn({ args: args.map(String) }, "yoga"),
      error: (...args: unknown[]) => log.error({ args: args.map(String) }, "yoga"),
    },
    // The plugins, in order. CSRF prevention first (before anything reads the request), then coded 400/415
    // answers for requests Yoga cannot read (plugins/use-request-errors.ts), then tracing (names the operation
    // span, records error codes; src/tracing), then trusted documents (a
    // document id becomes its stored text, a query is refused in "require" mode), then permissions (the role's
    // schema and its execution), then limits (joins, then the operation limits, each per role), then the
    // fast lane for operations one remote answers alone, then cookies and GraphiQL's
    // Content-Security-Policy on the way out. The schema comes from useRegistrySchema (no `schema` option).
    plugins: [
      useCsrfPrevention(),
      useRequestErrors(),
      // The request's operation span (src/tracing): the operation's name and type, its error codes.
      useTracing(),
      ...(options.trustedDocuments === undefined ? [] : [useTrustedDocuments(options.trustedDocuments)]),
      useRegistrySchema({ registry, permissions }),
      ...executionPlugins(options),
      useUpstreamCookies(),
      useGraphiQLContentSecurityPolicy(),
    ],
  });
}
