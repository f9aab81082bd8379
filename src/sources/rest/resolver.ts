import DataLoader from "dataloader";
import {
  type FieldDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  getNullableType,
  isListType,
} from "graphql";
import type { EndpointConfig, ServiceConfig } from "../../config";
import { ErrorCode, GatewayError, UpstreamError } from "../../errors";
import { type BatchKey, batchArguments, batchCacheKey, batchShareKey, matchByKey } from "../../joins";
import { isUpstreamContext, requestMemo, type UpstreamContext } from "../../shared";
import { fieldScope, renderJsonTemplate, renderValue, type TemplateScope } from "../../templates";
import type { UpstreamPipeline } from "../../upstream";
import { buildRestRequest, callRest } from "./call";
import { checkFits, selectPath } from "./mapping";

/** A field bound to a REST endpoint by `@rest`. */
export interface RestBinding {
  /** The parent type's name. */
  typeName: string;
  /** The field's definition. */
  field: FieldDefinitionNode;
  /** The service called. */
  service: ServiceConfig;
  /** The endpoint's name, for messages. */
  endpointName: string;
  /** The endpoint called. */
  endpoint: EndpointConfig;
  /** The directive's `args` (templates), merged over the field's arguments. */
  extraArgs: Record<string, unknown> | undefined;
  /** With `batch: true`, the key. */
  batch: BatchKey | undefined;
}

/** The binding of each resolver {@link createRestResolver} made. */
const bindings = new WeakMap<object, RestBinding>();

/**
 * The binding of a `@rest` resolver (what the fast lane needs to know whether a root field is one
 * unbatched GET it may call itself, src/fastlane).
 * @param resolver - a field's `resolve`
 * @returns the binding, or undefined when `resolver` is not a `@rest` resolver
 */
export function restBindingOf(resolver: unknown): RestBinding | undefined {
  return typeof resolver === "function" ? bindings.get(resolver) : undefined;
}

/** Owner of the GET calls deduplicated within one request (see requestMemo). */
const GET_CALLS = {};

/**
 * The resolver of a `@rest` field: renders the endpoint's templates, calls it through the upstream
 * pipeline, picks `select`, and checks the answer fits the selected fields. Within one request an
 * identical GET of a query is sent once; with `batch: true`, the parents of a level share one call
 * (DataLoader) whose items are matched back by the endpoint's `keyField`.
 *
 * @param binding - the field, service and endpoint
 * @param pipeline - the isolate's upstream pipeline
 * @returns the resolver; it throws GraphQLErrors carrying UPSTREAM_* codes, `serviceName` and `endpoint`
 * @see https://spacecloud.io/docs/microservices/graphql/ (Space Cloud remote services)
 */
export function createRestResolver(
  binding: RestBinding,
  pipeline: UpstreamPipeline,
): GraphQLFieldResolver<unknown, unknown> {
  const { service, endpointName, endpoint, extraArgs, batch } = binding;
  const label = `Service "${service.name}" endpoint "${endpointName}"`;

  function send(scope: TemplateScope, ctx: UpstreamContext | undefined, info: GraphQLResolveInfo): Promise<unknown> {
    const request = buildRestRequest(service, endpoint, scope);
    const call = () => callRest(service, endpointName, request, pipeline, ctx);
    if (ctx === undefined || request.method !== "GET" || info.operation.operation !== "query") return call();
    const key = `${service.name}\n${request.key}`;
    // The fast lane's calls of this request (src/fastlane): Yoga's run after the lane finds the lane's call.
    const handed = ctx.fastLane?.restCalls;
    if (handed === undefined) return requestMemo(ctx, GET_CALLS, key, call);
    return requestMemo(ctx, GET_CALLS, key, () => {
      let made = handed.get(key);
      if (made === undefined) {
        made = call();
        handed.set(key, made);
      }
      return made;
    });
  }

  /**
   * The loader of this field in one request: one call with every key of a level (DataLoader batches
   * what one tick asks for), items matched back by the endpoint's keyField. Keyed by the arguments
   * other than the key, so parents at other places of the query share it when their call would be the same.
   */
  function loaderFor(
    key: BatchKey,
    scope: TemplateScope,
    ctx: UpstreamContext | undefined,
    info: GraphQLResolveInfo,
  ): DataLoader<unknown, unknown[]> {
    const create = () =>
      new DataLoader<unknown, unknown[]>(
        async (keys) => {
          const args = { ...scope.args, ...batchArguments(extraArgs ?? {}, key, keys, scope) };
          const items = selectPath(await send({ args, session: scope.session }, ctx, info), endpoint.select);
          if (!Array.isArray(items)) {
            throw new UpstreamError(
              ErrorCode.UPSTREAM_INVALID_RESPONSE,
              service.name,
              `${label} answered a batched call with ${items === null ? "null" : typeof items}, not a list of items to match by "${endpoint.keyField}"`,
              { extensions: { endpoint: endpointName, responsePath: endpoint.select ?? "" } },
            );
          }
          return matchByKey(items, endpoint.keyField as string, keys);
        },
        { cacheKeyFn: batchCacheKey },
      );
    if (ctx === undefined) return create();
    const shared = `${JSON.stringify(scope.args)}\n${batchShareKey(extraArgs ?? {}, key, scope)}`;
    return requestMemo(ctx, binding, shared, create);
  }

  const resolver: GraphQLFieldResolver<unknown, unknown> = async function restResolver(parent, args, context, info) {
    const ctx = isUpstreamContext(context) ? context : undefined;
    const base = fieldScope(parent, args, context);
    try {
      let value: unknown;
      if (batch !== undefined) {
        const key = renderValue(batch.template, base);
        const many = isListType(getNullableType(info.returnType));
        if (key === undefined || key === null) return many ? [] : null;
        const group = await loaderFor(batch, base, ctx, info).load(key);
        value = many ? group : (group[0] ?? null);
      } else {
        const scope =
          extraArgs === undefined
            ? base
            : { ...base, args: { ...args, ...(renderJsonTemplate(extraArgs, base) as object) } };
        value = selectPath(await send(scope, ctx, info), endpoint.select);
      }
      const misfit = checkFits(value, info.returnType, info.fieldNodes, info, info.fieldName);
      if (misfit) {
        throw new UpstreamError(
          ErrorCode.UPSTREAM_INVALID_RESPONSE,
          service.name,
          `${label} answered with data that does not fit the schema at ${misfit.path}: ${misfit.message}`,
          { extensions: { endpoint: endpointName, responsePath: misfit.path } },
        );
      }
      return value;
    } catch (error) {
      if (error instanceof GatewayError) throw error.toGraphQLError();
      throw error;
    }
  };
  bindings.set(resolver, binding);
  return resolver;
}
