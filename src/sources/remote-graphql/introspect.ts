import type { ExecutionResult } from "@graphql-tools/utils";
import { buildClientSchema, type GraphQLSchema, getIntrospectionQuery, type IntrospectionQuery, parse } from "graphql";
import type { RemoteConfig } from "../../config";
import { ErrorCode, UpstreamError } from "../../errors";
import type { UpstreamPipeline } from "../../upstream";
import { createRemoteExecutor } from "./executor";

/**
 * The introspection query, asking for deprecated arguments and input fields too (`includeDeprecated` on
 * `__Field.args` and `__Type.inputFields`, GraphQL spec September 2025, section 4.2.2), so `@deprecated` on
 * them survives into the composed schema.
 */
const INTROSPECTION_DOCUMENT = parse(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));

/** The introspection query of servers from before input value deprecation (graphql-js before 15.x). */
const LEGACY_INTROSPECTION_DOCUMENT = parse(getIntrospectionQuery({ descriptions: true }));

/** Whether an introspection answer's errors say the server does not know `includeDeprecated` on args. */
const refusesInputValueDeprecation = (errors: readonly { message: string }[] | undefined): boolean =>
  (errors ?? []).some((error) => /includeDeprecated|isDeprecated|deprecationReason/.test(error.message));

/** A remote's introspection result, parsed and as the exact JSON text stored in KV. */
export interface IntrospectedRemote {
  /** The `data` of the introspection query (GraphQL spec, section 4 "Introspection"). */
  introspection: IntrospectionQuery;
  /** `JSON.stringify(introspection)`: what is hashed and cached. */
  json: string;
  /** The client schema built from it. */
  schema: GraphQLSchema;
}

/**
 * Builds a client schema from an introspection result.
 * @param introspection - the `data` of an introspection query
 * @param remoteName - for the error message
 * @returns the schema (no resolvers: execution is delegated)
 * @throws UpstreamError INTROSPECTION_FAILED when the result is not a valid schema
 */
export function schemaFromIntrospection(introspection: unknown, remoteName: string): GraphQLSchema {
  const data = introspection as IntrospectionQuery | null;
  if (data === null || typeof data !== "object" || typeof data.__schema !== "object" || data.__schema === null) {
    throw new UpstreamError(
      ErrorCode.INTROSPECTION_FAILED,
      remoteName,
      `Remote schema "${remoteName}" returned no __schema in its introspection result`,
    );
  }
  try {
    return buildClientSchema(data, { assumeValid: false });
  } catch (cause) {
    throw new UpstreamError(
      ErrorCode.INTROSPECTION_FAILED,
      remoteName,
      `Remote schema "${remoteName}" returned an invalid schema: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Introspects one remote with its `introspectionHeaders` (default: `headers`), through the upstream
 * pipeline outside any request: no client header is forwarded and no gateway token is sent.
 *
 * @param remote - the remote's validated config
 * @param pipeline - the isolate's upstream pipeline
 * @returns the introspection result, its JSON and the client schema
 * @throws UpstreamError with UPSTREAM_TIMEOUT / UPSTREAM_UNAVAILABLE / UPSTREAM_INVALID_RESPONSE /
 *   UPSTREAM_HTTP_ERROR when the call fails, INTROSPECTION_FAILED when the answer is not a schema
 */
export async function introspectRemote(remote: RemoteConfig, pipeline: UpstreamPipeline): Promise<IntrospectedRemote> {
  const upstream = {
    ...remote,
    headers: remote.introspectionHeaders ?? remote.headers,
    forwardClientHeaders: [],
    gatewayToken: false,
  };
  const executor = createRemoteExecutor(upstream, pipeline, undefined);
  let result = (await executor({ document: INTROSPECTION_DOCUMENT })) as ExecutionResult<IntrospectionQuery>;
  if (result.data == null && refusesInputValueDeprecation(result.errors)) {
    result = (await executor({ document: LEGACY_INTROSPECTION_DOCUMENT })) as ExecutionResult<IntrospectionQuery>;
  }
  if (result.data?.__schema === undefined || result.data?.__schema === null) {
    const first = result.errors?.[0];
    // Transport and body failures arrive as our own UpstreamErrors (see executor.ts).
    if (first?.originalError instanceof UpstreamError) throw first.originalError;
    const reasons = (result.errors ?? []).map((error) => error.message).join("; ");
    throw new UpstreamError(
      ErrorCode.INTROSPECTION_FAILED,
      remote.name,
      `Introspection of remote schema "${remote.name}" failed${reasons ? `: ${reasons}` : ": no data"}`,
    );
  }
  const introspection = result.data;
  const schema = schemaFromIntrospection(introspection, remote.name);
  return { introspection, json: JSON.stringify(introspection), schema };
}
