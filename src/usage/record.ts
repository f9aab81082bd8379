import type { GraphQLSchema } from "graphql";
import type { GatewayContext } from "../shared";
import { type DocumentUsage, touchedCoordinates } from "./analyze";
import { clientName } from "./client";
import type { DeprecationUsageRpc } from "./store";

/** The name of the one usage object. */
export const USAGE_OBJECT_NAME = "global";

/**
 * The stub of the usage object (the `DEPRECATION_USAGE` binding), made for one request: stubs are I/O
 * objects and never kept across requests.
 * @param env - the Worker's bindings
 * @returns the stub, or undefined when the binding is missing
 */
export function usageStub(env: Env): DeprecationUsageRpc | undefined {
  const namespace = (env as Partial<Env>).DEPRECATION_USAGE;
  if (namespace === undefined) return undefined;
  return namespace.get(namespace.idFromName(USAGE_OBJECT_NAME)) as unknown as DeprecationUsageRpc;
}

/** What {@link recordUsage} needs of a request context. */
export type UsageContext = Pick<GatewayContext, "env" | "executionCtx" | "clientHeaders" | "log">;

/**
 * Counts one operation's use of deprecated elements for the request's client (see `clientName`): the
 * object is called in the background (`waitUntil`), so the answer never waits for it nor fails with it; a
 * failed call is logged (`warn`, "deprecation usage not recorded"). Nothing happens when the operation
 * touches nothing deprecated, or without the `DEPRECATION_USAGE` binding.
 * @param context - the request's context
 * @param coordinates - the distinct coordinates the operation touched
 */
export function recordUsage(context: UsageContext, coordinates: readonly string[]): void {
  if (coordinates.length === 0) return;
  const stub = usageStub(context.env);
  if (stub === undefined) return;
  const client = clientName(context.clientHeaders);
  const sent = Promise.resolve()
    .then(() => stub.record(client, [...coordinates], Date.now()))
    .catch((error: unknown) => {
      context.log.warn({ error: String(error), client }, "deprecation usage not recorded");
    });
  context.executionCtx.waitUntil(sent);
}

/**
 * Counts one run of an analysed operation (the fast lane's path, which skips Yoga): the analysis' own
 * coordinates plus what the variables hold (see `touchedCoordinates`).
 * @param context - the request's context
 * @param schema - the schema of the analysis (the one the operation ran on)
 * @param usage - from `documentUsage`
 * @param variables - the request's variables (JSON)
 */
export function countUsage(
  context: UsageContext,
  schema: GraphQLSchema,
  usage: DocumentUsage,
  variables: Readonly<Record<string, unknown>> | null | undefined,
): void {
  recordUsage(context, touchedCoordinates(schema, usage, variables));
}
