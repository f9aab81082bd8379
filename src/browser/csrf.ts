import { useCSRFPrevention } from "@graphql-yoga/plugin-csrf-prevention";
import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { ErrorCode, ValidationError } from "../errors";

/**
 * The request headers any one of which lets a request that a browser could send without a CORS
 * preflight through: our own, Apollo's (`apollo-require-preflight`, what Apollo Server and Router ask
 * for) and Yoga's default. A page can set none of them cross-site without the preflight our CORS
 * policy answers.
 */
export const CSRF_HEADERS: readonly string[] = ["x-graphql-csrf", "apollo-require-preflight", "x-graphql-yoga-csrf"];

/**
 * Yoga plugin: CSRF prevention, by `@graphql-yoga/plugin-csrf-prevention` (the rule of Apollo Server's
 * `csrfPrevention`). A request whose `Content-Type` is missing (every GET, whatever it asks) or is one
 * of the three a browser sends without a preflight (`application/x-www-form-urlencoded`,
 * `multipart/form-data`, `text/plain`: Fetch standard, "CORS-safelisted request-header") must carry
 * one of {@link CSRF_HEADERS}; any other content type (`application/json`, ...) has already been
 * through the browser's preflight. The page of GraphiQL is rendered before this check (Yoga's
 * `onRequest`) and is not concerned.
 *
 * A `multipart/form-data` request that does carry a header is refused too (400 `BAD_REQUEST`): Yoga's
 * multipart parsing (file uploads) is off until uploads are supported.
 *
 * @returns the plugin; it throws {@link ValidationError} `CSRF_HEADER_REQUIRED` (403) from
 *   `onRequestParse`, which Yoga answers as `{ errors: [{ message, extensions: { code } }] }`
 * @see https://the-guild.dev/graphql/yoga-server/docs/features/csrf-prevention
 * @see https://fetch.spec.whatwg.org/#cors-safelisted-request-header
 */
export function useCsrfPrevention(): Plugin {
  const yogaPlugin = useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] });
  return {
    onRequestParse(payload) {
      try {
        yogaPlugin.onRequestParse?.(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw new ValidationError(
          ErrorCode.CSRF_HEADER_REQUIRED,
          `A request without a Content-Type, or with application/x-www-form-urlencoded, multipart/form-data or text/plain, needs one of the headers ${CSRF_HEADERS.join(", ")} (any value): browsers send such requests cross-site without a CORS preflight. Send Content-Type: application/json, or one of these headers.`,
        );
      }
      const contentType = payload.request.headers.get("content-type")?.toLowerCase() ?? "";
      if (contentType.startsWith("multipart/form-data")) {
        throw new ValidationError(
          ErrorCode.BAD_REQUEST,
          "multipart/form-data requests (file uploads) are not accepted: send Content-Type: application/json.",
        );
      }
    },
  };
}
