import * as z from "zod";
import {
  bindingUrl,
  circuitBreaker,
  forwardClientHeaders,
  gatewayTokenSwitch,
  graphqlName,
  headerMap,
  headerName,
  httpUrl,
  maxResponseBytes,
  nameAffix,
  retries,
  serviceBinding,
  targetProblems,
  timeoutMs,
  upstreamName,
} from "./primitives";

/** The config of remote schemas and REST services. */

/** The default `path` of a remote reached through a service binding. */
export const DEFAULT_BINDING_PATH = "/graphql";

/**
 * Reports {@link targetProblems} (exactly one of url and binding; path only with binding) on a parsed
 * remote or service entry.
 */
function checkTarget(kind: "remote" | "service"): (entry: object, ctx: z.core.$RefinementCtx) => void {
  return (entry, ctx) => {
    for (const problem of targetProblems(entry, kind)) {
      ctx.addIssue({ code: "custom", path: problem.path, message: problem.message });
    }
  };
}

/** Per-parent-type field renames (Hasura's `field_names` customization). */
export const FieldNamesCustomizationSchema = z
  .object({
    parentType: graphqlName.describe("Type whose fields are renamed, by its name in the remote schema."),
    prefix: nameAffix.optional().describe("Prepended to every field name of parentType."),
    suffix: nameAffix.optional().describe("Appended to every field name of parentType."),
    mapping: z
      .record(graphqlName, graphqlName)
      .optional()
      .describe("Exact renames (original field name -> new name); win over prefix/suffix."),
  })
  .strict();

/**
 * Hasura's remote schema customization.
 * @see https://hasura.io/docs/latest/api-reference/metadata-api/remote-schemas
 */
export const CustomizationSchema = z
  .object({
    rootFieldsNamespace: graphqlName
      .optional()
      .describe(
        "Put every root field of this remote under one field of this name (type `<namespace>_query` / `<namespace>_mutation` / `<namespace>_subscription`).",
      ),
    typeNames: z
      .object({
        prefix: nameAffix
          .optional()
          .describe("Prepended to every type name (not built-in scalars or introspection types)."),
        suffix: nameAffix.optional().describe("Appended to every type name."),
        mapping: z
          .record(graphqlName, graphqlName)
          .optional()
          .describe("Exact renames (original type name -> new name); win over prefix/suffix."),
      })
      .strict()
      .optional(),
    fieldNames: z.array(FieldNamesCustomizationSchema).optional(),
  })
  .strict();

/**
 * How a remote resolves one merged type from its key (stitching's merged type config). Names are the
 * remote's own, before `customization`.
 * @see https://the-guild.dev/graphql/stitching/docs/approaches/type-merging
 */
export const MergeSchema = z
  .object({
    key: graphqlName.describe("Field of the type that identifies an object, e.g. id."),
    resolver: graphqlName.describe(
      "Query field of this remote that returns the type by key: a list field (all keys of a level in one call) or a single-object field (one call per key, sent as one batched request).",
    ),
    argument: graphqlName.describe(
      "Argument of `resolver` that takes the key (a list argument for a list resolver, else one key).",
    ),
  })
  .strict();

/**
 * How the gateway holds a remote's subscriptions (docs/realtime.md "Subscriptions on remote schemas"):
 * one upstream subscription per distinct (remote, document sent upstream, variables, scope), held by a
 * `RemoteStream` Durable Object and fanned out to every subscriber.
 * @see https://github.com/enisdenjo/graphql-sse/blob/master/PROTOCOL.md (transport "sse")
 * @see https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md (transport "graphql-ws")
 */
export const RemoteSubscriptionsSchema = z
  .object({
    transport: z
      .enum(["sse", "graphql-ws"])
      .default("sse")
      .describe(
        '"sse": GraphQL over SSE, distinct connections (as graphql-yoga and Hive serve it); "graphql-ws": the graphql-transport-ws protocol over a WebSocket opened with fetch and Upgrade: websocket on the http(s) url, so headers can be set.',
      ),
    url: httpUrl
      .optional()
      .describe(
        "Where subscriptions go (http or https, for both transports). Default: the remote's url, or its binding and path.",
      ),
    share: z
      .enum(["session", "role", "all"])
      .default("session")
      .describe(
        '"session": one upstream subscription per subscriber session (per user; without auth everyone shares); "role": per role, connecting with only x-hasura-role; "all": one for everybody, connecting without session variables or client headers.',
      ),
    reconnectWithinMs: z
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        "While a lost upstream connection is re-established within this many ms (jittered exponential backoff from 250 ms to 5 s), clients see nothing; after it, each gets UPSTREAM_UNAVAILABLE and its subscription ends.",
      ),
    reestablishAfterMs: z
      .number()
      .int()
      .min(1_000)
      .max(840_000)
      .default(600_000)
      .describe(
        "An upstream connection open this long (ms) is re-established on a fresh Durable Object (a new connection opens, then the old one closes), before the platform may evict an object holding an outgoing connection (15 minutes).",
      ),
  })
  .strict();

