import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  type OperationDefinitionNode,
} from "graphql";
import { ADMIN_ROLE, enforceRoleChecks, sessionRoles } from "../auth";
import { ErrorCode, GatewayError, maskError } from "../errors";
import { renderTopic, type StreamSpec } from "../events";
import type { Gateway } from "../gateway";
import { createGatewayEnvelop } from "../graphql";
import { type GatewayContext, type Session, sha256Hex, USER_ID_VARIABLE } from "../shared";
import type { TopicBinding } from "../sources";
import { sessionScope } from "../templates";
import { prepareRemoteSubscription } from "./remote";
import type { StoredContext } from "./storage";

/** One operation as a client sends it (`subscribe` message payload, SSE request parameters). */
export interface OperationRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** A subscription accepted for a topic: what the shard stores and executes per event. */
export interface PreparedSubscription {
  /** The rendered topic. */
  topic: string;
  /** The sharing group: subscriptions with the same key share one execution per event. */
  group: string;
  /** A remote stream's topic: the upstream subscription its hub opens (see remote.ts). */
  stream?: StreamSpec;
  /** The context its events execute with, when not the subscriber's own (a shared remote stream's: the role alone). */
  context?: StoredContext;
}

/** What {@link prepareOperation} decided. */
export type Prepared =
  | { kind: "errors"; errors: GraphQLError[] }
  | { kind: "subscription"; subscription: PreparedSubscription }
  | { kind: "execute"; run: () => Promise<ExecutionResult> };

const envelops = new WeakMap<Gateway, ReturnType<typeof createGatewayEnvelop>>();
/** Parsed documents per query text, per isolate (bounded). */
const documents = new Map<string, DocumentNode>();
const MAX_DOCUMENTS = 500;

/** The gateway's operation pipeline (created once per gateway). */
function envelopOf(gateway: Gateway): ReturnType<typeof createGatewayEnvelop> {
  let made = envelops.get(gateway);
  if (made === undefined) {
    made = createGatewayEnvelop({
      limits: gateway.config.limits,
      introspection: gateway.config.introspection,
      responseCache: gateway.responseCache,
    });
    envelops.set(gateway, made);
  }
  return made;
}

/** Errors of a result masked like Yoga masks them (GatewayErrors pass, anything unexpected is hidden). */
export function maskResult(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined || result.errors.length === 0) return result;
  return { ...result, errors: result.errors.map((error) => maskError(error, "Unexpected error.") as GraphQLError) };
}

/**
 * A GatewayError (or any error) as the GraphQL errors of a protocol error message, masked as Yoga masks
 * them, without `extensions.http` (an HTTP status means nothing inside a socket or a stream).
 */
export function errorsOf(error: unknown): GraphQLError[] {
  const masked = maskError(error, "Unexpected error.") as GraphQLError;
  if (masked.extensions?.http === undefined) return [masked];
  const { http: _http, ...extensions } = masked.extensions;
  return [new GraphQLError(masked.message, { nodes: masked.nodes, path: masked.path, extensions })];
}

/**
 * The topic of one subscription: its `@topic` template rendered with the events' renderer (a missing,
 * null, empty or object value is an error, never an empty segment), then checked for ownership: a topic
 * under `users.<id>` belongs to user `<id>` alone (the admin excepted).
 * @param binding - the field's `@topic`
 * @param args - the field's coerced arguments
 * @param session - the subscriber's session
 * @returns the topic
 * @throws ValidationError `MISSING_SESSION_VARIABLE` for a `{session.x}` the session lacks; GatewayError
 *   `INVALID_TOPIC` for an `{args.x}` without a value or a malformed topic, `TOPIC_FORBIDDEN` for another
 *   user's topic
 */
export function subscriptionTopic(binding: TopicBinding, args: Record<string, unknown>, session: Session): string {
  const topic = renderTopic(binding.template, { args, session: sessionScope(session.variables) });
  const [first, owner] = topic.split(".");
  const admin = session.source === "admin" || sessionRoles(session).includes(ADMIN_ROLE);
  if (first === "users" && !admin && owner !== session.variables[USER_ID_VARIABLE]) {
    throw new GatewayError(ErrorCode.TOPIC_FORBIDDEN, `Topic ${topic} belongs to another user.`);
  }
  return topic;
}

/**
 * The key subscriptions share one execution per event by: the operation, its variables and the session
 * (`@topic(share: "role")`, or a remote's `subscriptions.share` "role" or "all": the role alone).
 */
async function groupKey(share: TopicBinding["share"], session: Session, request: OperationRequest): Promise<string> {
  const who =
    share === "role"
      ? { role: session.role }
      : { source: session.source, role: session.role, variables: session.variables };
  return sha256Hex(JSON.stringify([who, request.query, request.operationName ?? null, request.variables ?? {}]));
}

/**
 * The schema the session runs against (its role's), and the envelop run for it; `params` (the operation
 * a run validates) go on its context as Yoga's do, for the plugins that count validated operations.
 */
export async function enveloped(gateway: Gateway, context: GatewayContext, params?: OperationRequest) {
  const full = await gateway.registry.getSchema((promise) => context.executionCtx.waitUntil(promise));
  const schema = gateway.permissions.schemaFor(full, context.session);
  return envelopOf(gateway)({ ...context, schema, ...(params === undefined ? {} : { params }) });
}

/** The parsed document of a query text (cached per isolate). */
export function parsed(run: Awaited<ReturnType<typeof enveloped>>, query: string): DocumentNode {
  let document = documents.get(query);
  if (document === undefined) {
    document = run.parse(query) as DocumentNode;
    if (documents.size >= MAX_DOCUMENTS) documents.delete(documents.keys().next().value as string);
    documents.set(query, document);
  }
  return document;
}

