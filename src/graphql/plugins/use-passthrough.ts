import { type Executor, isAsyncIterable } from "@graphql-tools/utils";
import {
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  isNonNullType,
  type OperationDefinitionNode,
  validate,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { type PassthroughSource, passthroughSourcesOf, restRootsOf } from "../../compose";
import { decideRestLane, type RestLaneTarget } from "../../fastlane";
import {
  createNestedCache,
  declaresUploadVariable,
  type FastLaneHooks,
  type GatewayContext,
  introspects,
  rootSelections,
} from "../../shared";

/** Per served schema and document: the remote that can answer the whole document, or null. */
const decisions = createNestedCache<GraphQLSchema, DocumentNode, Map<string, PassthroughSource | null>>(true);
/** Per served schema and document: the fast lane's decision for one `@rest` root field, or null. */
const restDecisions = createNestedCache<GraphQLSchema, DocumentNode, Map<string, RestLaneTarget | null>>(true);

/**
 * The remote that can answer the whole operation as written: every root field is one remote's, and
 * the document is valid against that remote's own schema (so it selects no joined field, no field of a
 * merged type served elsewhere, and no introspection of the gateway's schema).
 */
function decide(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  sources: ReadonlyMap<string, PassthroughSource>,
): PassthroughSource | null {
  const keys = rootSelections(schema, document, operation);
  if (operation.operation === "subscription" || introspects(keys)) return null;
  // Upload variables hold the gateway's tokens until the Upload scalar turns them into file references.
  if (declaresUploadVariable(operation)) return null;
  let chosen: PassthroughSource | undefined;
  for (const fieldName of keys.values()) {
    if (fieldName === "__typename") continue;
    const owner = sources.get(`${operation.operation}.${fieldName}`);
    if (owner === undefined || (chosen !== undefined && owner !== chosen)) return null;
    chosen = owner;
  }
  if (chosen === undefined) return null;
  return validate(chosen.schema, document).length === 0 ? chosen : null;
}

/**
 * A failed call that has no located error (the remote was unreachable, timed out, answered garbage)
 * gets the shape composition gives it: each root field null with the error at its path (all of data
 * null when a root field is non-null).
 */
function locate(
  result: ExecutionResult,
  operation: OperationDefinitionNode,
  document: DocumentNode,
  schema: GraphQLSchema,
): ExecutionResult {
  const errors = result.errors ?? [];
  // Errors first: reading `data` of an answer passed byte for byte would parse it.
  if (errors.length === 0 || errors.some((error) => error.path !== undefined)) return result;
  if (result.data !== undefined && result.data !== null) return result;
  const root = schema.getRootType(operation.operation);
  const keys = rootSelections(schema, document, operation);
  const data: Record<string, null> = {};
  let nullable = true;
  const located: GraphQLError[] = [];
  for (const [key, fieldName] of keys) {
    const field = root?.getFields()[fieldName];
    if (field !== undefined && isNonNullType(field.type)) nullable = false;
    data[key] = null;
    for (const error of errors) {
      located.push(
        new GraphQLError(error.message, {
          path: [key],
          originalError: error instanceof GraphQLError ? error.originalError : undefined,
          extensions: error.extensions,
        }),
      );
    }
  }
  return { data: nullable ? data : null, errors: located };
}

/**
 * The remote that answers the operation alone (see {@link decide}), decided once per schema, document
 * and operation name and shared with {@link usePassthrough}.
 * @param schema - the served schema (the composed one, or a remote's own before composition)
 * @param document - the parsed document
 * @param operationName - the operation to run, if the document has several
 * @returns the remote, or null when the operation needs the composed schema's execution
 */
export function passthroughTarget(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
): PassthroughSource | null {
  const sources = passthroughSourcesOf(schema);
  // Only the whole composed schema has sources: a role's schema (and its executable twin) never does.
  if (sources === undefined || sources.size === 0) return null;
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return null;
  const byOperation = decisions.get(schema, document, () => new Map());
  const name = operation.name?.value ?? "";
  let target = byOperation.get(name);
  if (target === undefined) {
    target = decide(schema, operation, document, sources);
    byOperation.set(name, target);
  }
  return target;
}

/**
 * Records, for the fast lane, an operation that is one `@rest` root field it may run itself (see
 * `decideRestLane`), decided once per schema, document and operation name.
 * @param schema - the served schema
 * @param document - the parsed document
 * @param operationName - the operation to run, if the document has several
 * @param record - the lane's recorder of this request
 */
function recordRestLane(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  record: NonNullable<FastLaneHooks["record"]>,
): void {
  const operation = getOperationAST(document, operationName);
  if (operation === null || operation === undefined) return;
  const byOperation = restDecisions.get(schema, document, () => new Map());
  const name = operation.name?.value ?? "";
  let rest = byOperation.get(name);
  if (rest === undefined) {
    const roots = restRootsOf(schema);
    rest = roots === undefined ? null : decideRestLane(schema, document, operation, roots);
    byOperation.set(name, rest);
  }
  if (rest !== null) record(schema, rest, "query", document);
}

/**
 * Yoga plugin: an operation one remote can answer entirely (see {@link decide}) is sent to that
 * remote as written and its result returned as is, without stitching's planning, delegation and
 * re-execution of the result. Only for the whole schema (role schemas keep execution inside the role)
 * and remotes without customization (whose names the client's document already uses). The decision is
 * cached per schema and document (Yoga caches parsed documents, so repeated operations decide once).
 * For a request that came through the fast lane (src/fastlane), the decision is recorded on the
 * context's `fastLane.record` (so the next run of the document skips Yoga), and an answer the lane
 * already obtained (`fastLane.handoff`, for the same schema and remote) is used instead of a call.
 *
 * @returns the plugin
 */
export function usePassthrough(): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const schema = args.schema;
      const target = passthroughTarget(schema, args.document, args.operationName);
      const lane = (args.contextValue as Partial<GatewayContext>).fastLane;
      if (target === null) {
        if (lane?.record !== undefined) recordRestLane(schema, args.document, args.operationName, lane.record);
        return;
      }
      const operation = getOperationAST(args.document, args.operationName) as OperationDefinitionNode;
      (args.contextValue as Partial<GatewayContext>).observation?.lane("passthrough");
      const handoff = lane?.handoff;
      let result: Awaited<ReturnType<Executor>>;
      if (lane !== undefined && handoff !== undefined && handoff.schema === schema && handoff.target === target) {
        // The fast lane already called the remote for this request: its answer, never a second call.
        lane.handoff = undefined;
        if ("error" in handoff.outcome) throw handoff.outcome.error;
        result = handoff.outcome.result;
      } else {
        // Validation, every limit and the permissions have passed: later runs may take the fast lane.
        lane?.record?.(schema, target, operation.operation === "mutation" ? "mutation" : "query", args.document);
        const executor: Executor = target.executor;
        result = await executor({
          document: args.document,
          variables: args.variableValues ?? undefined,
          operationName: args.operationName ?? undefined,
          operationType: operation.operation,
          context: args.contextValue,
          rootValue: args.rootValue,
        });
      }
      setResultAndStopExecution(
        isAsyncIterable(result)
          ? (result as unknown as ExecutionResult)
          : locate(result as ExecutionResult, operation, args.document, schema),
      );
    },
  };
}