/** One remote GraphQL schema (Hasura's "remote schema"). */
export const RemoteSchema = z
  .object({
    name: upstreamName.describe("Unique name; used in errors (`extensions.serviceName`), admin routes and KV keys."),
    url: httpUrl.optional().describe("GraphQL endpoint (http or https). Exactly one of url and binding."),
    binding: serviceBinding,
    path: z
      .string()
      .startsWith("/", "must start with /")
      .optional()
      .describe('With binding: the GraphQL endpoint\'s path on the bound Worker. Default "/graphql".'),
    headers: headerMap
      .default({})
      .describe("Headers sent on every request to this remote; win over session variables and client headers."),
    introspectionHeaders: headerMap
      .optional()
      .describe("Headers for introspection only (for example an admin token). Default: `headers`."),
    uploads: z
      .enum(["reference", "forward"])
      .default("reference")
      .describe(
        'What an Upload argument of this remote receives: "reference" (the stored file\'s { key, url, size, contentType, filename, sha256 }) or "forward" (the multipart request re-sent with the file streamed from R2).',
      ),
    forwardClientHeaders,
    timeoutMs,
    retries,
    circuitBreaker,
    maxResponseBytes,
    customization: CustomizationSchema.optional(),
    gatewayToken: gatewayTokenSwitch,
    exposeErrorExtensions: z
      .union([z.array(z.string().min(1)), z.literal(true)])
      .optional()
      .describe(
        "Extensions of this remote's GraphQL errors that reach clients besides code (always) and serviceName (set by the gateway): a list of keys, or true for all. Default: none. Stack traces (stacktrace, stack) never pass.",
      ),
    merge: z
      .record(graphqlName, MergeSchema)
      .optional()
      .describe(
        "Entity merging (stitching type merging, Hasura remote-to-remote relationships): per type, by its name in this remote, how this remote resolves it from a key.",
      ),
    publish: z
      .record(graphqlName, z.string().min(1))
      .optional()
      .describe(
        'Events of this remote\'s mutations (@publish for remote fields): Mutation field name as the gateway shows it (after customization) -> topic template reading {result.x}, {args.x} or {session.x}, e.g. "orders.{result.id}". After the mutation succeeds, what the remote answered for the field is published to the topic (docs/events.md).',
      ),
    subscriptions: RemoteSubscriptionsSchema.default({
      transport: "sse",
      share: "session",
      reconnectWithinMs: 30_000,
      reestablishAfterMs: 600_000,
    }).describe("How this remote's Subscription fields are served (docs/realtime.md)."),
  })
  .strict()
  .superRefine(checkTarget("remote"))
  // A remote behind a binding is called at https://<binding>.binding<path> (see bindingUrl): `url` is
  // always set once validated, and the upstream pipeline sends it to the binding instead of the network.
  .transform(({ path, ...remote }) =>
    remote.binding === undefined
      ? { ...remote, url: remote.url ?? "" }
      : { ...remote, url: bindingUrl(remote.binding, path ?? DEFAULT_BINDING_PATH) },
  );

/** A template string: may read `{args.x}`, `{parent.x}`, `{session.x}` (nested paths allowed). */
const template = z.string();

/** A JSON body template: any JSON value whose strings are templates. */
type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };
const jsonTemplate: z.ZodType<JsonTemplate> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonTemplate), z.record(z.string(), jsonTemplate)]),
);

/** One header operation of an endpoint, applied after the service's headers. */
export const HeaderOpSchema = z
  .object({
    op: z.enum(["set", "add", "del"]).describe("set replaces, add appends a value, del removes the header."),
    key: headerName,
    value: template.optional().describe("The value (a template); required for set and add."),
  })
  .strict()
  .refine((op) => op.op === "del" || op.value !== undefined, { message: "set and add need a value", path: ["value"] });

/** One named endpoint of a REST service (Space Cloud's remote service endpoint). */
export const EndpointSchema = z
  .object({
    method: z
      .enum(["GET", "POST", "PUT", "PATCH", "DELETE"])
      .default("POST")
      .describe("HTTP method. POST sends the field's arguments as the JSON body unless `body` is given."),
    path: z
      .string()
      .startsWith("/", "must start with /")
      .describe(
        "Path template, e.g. /charges/{args.id}; values are URL-encoded; a segment rendering empty, . or .. is refused (INVALID_ARGUMENT).",
      ),
    query: z
      .record(z.string(), template)
      .optional()
      .describe(
        'Query parameters (templates); a parameter whose value is null or missing is left out; "" is sent as "".',
      ),
    body: jsonTemplate
      .optional()
      .describe('JSON body template; a string that is exactly one "{args.x}" keeps the value\'s JSON type.'),
    headers: z.array(HeaderOpSchema).default([]).describe("Header operations after the service's headers."),
    select: z.string().optional().describe("Dot path into the JSON response, e.g. data.items."),
    keyField: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Field of each item of the response list that holds the parent's key; needed by @rest(batch: true), which matches items to parents by it.",
      ),
    safe: z
      .boolean()
      .default(false)
      .describe(
        "Calling the endpoint changes nothing (a read, e.g. a search sent by POST): only then may a Query field use an endpoint whose method is not GET, since queries also run from GET requests.",
      ),
  })
  .strict();

/** A remote REST service whose endpoints back GraphQL fields declared with `@rest` in schemas/*.graphql. */
export const ServiceSchema = z
  .object({
    name: upstreamName.describe("Unique across services and remotes; named by @rest(service:) and in errors."),
    url: httpUrl.optional().describe("Base URL; endpoint paths are appended to it. Exactly one of url and binding."),
    binding: serviceBinding,
    headers: headerMap
      .default({})
      .describe("Headers sent with every call; win over session variables and client headers."),
    forwardClientHeaders,
    timeoutMs,
    retries,
    circuitBreaker,
    maxResponseBytes,
    endpoints: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must match [A-Za-z_][A-Za-z0-9_]*"), EndpointSchema)
      .describe("Named endpoints."),
    exposeErrors: z
      .boolean()
      .default(false)
      .describe("On a non-2xx answer, pass the JSON body's message/error string to the client."),
    gatewayToken: gatewayTokenSwitch,
  })
  .strict()
  .superRefine(checkTarget("service"))
  // Behind a binding, endpoint paths go to https://<binding>.binding<path> (see bindingUrl).
  .transform((service) => ({
    ...service,
    url: service.binding === undefined ? (service.url ?? "") : bindingUrl(service.binding, ""),
  }));
