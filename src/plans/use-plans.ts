import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  getVariableValues,
  print,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { planSourcesOf } from "../compose";
import { ErrorCode, maskError } from "../errors";
import type { GatewayContext } from "../shared";
import { buildPlan } from "./build";
import type { PlanCache, PlanEntry } from "./cache";
import { Unplannable } from "./context";
import { runPlan } from "./run";

/** Options of {@link usePlans}. */
export interface UsePlansOptions {
  /** The isolate's plan cache (also read by `GET /admin/plans`). */
  cache: PlanCache;
  /** `execution.queryPlans`: false counts every operation as a fallback and lets stitching run it. @default true */
  enabled?: boolean;
  /**
   * The composed schema a role schema was cut from, for a role schema whose operation runs as given (no
   * preset to fill in); undefined otherwise. Such an operation is planned on the composed schema, unless
   * its plan copies a subtree whole (an abstract type), which the role's schema filters. @default none
   */
  composedOf?: (schema: GraphQLSchema) => GraphQLSchema | undefined;
}

/** Small ids of role schemas, so one cache keeps the plans of every role of one composed schema. */
const roleIds = new WeakMap<GraphQLSchema, number>();
let nextRoleId = 1;
const roleIdOf = (schema: GraphQLSchema): number => {
  let id = roleIds.get(schema);
  if (id === undefined) {
    id = nextRoleId++;
    roleIds.set(schema, id);
  }
  return id;
};

/** The message of a masked error, as Yoga's own masking gives it. */
const UNEXPECTED = "Unexpected error.";

/** Document text by document object: Yoga reuses one parsed document per text. */
const texts = new WeakMap<DocumentNode, string>();
const textOf = (document: DocumentNode): string => {
  let text = texts.get(document);
  if (text === undefined) {
    text = document.loc?.source.body ?? print(document);
    texts.set(document, text);
  }
  return text;
};

/**
 * The cached plan of an operation, or why it has none.
 * @param composed - the composed schema (plans are built on it)
 * @param role - the role schema the operation was validated against, or undefined for the composed one
 */
function entryFor(
  cache: PlanCache,
  composed: GraphQLSchema,
  role: GraphQLSchema | undefined,
  document: DocumentNode,
  name: string | undefined,
): PlanEntry {
  const roleId = role === undefined ? 0 : roleIdOf(role);
  return cache.get(composed, `${roleId}\n${name ?? ""}\n${textOf(document)}`, () => {
    const schema = composed;
    const sources = planSourcesOf(schema);
    const operation = getOperationAST(document, name);
    if (sources === undefined || operation === null || operation === undefined) return { unplannable: "no sources" };
    // Validation does not check that the schema has the operation's root type (execution does): a role
    // schema without a Mutation type must not have a mutation planned on the composed schema.
    if (role !== undefined && role.getRootType(operation.operation) == null) {
      return { unplannable: `the role's schema has no ${operation.operation} type` };
    }
    try {
      const plan = buildPlan(schema, sources, document, operation);
      return role !== undefined && plan.copiesWhole ? { unplannable: "a role schema filters abstract types" } : plan;
    } catch (error) {
      if (error instanceof Unplannable) return { unplannable: error.message };
      throw error;
    }
  });
}

/**
 * Yoga plugin: runs an operation over several sources through its query plan (see buildPlan), cached
 * per (schema, operation name, document) in the isolate's plan cache, instead of stitching's
 * per-request planning, delegation and re-execution. Runs after the passthrough plugin, so operations
 * one remote answers alone never get here. A role's operation is planned on the composed schema when it
 * runs against the role schema as given (no preset to fill in) and copies no abstract subtree whole;
 * operations a plan cannot express, and requests whose variables do not coerce (graphql-js reports
 * those), run through stitching as before.
 *
 * @param options - the cache and the `execution.queryPlans` switch
 * @returns the plugin
 */
export function usePlans(options: UsePlansOptions): Plugin<Record<string, unknown>, GatewayContext> {
  const { cache } = options;
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const schema = args.schema;
      const composed = planSourcesOf(schema) === undefined ? options.composedOf?.(schema) : schema;
      if (options.enabled === false || composed === undefined) {
        cache.countFallback();
        return;
      }
      const role = composed === schema ? undefined : schema;
      const entry = entryFor(cache, composed, role, args.document, args.operationName ?? undefined);
      if ("unplannable" in entry) {
        cache.countFallback();
        return;
      }
      const definitions = entry.variableDefinitions;
      const variables = (args.variableValues ?? undefined) as Record<string, unknown> | undefined;
      if (definitions.length > 0 && getVariableValues(schema, definitions, variables ?? {}).errors !== undefined) {
        cache.countFallback();
        return;
      }
      cache.countPlanned();
      (args.contextValue as Partial<GatewayContext>).observation?.lane("plan");
      const result = await runPlan(entry, variables, args.contextValue);
      // Yoga's error masking runs in a later plugin, which a stopped execution skips: mask here alike.
      if (result.errors !== undefined) {
        const log = (args.contextValue as Partial<GatewayContext>).log;
        result.errors = result.errors.map((error) => {
          const masked = maskError(error, UNEXPECTED);
          if (masked !== error && (masked as GraphQLError).extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
            log?.error({ error: error.message, path: error.path }, "masked unexpected error");
          }
          return masked as GraphQLError;
        });
      }
      setResultAndStopExecution(result);
    },
  };
}
