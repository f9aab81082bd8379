import { GraphQLError } from "graphql";
import { ErrorCode } from "./codes";
import { GatewayError } from "./gateway-error";

/**
 * Yoga's `maskedErrors.maskError`: decides what of an error a client may see.
 *
 * Let through: {@link GatewayError}s (as their GraphQL form), GraphQL errors without an original error
 * (validation errors, errors relayed from upstreams), and GraphQL errors wrapping a GraphQL error.
 * Everything else (a bug, a thrown TypeError) becomes "Unexpected error." with code
 * `INTERNAL_SERVER_ERROR`, keeping only the path.
 *
 * @param error - whatever was thrown or returned during the request
 * @param message - the masked message Yoga suggests
 * @returns the error to send
 * @see https://the-guild.dev/graphql/yoga-server/docs/features/error-masking
 */
export function maskError(error: unknown, message: string): Error {
  if (error instanceof GatewayError) {
    // Thrown outside execution (e.g. SCHEMA_UNAVAILABLE from the schema factory): it answers the whole
    // request, so Yoga must use its status (extensions.http is read by Yoga and never sent).
    return new GraphQLError(error.message, {
      originalError: error,
      extensions: { code: error.code, ...error.extensions, http: { status: error.status } },
    });
  }
  if (error instanceof GraphQLError) {
    const original = error.originalError;
    if (original === undefined || original === null || original instanceof GraphQLError) return error;
    if (original instanceof GatewayError) {
      return new GraphQLError(original.message, {
        nodes: error.nodes,
        path: error.path,
        originalError: original,
        extensions: { ...error.extensions, code: original.code, ...original.extensions },
      });
    }
    // Yoga's own HTTP errors (bad request body, ...) carry extensions.http and are safe.
    if (error.extensions?.http !== undefined) return error;
    return new GraphQLError(message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    });
  }
  return new GraphQLError(message, { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
}
