import { MaxTokensParserWLexer } from "@escape.tech/graphql-armor-max-tokens";
import {
  type ASTNode,
  type DocumentNode,
  GraphQLError,
  type OperationDefinitionNode,
  type ParseOptions,
  type Source,
  type ValidationContext,
  type ValidationRule,
} from "graphql";
import type { Plugin } from "graphql-yoga";
import { ErrorCode, GatewayError } from "../errors";
import { fragmentsOf, type GatewayContext } from "../shared";
import { measureOperation } from "./measure";
import { type LimitName, type LimitsSettings, type ResolvedLimits, resolveLimits, tokenCeiling } from "./resolve";
import { countUpstreamCalls } from "./upstream-calls";

/** Token counts of parsed documents (the parse cache hands the same DocumentNode back for the same text). */
const tokenCounts = new WeakMap<DocumentNode, number>();

/** The code of each limit. */
const CODES = {
  maxDepth: ErrorCode.DEPTH_LIMIT_EXCEEDED,
  maxAliases: ErrorCode.ALIAS_LIMIT_EXCEEDED,
  maxDirectives: ErrorCode.DIRECTIVE_LIMIT_EXCEEDED,
  maxTokens: ErrorCode.TOKEN_LIMIT_EXCEEDED,
  maxCost: ErrorCode.COST_LIMIT_EXCEEDED,
  maxUpstreamCalls: ErrorCode.UPSTREAM_CALL_LIMIT_EXCEEDED,
} as const;

/** What each limit measures, for messages. */
const WHAT: Record<keyof typeof CODES, string> = {
  maxDepth: "depth",
  maxAliases: "number of aliases",
  maxDirectives: "number of directives",
  maxTokens: "number of tokens",
  maxCost: "cost",
  maxUpstreamCalls: "number of upstream calls",
};

/**
 * A limit error in the shape of `JOIN_LIMIT_EXCEEDED`: `extensions` `{ code, limit, max, actual }`.
 * @param limit - the limit's config key
 * @param max - the request's value of it
 * @param actual - what the operation measured
 * @param node - the node the error points at
 */
function limitError(limit: keyof typeof CODES, max: number, actual: number, node?: ASTNode): GraphQLError {
  const rounded = Math.round(actual * 100) / 100;
  return new GraphQLError(`The operation's ${WHAT[limit]} is ${rounded}, above the limit of ${max} (limits.${limit})`, {
    nodes: node,
    extensions: { code: CODES[limit], limit, max, actual: rounded },
  });
}

/**
 * The validation rule of one set of limits: tokens of the document, then per operation graphql-armor's
 * depth, aliases, directives and cost, then (only when those pass, as they bound the walk) the upstream
 * calls; and `__schema` / `__type` when introspection is disabled for the role. Its function name
 * carries the set's key: Yoga caches validation per rule names, schema and document.
 * @param limits - the request's limits
 * @returns the rule
 */
function operationLimitsRule(limits: ResolvedLimits): ValidationRule {
  const rule = (context: ValidationContext) => {
    const document = context.getDocument();
    const tokens = tokenCounts.get(document) ?? 0;
    const overTokens = tokens > limits.maxTokens;
    return {
      Document(node: DocumentNode) {
        if (overTokens) context.reportError(limitError("maxTokens", limits.maxTokens, tokens, node));
      },
      Field(node: { name: { value: string } } & ASTNode) {
        const name = node.name.value;
        if (limits.introspection || (name !== "__schema" && name !== "__type")) return;
        context.reportError(
          new GatewayError(
            ErrorCode.INTROSPECTION_DISABLED,
            "Introspection is disabled for this role.",
          ).toGraphQLError(),
        );
      },
      OperationDefinition(node: OperationDefinitionNode) {
        if (overTokens) return;
        const measures = measureOperation(context, node);
        const checks: Array<[keyof typeof CODES & LimitName, number]> = [
          ["maxDepth", measures.depth],
          ["maxAliases", measures.aliases],
          ["maxDirectives", measures.directives],
          ["maxCost", measures.cost],
        ];
        let over = false;
        for (const [limit, actual] of checks) {
          if (actual <= limits[limit]) continue;
          context.reportError(limitError(limit, limits[limit], actual, node));
          over = true;
        }
        if (over || limits.maxUpstreamCalls === Number.POSITIVE_INFINITY) return;
        let calls: number;
        try {
          calls = countUpstreamCalls(context.getSchema(), node, fragmentsOf(document));
        } catch {
          // An invalid @skip/@include argument: graphql-js's own rules report it.
          return;
        }
        if (calls > limits.maxUpstreamCalls) {
          context.reportError(limitError("maxUpstreamCalls", limits.maxUpstreamCalls, calls, node));
        }
      },
    };
  };
  Object.defineProperty(rule, "name", { value: `junctionOperationLimits_${limits.key}` });
  return rule;
}

/**
 * The parse function: graphql-armor's token-counting parser stopped at `ceiling` tokens (a
 * TOKEN_LIMIT_EXCEEDED GatewayError, 400); the count of a parsed document is kept for validation.
 * @param ceiling - the parser's token ceiling (see `tokenCeiling`)
 */
function countingParse(ceiling: number): (source: string | Source, options?: ParseOptions) => DocumentNode {
  const onReject = () => {
    throw new GatewayError(
      ErrorCode.TOKEN_LIMIT_EXCEEDED,
      `The document has more than ${ceiling} tokens (limits.maxTokens); parsing stopped.`,
      { extensions: { limit: "maxTokens", max: ceiling, actual: ceiling + 1 } },
    );
  };
  return (source, options) => {
    const parser = new MaxTokensParserWLexer(source, {
      ...options,
      n: ceiling,
      propagateOnRejection: false,
      onReject: [onReject],
    });
    const document = parser.parseDocument();
    tokenCounts.set(document, parser.tokenCount);
    return document;
  };
}

/**
 * Yoga plugin of the operation limits (docs/security.md "Operation limits"): every document is parsed by
 * graphql-armor's token-counting parser, and one validation rule per set of limits (gateway-wide, or a
 * role's `limits.roles.<role>`) checks tokens, depth, aliases, directives, cost and upstream calls, and
 * refuses `__schema` / `__type` for the roles of `introspection.disabledForRoles`. Everything is checked
 * before execution, so nothing reaches an upstream. Yoga's parse cache (by document text) and validation
 * cache (by rule names, schema and document) make the measures run once per distinct document and set of
 * limits; the armor measures are also memoised on the operation node.
 *
 * @param settings - the config's `limits` and `introspection`
 * @returns the plugin
 * @throws GatewayError `TOKEN_LIMIT_EXCEEDED` (400) from parsing a document over the token ceiling
 */
export function useOperationLimits(settings: LimitsSettings): Plugin<Record<string, unknown>, GatewayContext> {
  const parse = countingParse(tokenCeiling(settings.limits));
  const rules = new Map<ResolvedLimits, ValidationRule>();
  return {
    onParse({ setParseFn }) {
      setParseFn(parse);
    },
    onValidate({ addValidationRule, context }) {
      const limits = resolveLimits(settings, (context as Partial<GatewayContext>).session);
      let rule = rules.get(limits);
      if (rule === undefined) {
        rule = operationLimitsRule(limits);
        rules.set(limits, rule);
      }
      addValidationRule(rule);
    },
  };
}
