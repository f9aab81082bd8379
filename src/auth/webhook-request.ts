import { cappedStream } from "../shared";
import type { WebhookRequest } from "./webhook";

/** Thrown inside {@link webhookRequestOf} when the body is larger than allowed. */
class BodyTooLarge extends Error {}

/**
 * The GraphQL request a POST auth webhook is sent for a `/graphql` request (Hasura's `request`): a POST
 * with a JSON body gives its `query`, `variables` and `operationName` (read from a clone, so the body
 * stays unread for what follows, and at most `maxBodyBytes` of it); a GET gives its query-string
 * parameters (`variables` parsed as JSON). Anything else, a multipart upload, a batch (a JSON array), a
 * body that is not JSON or is larger than `maxBodyBytes` (the body limit refuses it after
 * authentication), gives null.
 * @param request - the client's request to `/graphql`
 * @param maxBodyBytes - the most body bytes read (the largest `limits.maxBodyBytes` of any role)
 * @returns the request for the hook, or null
 * @see https://hasura.io/docs/latest/auth/authentication/webhook/#post-request
 */
export async function webhookRequestOf(request: Request, maxBodyBytes: number): Promise<WebhookRequest | null> {
  if (request.method === "GET") {
    const params = new URL(request.url).searchParams;
    const query = params.get("query");
    // A stored document named by id has no query text, but is a GraphQL request all the same.
    if (query === null && !params.has("documentId") && !params.has("extensions")) return null;
    return {
      ...(query === null ? {} : { query }),
      variables: jsonObject(params.get("variables")),
      operationName: params.get("operationName"),
    };
  }
  const type = request.headers.get("content-type") ?? "";
  if (request.method !== "POST" || !/^application\/(?:[\w.+-]*\+)?json\b/i.test(type)) return null;
  const body = request.clone().body;
  if (body === null) return null;
  let text: string;
  try {
    text = await new Response(cappedStream(body, maxBodyBytes, () => new BodyTooLarge())).text();
  } catch (error) {
    if (error instanceof BodyTooLarge) return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return null;
  const { query, variables, operationName } = parsed as Record<string, unknown>;
  return {
    ...(typeof query === "string" ? { query } : {}),
    variables: isObject(variables) ? variables : null,
    operationName: typeof operationName === "string" ? operationName : null,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** A JSON object from a query-string parameter, or null when absent or not a JSON object. */
function jsonObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}
