import { type DocumentNode, type GraphQLSchema, parse } from "graphql";
import type { GraphQLParams, Plugin } from "graphql-yoga";
import type { PermissionSet } from "../../auth";
import type { SchemaRegistry } from "../../compose";
import type { GatewayContext } from "../../shared";
import { passthroughTarget } from "./use-passthrough";

/** Options of {@link useRegistrySchema}. */
export interface RegistrySchemaOptions {
  /** Where the schema comes from, per request. */
  registry: SchemaRegistry;
  /** Which schema each request's session sees. */
  permissions: PermissionSet;
}

/** The document of a request's query, or null when it does not parse (Yoga then answers the syntax error). */
function parsed(query: string | undefined): DocumentNode | null {
  try {
    return query === undefined ? null : parse(query);
  } catch {
    return null;
  }
}

/** Resolves once the current task and the response it returned are done (a zero-delay timer). */
const afterResponse = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Yoga plugin: the schema each request executes against, taken from the registry per request (so
 * reloads apply at once) and narrowed to what the request's session may see (the role's schema, built
 * once per role).
 *
 * Before the isolate's first composition (cold start), an operation that one remote answers alone is
 * validated and executed against that remote's own schema (`registry.early()`; lazy stitching): the
 * remote is loaded from KV or introspected, never stitched, before the first answer. This applies only
 * to sessions that see the whole schema, to single (not batched) operations the passthrough plugin would
 * send to that remote as written, and to documents that do not parse (a syntax error needs no schema);
 * never to requests without a query text (a trusted document named by id: its text is read later);
 * the answer and its errors are the ones the composed schema gives. The composition then runs in the
 * background once the answer is out (`waitUntil`), and every other request waits for it as before.
 *
 * @param options - the registry and the permissions
 * @returns the plugin; it replaces Yoga's `schema` option
 */
export function useRegistrySchema(options: RegistrySchemaOptions): Plugin<Record<string, unknown>, GatewayContext> {
  const { registry, permissions } = options;
  const schemas = new WeakMap<Request, GraphQLSchema>();
  const composeAfter = new WeakSet<Request>();
  /** Set once the registry has served a composed schema: from then on there is no early path to try. */
  let composed = false;

  /** The remote's own schema when it may stand in for the composed one for these params, else undefined. */
  async function earlyFor(params: GraphQLParams | GraphQLParams[], context: GatewayContext) {
    if (composed || Array.isArray(params) || !permissions.seesWholeSchema(context.session)) return undefined;
    // No query text yet (a trusted document's id, resolved later in onParams): its text is unknown here.
    if (!params.query) return undefined;
    const early = await registry.early();
    if (early === undefined) {
      composed = true;
      return undefined;
    }
    const document = parsed(params.query);
    if (document === null) return early.schema;
    return passthroughTarget(early.schema, document, params.operationName) === early.source ? early.schema : undefined;
  }

  return {
    onRequestParse({ request, serverContext }) {
      const context = serverContext as unknown as GatewayContext;
      return {
        async onRequestParseDone({ requestParserResult }) {
          const early = await earlyFor(requestParserResult, context);
          if (early !== undefined) {
            schemas.set(request, early);
            composeAfter.add(request);
            return;
          }
          const full = await registry.getSchema((promise) => context.executionCtx.waitUntil(promise));
          composed = true;
          schemas.set(request, permissions.schemaFor(full, context.session));
        },
      };
    },
    onEnveloped({ setSchema, context }) {
      const request = (context as { request?: Request } | undefined)?.request;
      const schema = request === undefined ? undefined : schemas.get(request);
      if (schema === undefined) throw new Error("No schema was resolved for this request");
      setSchema(schema);
    },
    onResponse({ request, serverContext }) {
      if (!composeAfter.has(request)) return;
      const context = serverContext as unknown as GatewayContext;
      // Compose once this answer is out; a failure is logged by the registry and retried on next use.
      context.executionCtx.waitUntil(
        afterResponse()
          .then(() => registry.getSchema((promise) => context.executionCtx.waitUntil(promise)))
          .then(
            () => undefined,
            () => undefined,
          ),
      );
    },
  };
}
