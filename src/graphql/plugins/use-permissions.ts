import { blockFieldSuggestionsPlugin } from "@escape.tech/graphql-armor-block-field-suggestions";
import type { ExecutionArgs } from "graphql";
import type { Plugin } from "graphql-yoga";
import { prepareRoleExecution, restrictedSchemaInfo } from "../../auth";
import { ErrorCode, GatewayError } from "../../errors";
import type { GatewayContext } from "../context";

/**
 * Yoga plugin for role schemas (the schema itself is chosen per request by the schema factory, see
 * `PermissionSet.schemaFor`):
 * - validation against a role schema reports no "Did you mean" suggestions (graphql-armor), so hidden
 *   fields are never disclosed; a request without a token that fails validation against the public
 *   fields is answered 401 `UNAUTHENTICATED` (it needed a token, not another query);
 * - execution: an introspection-only operation runs against the role schema; any other runs against
 *   the composed schema with the role's `@preset` arguments written in.
 *
 * @returns the plugin
 * @throws GatewayError `BAD_REQUEST` or `MISSING_SESSION_VARIABLE` (400) from execution, see
 *   `prepareRoleExecution`
 */
export function usePermissions(): Plugin<Record<string, unknown>, GatewayContext> {
  const hideSuggestions = blockFieldSuggestionsPlugin({ mask: "" });
  return {
    onValidate(payload) {
      if (restrictedSchemaInfo(payload.params.schema) === undefined) return undefined;
      const strip = hideSuggestions.onValidate?.(payload as never);
      const session = (payload.context as Partial<GatewayContext>).session;
      return function onValidateEnd(end) {
        if (typeof strip === "function") strip(end as never);
        if (!end.valid && session?.source === "unauthenticated" && session.role === null) {
          const error = new GatewayError(
            ErrorCode.UNAUTHENTICATED,
            "This operation needs a token: only public fields are open without one.",
            { status: 401 },
          );
          end.setResult([error.toGraphQLError()]);
        }
      };
    },
    onExecute({ args }) {
      const context = args.contextValue as Partial<GatewayContext>;
      const prepared = prepareRoleExecution(args.schema, args.document, args.operationName, context.session);
      if (prepared === undefined) return;
      // envelop hands the same args object to the execute function.
      (args as { schema: ExecutionArgs["schema"] }).schema = prepared.schema;
      (args as { document: ExecutionArgs["document"] }).document = prepared.document;
    },
  };
}
