import type { SubschemaConfig } from "@graphql-tools/delegate";
import type { Executor } from "@graphql-tools/utils";
import type { GraphQLSchema } from "graphql";
import type { RemoteConfig } from "../../config";
import { customizationTransforms } from "./customization";

export { type CustomizedNames, customizationTransforms, customizedNames } from "./customization";
export {
  createContextualExecutor,
  createPassthroughExecutor,
  createRemoteExecutor,
  type FetchFn,
  isUpstreamContext,
  type RemoteExecutorOptions,
  type UpstreamContext,
} from "./executor";
export {
  buildUpstreamHeaders,
  HOP_BY_HOP_HEADERS,
  requestHeaders,
  type UpstreamHeaderInputs,
  wantsGatewayToken,
} from "./headers";
export { type IntrospectedRemote, introspectRemote, schemaFromIntrospection } from "./introspect";

/**
 * The subschema config of one remote schema: its client schema, its executor, its customization
 * transforms, and `batch: true` so all root fields of one operation that go to this remote are sent
 * as one upstream request.
 *
 * @param remote - the remote's validated config
 * @param schema - its client schema (from introspection or KV)
 * @param executor - a long-lived executor (see createContextualExecutor)
 * @returns the config for stitchSchemas
 */
export function createRemoteSubschema(
  remote: RemoteConfig,
  schema: GraphQLSchema,
  executor: Executor,
): SubschemaConfig & { name: string } {
  return {
    name: remote.name,
    schema,
    executor,
    batch: true,
    transforms: customizationTransforms(remote.customization, schema),
  };
}
