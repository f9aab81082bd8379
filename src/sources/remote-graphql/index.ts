/**
 * sources/remote-graphql/: remote GraphQL schemas (Hasura's remote schemas). Introspection, the
 * executors (executor-http for stitching, a lean one for passthrough), Hasura's customization as
 * graphql-tools transforms, and {@link createRemoteSource}, which the schema registry holds one of per
 * remote. Calls go out through the upstream pipeline (src/upstream).
 */
import type { SubschemaConfig } from "@graphql-tools/delegate";
import type { Executor } from "@graphql-tools/utils";
import type { GraphQLSchema } from "graphql";
import type { RemoteConfig } from "../../config";
import type { CustomizedNames, PassthroughExecutor } from "../../shared";
import type { UpstreamPipeline } from "../../upstream";
import { customizationTransforms, customizedNames } from "./customization";
import { createContextualExecutor, createPassthroughExecutor } from "./executor";
import { type IntrospectedRemote, introspectRemote } from "./introspect";

export { customizationTransforms, customizedNames } from "./customization";
export {
  createContextualExecutor,
  createPassthroughExecutor,
  createRemoteExecutor,
  publicRemoteErrors,
} from "./executor";
export { type IntrospectedRemote, introspectRemote, schemaFromIntrospection } from "./introspect";

/** One remote schema as the registry holds it: its config, its executors, introspection and subschemas. */
export interface RemoteSource {
  /** The remote's validated config. */
  config: RemoteConfig;
  /** The executor stitching delegates to (per-request executor-http behind it). */
  executor: Executor;
  /** The executor for operations the remote answers alone, as written (see the passthrough plugin). */
  passthrough: PassthroughExecutor;
  /**
   * Introspects the remote now.
   * @throws UpstreamError UPSTREAM_* or INTROSPECTION_FAILED
   */
  introspect(): Promise<IntrospectedRemote>;
  /**
   * The subschema config of the remote for a schema of it: its executor, its customization transforms,
   * and `batch: true` so all root fields of one operation that go to this remote are sent as one request.
   * @param schema - its client schema (from introspection or KV)
   */
  subschema(schema: GraphQLSchema): SubschemaConfig & { name: string };
  /**
   * Its customization as rename functions, for joins and merging.
   * @param schema - its own schema
   */
  names(schema: GraphQLSchema): CustomizedNames;
}

/**
 * Creates the long-lived pieces of one remote schema. Cheap: no I/O until introspect() or a call.
 * @param remote - the remote's validated config
 * @param pipeline - the isolate's upstream pipeline
 * @returns the source
 */
export function createRemoteSource(remote: RemoteConfig, pipeline: UpstreamPipeline): RemoteSource {
  const executor = createContextualExecutor(remote, pipeline);
  return {
    config: remote,
    executor,
    passthrough: createPassthroughExecutor(remote, pipeline),
    introspect: () => introspectRemote(remote, pipeline),
    subschema: (schema) => ({
      name: remote.name,
      schema,
      executor,
      batch: true,
      transforms: customizationTransforms(remote.customization, schema),
    }),
    names: (schema) => customizedNames(remote.customization, schema),
  };
}