/**
 * Parses and validates one operation for the session, with the same role schema, presets and limits as
 * HTTP. A query or mutation is returned ready to run; a subscription is checked against its `@topic`
 * (arguments coerced, topic rendered) and returned as the topic and sharing group to store. The
 * operation gets its per-operation log line (src/observability) when it ends: a query or mutation once
 * it has run, a refused operation at once, a subscription once it is set up (its events get none).
 * @param gateway - the shard's gateway
 * @param context - the request context of the connection
 * @param request - the operation
 * @returns the errors to send, the subscription to store, or the operation to run
 */
export async function prepareOperation(
  gateway: Gateway,
  context: GatewayContext,
  request: OperationRequest,
): Promise<Prepared> {
  const prepared = await prepare(gateway, context, request);
  const observation = context.observation;
  if (observation === undefined) return prepared;
  // The document is parsed once per isolate (`parsed`), so the parse hook may not see it: name it here.
  const document = documents.get(request.query);
  const operation = document === undefined ? undefined : getOperationAST(document, request.operationName ?? undefined);
  observation.operation({
    name: operation?.name?.value ?? request.operationName,
    type: operation?.operation,
    text: request.query,
  });
  const finish = () => {
    const line = observation.finish();
    if (line !== undefined) context.executionCtx.waitUntil(line);
  };
  if (prepared.kind === "errors") observation.errors(prepared.errors);
  if (prepared.kind !== "execute") {
    finish();
    return prepared;
  }
  return {
    kind: "execute",
    run: async () => {
      const result = await prepared.run();
      observation.errors(result.errors ?? []);
      finish();
      return result;
    },
  };
}

/** {@link prepareOperation} without the log line. */
async function prepare(gateway: Gateway, context: GatewayContext, request: OperationRequest): Promise<Prepared> {
  try {
    const run = await enveloped(gateway, context, request);
    let document: DocumentNode;
    try {
      document = parsed(run, request.query);
    } catch (error) {
      if (error instanceof GraphQLError) return { kind: "errors", errors: [error] };
      throw error;
    }
    const invalid = run.validate(run.schema, document);
    if (invalid.length > 0)
      return { kind: "errors", errors: (invalid as GraphQLError[]).map((e) => maskError(e, "") as GraphQLError) };
    const operation = getOperationAST(document, request.operationName ?? undefined);
    if (operation === null || operation === undefined) {
      return { kind: "errors", errors: [new GraphQLError("No operation to run: name one with operationName.")] };
    }
    // The role's @checks, before anything runs: a subscription bound to a topic is stored, not subscribed,
    // and a refused query or mutation becomes an error message here instead of a failed socket message.
    enforceRoleChecks(run.schema, document, request.operationName, request.variables, context.session);
    if (operation.operation !== "subscription") {
      return {
        kind: "execute",
        run: async () =>
          maskResult(
            (await run.execute({
              schema: run.schema,
              document,
              operationName: request.operationName ?? undefined,
              variableValues: request.variables ?? undefined,
              contextValue: await run.contextFactory(),
            })) as ExecutionResult,
          ),
      };
    }
    const root = operation.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD) as FieldNode;
    if (!gateway.topics.has(root.name.value)) {
      const stored = {
        session: context.session,
        headers: Object.fromEntries(context.clientHeaders),
        requestId: context.requestId,
      };
      const groupOf = (share: "session" | "role") => groupKey(share, context.session, request);
      const remote = await prepareRemoteSubscription(gateway, run, document, request, stored, groupOf);
      if (remote !== undefined) return remote;
    }
    return {
      kind: "subscription",
      subscription: await subscriptionOf(gateway, run.schema, operation, request, context),
    };
  } catch (error) {
    return { kind: "errors", errors: errorsOf(error) };
  }
}

/** The topic and group of a validated subscription operation. */
async function subscriptionOf(
  gateway: Gateway,
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  request: OperationRequest,
  context: GatewayContext,
): Promise<PreparedSubscription> {
  // Validation allows exactly one root field in a subscription (GraphQL spec 5.2.3.1).
  const root = operation.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD) as FieldNode;
  const binding = gateway.topics.get(root.name.value);
  const field = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (binding === undefined || field === undefined) {
    throw new GatewayError(ErrorCode.BAD_REQUEST, `Subscription.${root.name.value} is not bound to a topic.`);
  }
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
  if (variables.errors !== undefined) throw variables.errors[0];
  const args = getArgumentValues(field, root, variables.coerced);
  return {
    topic: subscriptionTopic(binding, args, context.session),
    group: await groupKey(binding.share, context.session, request),
  };
}

/**
 * Executes a stored subscription for one event: the event payload is the root value, so the topic
 * field's value is the payload (completed through its type's key lookup when it carries only the key).
 * @param gateway - the shard's gateway
 * @param context - a fresh request context for the subscription's session
 * @param request - the stored operation
 * @param payload - the event payload (parsed JSON)
 * @returns the masked result
 */
export async function executeEvent(
  gateway: Gateway,
  context: GatewayContext,
  request: OperationRequest,
  payload: unknown,
): Promise<ExecutionResult> {
  try {
    const run = await enveloped(gateway, context);
    const document = parsed(run, request.query);
    return maskResult(
      (await run.execute({
        schema: run.schema,
        document,
        rootValue: payload,
        operationName: request.operationName ?? undefined,
        variableValues: request.variables ?? undefined,
        contextValue: await run.contextFactory(),
      })) as ExecutionResult,
    );
  } catch (error) {
    return { errors: errorsOf(error) };
  }
}
