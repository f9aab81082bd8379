import { type GraphQLSchema, getOperationAST } from "graphql";
import type { GatewayContext, PassthroughAnswer } from "../shared";
import { countUsage, documentUsage } from "../usage";
import { type LaneMediaType, laneMediaType } from "./accept";
import { DEFAULT_MAX_DECISIONS, decisionKey, type LaneDecision, LaneDecisions } from "./decisions";
import { runRestLane } from "./rest";

/** What {@link FastLane.serve} needs of one request. */
export interface LaneRequest {
  /** The client's request (its body unread). */
  request: Request;
  /** The request's context (src/gateway's createGatewayContext). */
  context: GatewayContext;
  /**
   * The schema Yoga will serve this request (the registry's, narrowed to the session's role).
   * @throws whatever the registry or the permissions throw: the request then goes to Yoga
   */
  schema(): Promise<GraphQLSchema>;
  /**
   * Yoga's fetch, for every request the lane does not answer itself.
   * @param request - the request, its body the client's
   * @param context - the same context
   */
  yoga(request: Request, context: GatewayContext): Response | Promise<Response>;
}

/** The GraphQL parameters of a POST the lane takes: exactly these keys, of these types. */
interface LaneParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** A body that names a trusted document instead of sending a query: its parameters before the lookup. */
interface DocumentParams {
  documentId?: unknown;
  extensions?: unknown;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/**
 * The body's GraphQL parameters when Yoga would take them as they are and nothing about them needs
 * Yoga: an object with a string `query` and at most `variables` (object or null) and `operationName`
 * (string or null); or, with trusted documents on, no `query` and a `documentId` or an `extensions` holding
 * only Apollo's `persistedQuery` (the text is looked up before the lane decides). A query with
 * `trustedDocuments.mode` "require", a query with a document id (APQ registration), other `extensions`,
 * batching arrays, other keys and other types are Yoga's to answer (with its own errors).
 * @param body - the parsed body
 * @param mode - `trustedDocuments.mode`
 */
function laneParams(body: unknown, mode: LaneDocumentsMode): LaneParams | DocumentParams | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const params = body as Record<string, unknown>;
  for (const key in params) {
    if (key === "query" || key === "variables" || key === "operationName") continue;
    if (mode === "off" || (key !== "documentId" && key !== "extensions")) return undefined;
  }
  const { query, variables, operationName, documentId, extensions } = params;
  if (variables !== undefined && variables !== null && (typeof variables !== "object" || Array.isArray(variables))) {
    return undefined;
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return undefined;
  if (documentId === undefined && extensions === undefined) {
    return typeof query === "string" && mode !== "require" ? (params as unknown as LaneParams) : undefined;
  }
  if (query !== undefined) return undefined;
  if (extensions !== undefined) {
    if (extensions === null || typeof extensions !== "object") return undefined;
    for (const key in extensions) if (key !== "persistedQuery") return undefined;
  }
  return params as DocumentParams;
}

/**
 * The answer to the client of an upstream answer without errors: its bytes, and the upstream cookies.
 * The request's observation learns that the lane answered, and which operation (src/observability).
 */
function rawResponse(
  raw: BodyInit,
  mediaType: LaneMediaType,
  context: GatewayContext,
  params: LaneParams,
  decision: LaneDecision,
): Response {
  const name = params.operationName ?? decision.operationName;
  context.observation?.operation({ name, type: decision.operationType, text: params.query });
  context.observation?.lane("fastlane");
  const headers = new Headers({ "content-type": `${mediaType}; charset=utf-8` });
  for (const cookie of context.responseCookies ?? []) headers.append("set-cookie", cookie);
  return new Response(raw, { status: 200, headers });
}

/**
 * What the fast lanes of this isolate did since it started (for tests and observability): `served`,
 * requests answered by the lane itself; `handedOff`, requests whose upstream answer the lane obtained
 * and Yoga shaped (errors); `toYoga`, requests the lane read and gave to Yoga without a decision.
 */
export const fastLaneCounters = { served: 0, handedOff: 0, toYoga: 0 };

/** `trustedDocuments.mode` as the lane sees it. */
export type LaneDocumentsMode = "off" | "allow" | "require";

/** Options of {@link createFastLane}. */
export interface FastLaneOptions {
  /** The most routing decisions kept per served schema (LRU). @default 1000 */
  maxDecisions?: number;
  /**
   * Trusted documents (`trustedDocuments.mode` and the lookup of a body's document id): with "allow" or
   * "require" the lane also takes bodies that name a stored document, once its text is found; with
   * "require" it never takes a sent query. @default { mode: "off" }
   */
  documents?: {
    mode: LaneDocumentsMode;
    /**
     * The text of the document a body names (`documentId` or `extensions.persistedQuery`), as Yoga's
     * useTrustedDocuments would run it.
     * @returns the text, or null when the id is malformed or unknown (Yoga then answers with its error)
     */
    lookup(params: { documentId?: unknown; extensions?: unknown }): Promise<string | null>;
  };
}

/** The fast lane of one gateway (see {@link createFastLane}). */
export interface FastLane {
  /**
   * Whether a request may take the lane (cheap, no body read): a POST with `Content-Type:
   * application/json` whose `Accept` makes Yoga answer `application/json` or
   * `application/graphql-response+json`. Everything else goes to Yoga as before.
   * @param request - the client's request
   */
  takes(request: Request): boolean;
  /**
   * Answers one request that {@link takes} accepted: reads the body once; an operation whose decision
   * is cached is sent to its remote without Yoga, anything else goes to Yoga (which records the
   * decision for the next run when the passthrough plugin sends the operation to one remote).
   * @param input - the request, its context, the served schema and Yoga
   * @returns the response
   * @throws whatever reading the body throws (the body limit's error)
   */
  serve(input: LaneRequest): Promise<Response>;
  /** The decisions, for tests and observability. */
  readonly decisions: LaneDecisions;
}

/**
 * Creates the fast lane of one gateway (src/app.ts's `/graphql` route, after authentication, rate
 * limits and the body limit). An operation takes it only after it has run once through Yoga's full
 * pipeline (parsing, validation, permissions, join and operation limits) and the passthrough plugin
 * sent it to one remote as written: the decision is recorded then, per served schema object, session
 * source and role, operation name and document text. Later runs skip Yoga: the upstream call goes
 * through the remote's passthrough executor (`send`: the upstream pipeline, so header rules, gateway
 * token, timeout, retries, circuit breaker and cookies apply), and an answer without `"errors"` or
 * `"extensions"` is written to the client as it came, with Yoga's content type and the upstream
 * cookies. Any other answer (errors to label, an unreachable remote) is handed to Yoga through the
 * context, so the client gets exactly Yoga's response without a second upstream call. One `@rest`
 * root field is decided the same way and run by {@link runRestLane}. A decision carries what its
 * document touches of deprecated elements (src/usage), so an answer the lane gives alone is counted as
 * Yoga's validation would count it (a handed-off one is counted by Yoga).
 *
 * @param options - the bound of the decision cache
 * @returns the lane
 */
export function createFastLane(options: FastLaneOptions = {}): FastLane {
  const decisions = new LaneDecisions(options.maxDecisions ?? DEFAULT_MAX_DECISIONS);
  const documents = options.documents ?? { mode: "off" as const, lookup: async () => null };

  function takes(request: Request): boolean {
    if (request.method !== "POST") return false;
    const contentType = request.headers.get("content-type")?.split(",")[0];
    if (contentType !== "application/json" && !contentType?.startsWith("application/json;")) return false;
    return laneMediaType(request.headers.get("accept")) !== null;
  }

  async function serve(input: LaneRequest): Promise<Response> {
    const { request, context } = input;
    const text = await request.text();
    const toYoga = (): Response | Promise<Response> =>
      input.yoga(
        new Request(request.url, { method: "POST", headers: request.headers, body: text, signal: request.signal }),
        context,
      );
    let read: LaneParams | DocumentParams | undefined;
    try {
      read = laneParams(JSON.parse(text), documents.mode);
    } catch {
      read = undefined;
    }
    let params: LaneParams | undefined;
    if (read !== undefined && typeof (read as LaneParams).query === "string") params = read as LaneParams;
    else if (read !== undefined) {
      // A stored document: the lane runs its text as Yoga would (useTrustedDocuments), else Yoga answers.
      const found = await documents.lookup(read as DocumentParams);
      params =
        found === null ? undefined : { query: found, variables: read.variables, operationName: read.operationName };
    }
    const mediaType = laneMediaType(request.headers.get("accept"));
    if (params === undefined || mediaType === null) {
      fastLaneCounters.toYoga++;
      return toYoga();
    }
    const session = context.session;
    const key = decisionKey(session.source, session.role, params.operationName, params.query);
    // Until a first decision exists the served schema is not asked for here: on a cold start Yoga may
    // serve a remote's own schema before any composition (useRegistrySchema), which waiting for the
    // registry's composed schema would defeat.
    let schema: GraphQLSchema | undefined;
    if (decisions.recorded) {
      try {
        schema = await input.schema();
      } catch {
        schema = undefined;
      }
    }
    const decision = schema === undefined ? undefined : decisions.get(schema, key);
    if (schema === undefined || decision === undefined) {
      // The decision is recorded under the schema Yoga ran the operation against: the one this
      // session is served (a later lookup under another schema, e.g. after a reload, finds nothing).
      context.fastLane = {
        record(ranAgainst, target, operationType, document) {
          const usage = documentUsage(ranAgainst, document, params?.operationName);
          const operationName = getOperationAST(document, params?.operationName)?.name?.value;
          decisions.set(ranAgainst, key, {
            target: target as LaneDecision["target"],
            operationType,
            operationName,
            usage,
          });
        },
      };
      fastLaneCounters.toYoga++;
      return toYoga();
    }
    const target = decision.target;
    context.trace?.nameOperation(decision.operationName, decision.operationType);
    if ("restRoot" in target) {
      const outcome = await runRestLane(target, params.variables ?? undefined, context);
      if ("body" in outcome) {
        fastLaneCounters.served++;
        countUsage(context, schema, decision.usage, params.variables);
        return rawResponse(outcome.body, mediaType, context, params, decision);
      }
      // The resolver failed after its call: Yoga's run finds the call's outcome in the request's GET memo.
      if ("handoff" in outcome) fastLaneCounters.handedOff++;
      else fastLaneCounters.toYoga++;
      return toYoga();
    }
    let answer: PassthroughAnswer;
    try {
      answer = await target.executor.send({
        query: params.query,
        variables: params.variables ?? undefined,
        operationName: params.operationName ?? undefined,
        operationType: decision.operationType,
        context,
      });
    } catch (error) {
      context.fastLane = { handoff: { schema, target, outcome: { error } } };
      fastLaneCounters.handedOff++;
      return toYoga();
    }
    if (answer.raw !== undefined) {
      fastLaneCounters.served++;
      countUsage(context, schema, decision.usage, params.variables);
      return rawResponse(answer.bytes, mediaType, context, params, decision);
    }
    // Errors to label or locate: Yoga shapes the answer already obtained, exactly as without the lane.
    context.fastLane = { handoff: { schema, target, outcome: { result: answer.result } } };
    fastLaneCounters.handedOff++;
    return toYoga();
  }

  return { takes, serve, decisions };
}
