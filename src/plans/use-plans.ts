import { type DocumentNode, type GraphQLSchema, getOperationAST, getVariableValues, print } from "graphql";
import type { Plugin } from "graphql-yoga";
import { planSourcesOf } from "../compose";
import type { GatewayContext } from "../shared";
import { buildPlan, Unplannable } from "./build";
import type { PlanCache, PlanEntry } from "./cache";
import { runPlan } from "./run";

/** Options of {@link usePlans}. */
export interface UsePlansOptions {
  /** The isolate's plan cache (also read by `GET /admin/plans`). */
  cache: PlanCache;
  /** `execution.queryPlans`: false counts every operation as a fallback and lets stitching run it. @default true */
  enabled?: boolean;
}

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

/** The cached plan of an operation, or why it has none. */
function entryFor(
  cache: PlanCache,
  schema: GraphQLSchema,
  document: DocumentNode,
  name: string | undefined,
): PlanEntry {
  return cache.get(schema, `${name ?? ""}\n${textOf(document)}`, () => {
    const sources = planSourcesOf(schema);
    const operation = getOperationAST(document, name);
    if (sources === undefined || operation === null || operation === undefined) return { unplannable: "no sources" };
    try {
      return buildPlan(schema, sources, document, operation);
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
 * one remote answers alone never get here. Only the whole composed schema is planned (a role's schema
 * keeps its own execution, with presets); operations a plan cannot express, and requests whose variables
 * do not coerce (graphql-js reports those), run through stitching as before.
 *
 * @param options - the cache and the `execution.queryPlans` switch
 * @returns the plugin
 */
export function usePlans(options: UsePlansOptions): Plugin<Record<string, unknown>, GatewayContext> {
  const { cache } = options;
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const schema = args.schema;
      if (options.enabled === false || planSourcesOf(schema) === undefined) {
        cache.countFallback();
        return;
      }
      const entry = entryFor(cache, schema, args.document, args.operationName ?? undefined);
      if ("unplannable" in entry) {
        cache.countFallback();
        return;
      }
      const operation = getOperationAST(args.document, args.operationName);
      const definitions = operation?.variableDefinitions ?? [];
      const variables = (args.variableValues ?? undefined) as Record<string, unknown> | undefined;
      if (definitions.length > 0 && getVariableValues(schema, definitions, variables ?? {}).errors !== undefined) {
        cache.countFallback();
        return;
      }
      cache.countPlanned();
      setResultAndStopExecution(await runPlan(entry, variables, args.contextValue));
    },
  };
}
