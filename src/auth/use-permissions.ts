import { type ExecutionArgs, GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { maskError } from "../errors";
import type { GatewayContext } from "../shared";
import { isPublicOnly, tokenRequired } from "./authenticate";
import { enforceRoleChecks, prepareRoleExecution } from "./role-execution";
import { restrictedSchemaInfo } from "./role-schema";

/** graphql-js appends suggestions as a last sentence: `Did you mean "x"?`, `Did you mean to use an inline fragment on "T"?`. */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestions(error: Error): Error {
  if (!(error instanceof GraphQLError) || !error.message.includes("Did you mean")) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ""), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** Options of {@link usePermissions}. */
export interface PermissionsPluginOptions {
  /** Keep graphql-js's "Did you mean" suggestions for callers without a role schema (`limits.fieldSuggestions`). @default false */
  fieldSuggestions?: boolean;
}

/**
 * Yoga plugin for role schemas (the schema itself is chosen per request by the schema factory, see
 * `PermissionSet.schemaFor`):
 * - validation reports no "Did you mean" suggestions (graphql-js suggests field names, argument names
 *   and, for fields of abstract types, implementing types: none is kept), so the schema is never
 *   disclosed beyond what the client asked for: against a role schema always, against the whole schema
 *   unless `fieldSuggestions` is set; a request without a token
 *   that fails validation against the public fields is answered 401 `UNAUTHENTICATED` (it needed a
 *   token, not another query);
 * - execution stays inside the role schema; for roles with `@preset` arguments, data operations run
 *   against the role's executable schema with the presets written into the document;
 * - before execution (and before a subscription starts), the role's `@check`s are enforced on every
 *   argument and input field value: a value that fails refuses the whole operation (403 `FORBIDDEN`).
 *
 * @param options - whether suggestions are kept for callers without a role schema
 * @returns the plugin
 * @throws GatewayError `BAD_REQUEST` or `MISSING_SESSION_VARIABLE` (400) from execution, see
 *   `prepareRoleExecution`; `FORBIDDEN` (403), see `enforceRoleChecks`
 */
export function usePermissions(
  options: PermissionsPluginOptions = {},
): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    onValidate(payload) {
      const restricted = restrictedSchemaInfo(payload.params.schema) !== undefined;
      if (!restricted && options.fieldSuggestions === true) return undefined;
      const session = (payload.context as Partial<GatewayContext>).session;
      return function onValidateEnd(end) {
        if (end.valid) return;
        if (restricted && session !== undefined && isPublicOnly(session)) {
          // maskError gives a GatewayError its GraphQL form with the HTTP status Yoga answers with.
          end.setResult([maskError(tokenRequired(), "")]);
          return;
        }
        end.setResult(end.result.map(withoutSuggestions));
      };
    },
    onSubscribe({ args }) {
      const context = args.contextValue as Partial<GatewayContext>;
      enforceRoleChecks(args.schema, args.document, args.operationName, args.variableValues, context.session);
    },
    onExecute({ args }) {
      const context = args.contextValue as Partial<GatewayContext>;
      // Checks first, against the role schema the operation was validated against.
      enforceRoleChecks(args.schema, args.document, args.operationName, args.variableValues, context.session);
      const prepared = prepareRoleExecution(args.schema, args.document, args.operationName, context.session);
      if (prepared === undefined) return;
      // envelop hands the same args object to the execute function.
      (args as { schema: ExecutionArgs["schema"] }).schema = prepared.schema;
      (args as { document: ExecutionArgs["document"] }).document = prepared.document;
    },
  };
}
