import {
  type ASTVisitor,
  type FieldNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  isObjectType,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import type { Plugin } from "graphql-yoga";

/** The join limits one request runs under (the config's `limits`, or a role's, see limits/). */
export interface JoinLimits {
  /** Most join points on one path. */
  maxJoinDepth: number;
  /** Most join points in one operation. */
  maxJoinFanOut: number;
  /** Names the set of limits in Yoga's validation cache (which keys on rule names); omitted: one set. */
  key?: string;
}

import { ErrorCode } from "../errors";
import {
  collectFields,
  collectPossibleFields,
  type Fragments,
  fieldOwner,
  fragmentsOf,
  type GatewayContext,
  MAX_SELECTION_NESTING,
} from "../shared";
import { type JoinPoints, joinPointsOf } from "./build-joins";

/** How deep and how wide an operation joins. */
interface JoinMeasure {
  /** Most join points on one path. */
  depth: number;
  /** Join points in the whole operation, fragments expanded. */
  fanOut: number;
}

/**
 * Whether the fields selected on a merged type need more than one source.
 * @param fields - the names of the fields selected on the type
 * @param servers - the type's fields and the sources serving each (`JoinPoints.merged`)
 * @returns true when no single source serves them all
 */
export function crossesSources(fields: Iterable<string>, servers: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  let common: Set<string> | undefined;
  for (const field of fields) {
    const serving = servers.get(field);
    if (serving === undefined) continue;
    common = common === undefined ? new Set(serving) : new Set([...common].filter((source) => serving.has(source)));
    if (common.size === 0) return true;
  }
  return false;
}

/**
 * Measures the join depth and fan-out of a selection set, with the one field collector at plan time
 * (fragments expanded where they apply, literal `@skip`/`@include` honoured, conditions on variables
 * counted as selected). A join point is a selection of a field that calls another source per level
 * (@join, @rest on an object type), or a selection set on a merged type whose fields no single remote serves.
 *
 * @param selectionSet - the operation's selection set
 * @param type - its root type
 * @param schema - the schema validated against
 * @param fragments - the document's fragments
 * @param points - the schema's join points
 * @returns depth and fan-out of the operation
 */
function measureJoins(
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
  schema: GraphQLSchema,
  fragments: Fragments,
  points: JoinPoints,
): JoinMeasure {
  let fanOut = 0;
  const options = { fragments };
  const walk = (
    selections: SelectionSetNode | readonly FieldNode[],
    on: GraphQLCompositeType,
    level: number,
  ): number => {
    // A fragment that spreads itself (invalid: graphql-js's NoFragmentCyclesRule reports it) would nest forever.
    if (level > MAX_SELECTION_NESTING) return 0;
    let here = 0;
    for (const runtime of isObjectType(on) ? [on] : schema.getPossibleTypes(on)) {
      const servers = points.merged.get(runtime.name);
      if (servers === undefined) continue;
      const names = [...collectFields(schema, runtime, selections, options).values()].map(
        (nodes) => (nodes[0] as FieldNode).name.value,
      );
      if (crossesSources(names, servers)) {
        here = 1;
        fanOut++;
      }
    }
    let deepest = 0;
    for (const nodes of collectPossibleFields(schema, on, selections, options).values()) {
      const name = (nodes[0] as FieldNode).name.value;
      const owner = fieldOwner(schema, on, name);
      if (owner === undefined) continue;
      const joins = points.fields.has(`${owner.typeName}.${name}`) ? 1 : 0;
      fanOut += joins;
      const named = getNamedType(owner.field.type);
      const below =
        isCompositeType(named) && nodes.some((node) => node.selectionSet) ? walk(nodes, named, level + 1) : 0;
      deepest = Math.max(deepest, joins + below);
    }
    return here + deepest;
  };
  const depth = walk(selectionSet, type, 0);
  return { depth, fanOut };
}

/**
 * A validation rule rejecting operations whose join depth exceeds `limits.maxJoinDepth` or whose join
 * fan-out exceeds `limits.maxJoinFanOut`, so they fail before any upstream call.
 * @param limits - the request's join limits
 * @returns the rule (a no-op for schemas without join points)
 */
function joinLimitsRule(limits: JoinLimits): (context: ValidationContext) => ASTVisitor {
  const rule = (context: ValidationContext): ASTVisitor => {
    const points = joinPointsOf(context.getSchema());
    if (points === undefined || (points.fields.size === 0 && points.merged.size === 0)) return {};
    return {
      OperationDefinition(node) {
        const root = context.getSchema().getRootType(node.operation);
        if (root === undefined || root === null) return;
        let measured: JoinMeasure;
        try {
          const fragments = fragmentsOf(context.getDocument());
          measured = measureJoins(node.selectionSet, root, context.getSchema(), fragments, points);
        } catch {
          // An invalid @skip/@include argument: graphql-js's own rules report it.
          return;
        }
        const over =
          measured.depth > limits.maxJoinDepth
            ? { limit: "maxJoinDepth", max: limits.maxJoinDepth, actual: measured.depth, what: "join depth" }
            : measured.fanOut > limits.maxJoinFanOut
              ? { limit: "maxJoinFanOut", max: limits.maxJoinFanOut, actual: measured.fanOut, what: "join fan-out" }
              : undefined;
        if (over === undefined) return;
        context.reportError(
          new GraphQLError(
            `The operation's ${over.what} is ${over.actual}, above the limit of ${over.max} (limits.${over.limit})`,
            {
              nodes: node,
              extensions: {
                code: ErrorCode.JOIN_LIMIT_EXCEEDED,
                limit: over.limit,
                max: over.max,
                actual: over.actual,
              },
            },
          ),
        );
      },
    };
  };
  Object.defineProperty(rule, "name", { value: `joinLimits_${limits.key ?? ""}` });
  return rule;
}

/**
 * Yoga plugin adding {@link joinLimitsRule} to validation (Yoga caches validation per document, schema
 * and rule names: each set of limits has its own rule name).
 * @param limits - the configured limits, or a function giving a request's limits from its context (the
 *   same object for the same limits: one rule is built per object)
 * @returns the plugin
 */
export function useJoinLimits(
  limits: JoinLimits | ((context: Partial<GatewayContext>) => JoinLimits),
): Plugin<Record<string, unknown>, GatewayContext> {
  const rules = new WeakMap<JoinLimits, (context: ValidationContext) => ASTVisitor>();
  return {
    onValidate({ addValidationRule, context }) {
      const own = typeof limits === "function" ? limits(context as Partial<GatewayContext>) : limits;
      let rule = rules.get(own);
      if (rule === undefined) {
        rule = joinLimitsRule(own);
        rules.set(own, rule);
      }
      addValidationRule(rule);
    },
  };
}
