import {
  type ASTVisitor,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLNamedType,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { type JoinPoints, joinPointsOf } from "../../compose";
import type { LimitsConfig } from "../../config";
import { ErrorCode } from "../../errors";
import type { GatewayContext } from "../context";

/** How deep and how wide an operation joins. */
interface JoinMeasure {
  /** Most join points on one path. */
  depth: number;
  /** Join points in the whole operation, fragments expanded. */
  fanOut: number;
}

/** The fields selected directly on `type` (own selections and fragments that apply to it). */
function selectedFields(
  selectionSet: SelectionSetNode,
  type: GraphQLNamedType,
  context: ValidationContext,
  seen: Set<string>,
  out: Set<string>,
): Set<string> {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== "__typename") out.add(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (condition === undefined || condition === type.name)
        selectedFields(selection.selectionSet, type, context, seen, out);
    } else {
      const fragment = context.getFragment(selection.name.value);
      if (fragment === undefined || fragment === null || seen.has(fragment.name.value)) continue;
      if (fragment.typeCondition.name.value !== type.name) continue;
      seen.add(fragment.name.value);
      selectedFields(fragment.selectionSet, type, context, seen, out);
      seen.delete(fragment.name.value);
    }
  }
  return out;
}

/** Whether the fields selected on a merged type need more than one source. */
function crossesSources(fields: ReadonlySet<string>, servers: ReadonlyMap<string, ReadonlySet<string>>): boolean {
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
 * Measures the join depth and fan-out of a selection set. A join point is a selection of a field that
 * calls another source per level (@join, @rest on an object type), or a selection set on a merged type
 * whose fields no single remote serves.
 *
 * @param selectionSet - the operation's (or a field's) selection set
 * @param type - the type it selects on
 * @param context - the validation context (fragments, schema)
 * @param points - the schema's join points
 * @returns depth and fan-out below and including this selection set
 */
function measureJoins(
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
  context: ValidationContext,
  points: JoinPoints,
): JoinMeasure {
  const total = { fanOut: 0 };
  // `checkMerge` is false for fragments on the type already checked (their fields were counted with it).
  const walk = (
    set: SelectionSetNode,
    on: GraphQLCompositeType,
    fragments: Set<string>,
    checkMerge: boolean,
  ): number => {
    let here = 0;
    const servers = checkMerge ? points.merged.get(on.name) : undefined;
    if (servers !== undefined && crossesSources(selectedFields(set, on, context, new Set(), new Set()), servers)) {
      here = 1;
      total.fanOut++;
    }
    let deepest = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!isObjectType(on) && !isInterfaceType(on)) continue;
        const field = on.getFields()[selection.name.value];
        if (field === undefined) continue;
        const joins = points.fields.has(`${on.name}.${selection.name.value}`) ? 1 : 0;
        total.fanOut += joins;
        let below = 0;
        const named = getNamedType(field.type);
        if (selection.selectionSet !== undefined && isCompositeType(named)) {
          below = walk(selection.selectionSet, named, fragments, true);
        }
        deepest = Math.max(deepest, joins + below);
      } else {
        const fragment =
          selection.kind === Kind.FRAGMENT_SPREAD ? context.getFragment(selection.name.value) : selection;
        if (fragment === undefined || fragment === null) continue;
        const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
        if (name !== undefined && fragments.has(name)) continue;
        const condition = fragment.typeCondition?.name.value;
        const target = condition === undefined ? on : context.getSchema().getType(condition);
        if (target === undefined || !isCompositeType(target)) continue;
        if (name !== undefined) fragments.add(name);
        deepest = Math.max(deepest, walk(fragment.selectionSet, target, fragments, target !== on));
        if (name !== undefined) fragments.delete(name);
      }
    }
    return here + deepest;
  };
  const depth = walk(selectionSet, type, new Set(), true);
  return { depth, fanOut: total.fanOut };
}

/**
 * A validation rule rejecting operations whose join depth exceeds `limits.maxJoinDepth` or whose join
 * fan-out exceeds `limits.maxJoinFanOut`, so they fail before any upstream call.
 * @param limits - the configured limits
 * @returns the rule (a no-op for schemas without join points)
 */
function joinLimitsRule(limits: LimitsConfig): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    const points = joinPointsOf(context.getSchema());
    if (points === undefined || (points.fields.size === 0 && points.merged.size === 0)) return {};
    return {
      OperationDefinition(node) {
        const root = context.getSchema().getRootType(node.operation);
        if (root === undefined || root === null) return;
        const measured = measureJoins(node.selectionSet, root, context, points);
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
}

/**
 * Yoga plugin adding {@link joinLimitsRule} to validation (Yoga caches validation per document and schema).
 * @param limits - the configured limits
 * @returns the plugin
 */
export function useJoinLimits(limits: LimitsConfig): Plugin<Record<string, unknown>, GatewayContext> {
  const rule = joinLimitsRule(limits);
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
