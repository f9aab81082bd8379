import { costLimitRule } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import type { OperationDefinitionNode, ValidationContext } from "graphql";

/** What graphql-armor measures of one operation. */
export interface ArmorMeasures {
  /** Nested field levels, fragments flattened, introspection included. */
  depth: number;
  /** Aliases, fragments expanded (a fragment spread twice counts twice; its count is computed once). */
  aliases: number;
  /** Directive uses. */
  directives: number;
  /** Cost: objects 2, scalars 1, times 1.5 per level, `first`/`last` multiply. */
  cost: number;
}

/** Measures per operation node: a document parsed once (Yoga's parse cache) is measured once. */
const measured = new WeakMap<OperationDefinitionNode, ArmorMeasures>();

/** An armor visitor: its `OperationDefinition.enter` measures and reports through `onAccept`. */
type ArmorVisitor = { OperationDefinition: { enter: (node: OperationDefinitionNode) => void } };

/**
 * Runs one graphql-armor rule over an operation with no limit, and returns what it measured (armor
 * hands the measure to `onAccept` as `{ n }`). Armor's own errors are never used: the caller compares
 * with the request's limits and reports our codes.
 */
function armorMeasure(
  make: (onAccept: (context: unknown, details: { n: number }) => void) => (context: ValidationContext) => unknown,
  context: ValidationContext,
  operation: OperationDefinitionNode,
): number {
  let n = 0;
  const visitor = make((_context, details) => {
    n = details.n;
  })(context) as ArmorVisitor;
  visitor.OperationDefinition.enter.call(visitor, operation);
  return n;
}

const unlimited = Number.POSITIVE_INFINITY;

/**
 * graphql-armor's measures of an operation (depth, aliases, directives, cost), computed once per
 * operation node. Options: `ignoreIntrospection: false` (an introspection chain is as deep and costly as
 * any other; armor 2.4+ matches only a *field* named `__schema`, so a fragment named so is no bypass),
 * `flattenFragments: true` (a fragment spread adds no level), and armor's memoised fragments (a
 * fragment's measure is computed once, so fragments spreading each other twice stay linear).
 *
 * @param context - the validation context (armor reads the document's fragments from it)
 * @param operation - the operation
 * @returns its measures
 * @see https://escape.tech/graphql-armor/docs/category/plugins
 */
export function measureOperation(context: ValidationContext, operation: OperationDefinitionNode): ArmorMeasures {
  const known = measured.get(operation);
  if (known !== undefined) return known;
  const common = { propagateOnRejection: false, exposeLimits: true } as const;
  const measures: ArmorMeasures = {
    depth: armorMeasure(
      (accept) =>
        maxDepthRule({
          ...common,
          n: unlimited,
          ignoreIntrospection: false,
          flattenFragments: true,
          onAccept: [accept],
        }),
      context,
      operation,
    ),
    aliases: armorMeasure(
      (accept) => maxAliasesRule({ ...common, n: unlimited, onAccept: [accept] }),
      context,
      operation,
    ),
    directives: armorMeasure(
      (accept) => maxDirectivesRule({ ...common, n: unlimited, onAccept: [accept] }),
      context,
      operation,
    ),
    cost: armorMeasure(
      (accept) =>
        costLimitRule({
          ...common,
          maxCost: unlimited,
          ignoreIntrospection: false,
          flattenFragments: true,
          onAccept: [accept],
        }),
      context,
      operation,
    ),
  };
  measured.set(operation, measures);
  return measures;
}
