import { GraphQLError } from "graphql";
import type { Plugin } from "graphql-yoga";
import { ErrorCode, GatewayError, statusOf, ValidationError } from "../../errors";
import type { GatewayContext } from "../../shared";

type OnRequestParse = NonNullable<Plugin<Record<string, unknown>, GatewayContext>["onRequestParse"]>;
/** The request parser Yoga picked for a request (by method and Content-Type). */
type RequestParser = NonNullable<Parameters<OnRequestParse>[0]["requestParser"]>;

/** Whether `error` is the request being aborted by the client (Yoga logs and drops these itself). */
const isAbort = (error: unknown): boolean =>
  error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");

/**
 * What a failed request parse becomes: Yoga's own coded errors (`POST body sent invalid JSON.`,
 * `POST body is expected to be object ...`: `BAD_REQUEST` with their HTTP status) stay as they are; an uncoded
 * GraphQL error (a malformed multipart body) and a plain error (`JSON.parse` of the `variables` or
 * `extensions` query parameter of a GET) become `BAD_REQUEST` (400), which Yoga would otherwise answer as
 * an uncoded error or a masked `INTERNAL_SERVER_ERROR` with status 200.
 *
 * @param error - what the parser threw
 * @returns the error to throw instead
 */
function parseFailure(error: unknown): unknown {
  if (isAbort(error)) return error;
  if (error instanceof GraphQLError) {
    if (error.extensions?.code !== undefined) return error;
    return new ValidationError(ErrorCode.BAD_REQUEST, error.message);
  }
  const detail = error instanceof Error ? `: ${error.message}` : "";
  return new ValidationError(ErrorCode.BAD_REQUEST, `Could not read the request's GraphQL parameters${detail}`, {
    cause: error,
  });
}

/**
 * The answer to a POST whose Content-Type no parser takes (Yoga answers an empty 415): 415
 * `UNSUPPORTED_MEDIA_TYPE` with a GraphQL-shaped body, as the GraphQL over HTTP spec asks a server to
 * reject a POST without a usable Content-Type with a 4xx status (section "POST").
 *
 * @param request - the client's request
 * @returns the response
 */
function unsupportedMediaType(request: Request): Response {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim();
  const message = type
    ? `Content-Type "${type}" is not supported: send the request as application/json.`
    : "The request has no Content-Type: send it as application/json.";
  return new GatewayError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message).toGraphQLResponse();
}

/** The `extensions.http` Yoga puts on its HTTP errors. */
interface HttpExtension {
  status?: number;
  headers?: Record<string, string>;
  /** Yoga's flag "answer 200 when the client accepts application/json", for GraphQL request errors. */
  spec?: boolean;
}

/**
 * One error of a result, as the client gets it: Yoga's refusals of a request that is not a well-formed
 * GraphQL-over-HTTP request (code `BAD_REQUEST`: missing or mistyped `query`/`variables`/`extensions`,
 * batching) keep their 4xx status with `accept: application/json` too (Yoga flags them `spec` and answers
 * 200), as the spec's application/json appendix asks ("Invalid parameters": SHOULD 400); Yoga's 405 (a
 * mutation over GET) is re-coded `METHOD_NOT_ALLOWED`, the code the error table gives 405. Document
 * parsing, validation and variable coercion errors are left alone (200 with application/json).
 *
 * @param error - an error of the result (already masked)
 * @returns the error to send
 */
function requestError(error: GraphQLError): GraphQLError {
  const http = error.extensions?.http as HttpExtension | undefined;
  if (http === undefined || error.extensions.code !== ErrorCode.BAD_REQUEST) return error;
  const code =
    http.status === statusOf(ErrorCode.METHOD_NOT_ALLOWED) ? ErrorCode.METHOD_NOT_ALLOWED : error.extensions.code;
  if (code === error.extensions.code && http.spec !== true) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code, http: { ...http, spec: false } },
  });
}

/**
 * Yoga plugin: every request Yoga cannot read gets a coded error with an exact status, never an empty
 * body or a 200: an unsupported or missing Content-Type is 415 `UNSUPPORTED_MEDIA_TYPE`, parameters that
 * do not parse are 400 `BAD_REQUEST` (see {@link parseFailure}), a request that is not well-formed is 400
 * whatever the client accepts, and a mutation over GET is 405 `METHOD_NOT_ALLOWED` (see
 * {@link requestError}).
 *
 * @returns the plugin
 * @see https://graphql.github.io/graphql-over-http/draft/#sec-POST
 * @see https://graphql.github.io/graphql-over-http/draft/#sec-application-json
 */
export function useRequestErrors(): Plugin<Record<string, unknown>, GatewayContext> {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse }) {
      if (requestParser === undefined) {
        endResponse(unsupportedMediaType(request));
        return;
      }
      const parse: RequestParser = requestParser;
      setRequestParser((req) => {
        let parsed: ReturnType<RequestParser>;
        try {
          parsed = parse(req);
        } catch (error) {
          throw parseFailure(error);
        }
        return parsed instanceof Promise
          ? parsed.catch((error: unknown) => {
              throw parseFailure(error);
            })
          : parsed;
      });
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !("errors" in result) || !result.errors?.length) return;
      const errors = result.errors.map((error) => (error instanceof GraphQLError ? requestError(error) : error));
      if (errors.some((error, i) => error !== result.errors?.[i])) setResult({ ...result, errors });
    },
  };
}
