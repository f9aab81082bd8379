import { ErrorCode, ValidationError } from "../errors";
import { isUpstreamContext, SESSION_VARIABLE_PREFIX } from "../shared";

/**
 * Templates of REST endpoints: `{args.x}`, `{parent.x}`, `{session.x}` with nested paths
 * (`{args.input.address.city}`), as in Space Cloud's remote service templates; `@publish` topics also
 * read `{result.x}` (the mutation's result).
 */

/** Where a template reference reads from (`result`: only `@publish` topic templates have one). */
export type TemplateRoot = "args" | "parent" | "session" | "result";

/** One `{root.a.b}` reference. */
export interface TemplateReference {
  /** `args`, `parent`, `session` or `result`. */
  root: TemplateRoot;
  /** The path after the root, at least one segment. */
  path: string[];
  /** The reference as written, e.g. `{args.id}`. */
  text: string;
}

/** The values templates read. */
export interface TemplateScope {
  /** The field's arguments. */
  args: Record<string, unknown>;
  /** The parent object (fields on object types), else undefined. */
  parent?: unknown;
  /** The session variables, see {@link sessionScope}. */
  session?: Record<string, unknown>;
  /** A mutation's result (`@publish` topic templates), else undefined. */
  result?: unknown;
}

/**
 * The `session` of a template scope: each variable under its Hasura name and its short name, so
 * `{session.x-hasura-user-id}` and `{session.user-id}` read the same value. Built once per request
 * (memoized on the variables object); callers must not change it.
 * @param variables - the session variables by Hasura name (`x-hasura-user-id`)
 * @returns name -> value
 */
export function sessionScope(variables: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (variables === undefined) return {};
  let scope = scopes.get(variables);
  if (scope === undefined) {
    scope = {};
    for (const [name, value] of Object.entries(variables)) {
      scope[name] = value;
      if (name.startsWith(SESSION_VARIABLE_PREFIX)) scope[name.slice(SESSION_VARIABLE_PREFIX.length)] = value;
    }
    scopes.set(variables, scope);
  }
  return scope;
}

/**
 * The scope of a field's templates in one request: its arguments, its parent, and the session of the
 * request's context (when it is the gateway's upstream context).
 * @param parent - the parent object (undefined for root fields)
 * @param args - the field's arguments
 * @param context - the GraphQL context
 * @returns the scope
 */
export function fieldScope(parent: unknown, args: Record<string, unknown>, context: unknown): TemplateScope {
  return { args, parent, session: sessionScope(isUpstreamContext(context) ? context.session?.variables : undefined) };
}

/** One scope per session (its variables object), shared by every REST call of the request. */
const scopes = new WeakMap<object, Record<string, string>>();

const REFERENCE = /\{(args|parent|session|result)((?:\.[A-Za-z0-9_-]+)+)\}/g;
const WHOLE = /^\{(args|parent|session|result)((?:\.[A-Za-z0-9_-]+)+)\}$/;

/**
 * Lists the references in a template string.
 * @param template - e.g. `/charges/{args.id}`
 * @returns every reference, in order
 */
export function templateReferences(template: string): TemplateReference[] {
  return [...template.matchAll(REFERENCE)].map((match) => ({
    root: match[1] as TemplateRoot,
    path: (match[2] as string).slice(1).split("."),
    text: match[0],
  }));
}

/**
 * Lists the references in every string of a JSON template, deeply.
 * @param template - any JSON value whose strings are templates
 * @returns every reference, in document order
 */
export function jsonTemplateReferences(template: unknown): TemplateReference[] {
  if (typeof template === "string") return templateReferences(template);
  if (Array.isArray(template)) return template.flatMap(jsonTemplateReferences);
  if (template !== null && typeof template === "object") return Object.values(template).flatMap(jsonTemplateReferences);
  return [];
}

/**
 * The value at a path of keys in a JSON value (`["data", "items", "0"]`).
 * @param value - any JSON value
 * @param steps - object keys (array indices as text)
 * @returns the value, or undefined when a step is missing or not an object
 */
export function valueAt(value: unknown, steps: readonly string[]): unknown {
  let current = value;
  for (const key of steps) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * The value of one reference. A `{session.x}` reference has no default: a session variable the caller's
 * session lacks (or holds as null) fails the field instead of rendering as "" or dropping a parameter,
 * so a template can never widen what an upstream is asked for.
 * @throws ValidationError MISSING_SESSION_VARIABLE for a missing session variable
 */
function lookup(scope: TemplateScope, root: TemplateRoot, path: readonly string[]): unknown {
  const value = valueAt(scope[root], path);
  if (root === "session" && (value === undefined || value === null)) {
    const name = path.join(".");
    throw new ValidationError(
      ErrorCode.MISSING_SESSION_VARIABLE,
      `The template reference {session.${name}} needs the session variable "${name}", which the caller's session lacks.`,
      { extensions: { variable: name } },
    );
  }
  return value;
}

const asText = (value: unknown): string =>
  value === undefined || value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value);

/**
 * Renders a template string.
 * @param template - text with references
 * @param scope - args, parent, session
 * @param encode - applied to each substituted value (e.g. encodeURIComponent for paths)
 * @returns the text; a missing or null `args`/`parent` value renders as ""
 * @throws ValidationError MISSING_SESSION_VARIABLE for a `{session.x}` the session lacks
 */
export function renderTemplate(template: string, scope: TemplateScope, encode?: (value: string) => string): string {
  if (!template.includes("{")) return template;
  return template.replace(REFERENCE, (_match, root: TemplateRoot, path: string) => {
    const text = asText(lookup(scope, root, path.slice(1).split(".")));
    return encode ? encode(text) : text;
  });
}

/**
 * Whether a template is exactly one reference (`"{args.amount}"`), whose value keeps its JSON type.
 * @param template - a template string
 * @returns true for `"{root.path}"` and nothing else
 */
export function isSoleReference(template: string): boolean {
  return WHOLE.test(template);
}

/**
 * The value of a template that is exactly one reference (keeps its JSON type), else the rendered text.
 * @param template - a template string
 * @param scope - args, parent, session
 * @returns the value; undefined when a sole `args`/`parent` reference has no value
 * @throws ValidationError MISSING_SESSION_VARIABLE for a `{session.x}` the session lacks
 */
export function renderValue(template: string, scope: TemplateScope): unknown {
  const whole = WHOLE.exec(template);
  if (whole) return lookup(scope, whole[1] as TemplateRoot, (whole[2] as string).slice(1).split("."));
  return renderTemplate(template, scope);
}

/**
 * Renders a query parameter template into its values: a template that is exactly one reference gives
 * one value per element of a list (`?orderId=1&orderId=2`, as json-server and most REST APIs read
 * repeated parameters) and none for a missing or null value (an optional argument the client did not
 * pass, or passed as null, omits its parameter); an empty string is sent as it is (`?userId=`), never
 * dropped, so `""` cannot turn a filter into "everything". Any other template gives its text.
 * @param template - the parameter's template
 * @param scope - args, parent, session
 * @returns the values, in order
 * @throws ValidationError MISSING_SESSION_VARIABLE for a `{session.x}` the session lacks
 */
export function renderQueryValues(template: string, scope: TemplateScope): string[] {
  if (!isSoleReference(template)) return [renderTemplate(template, scope)];
  const value = renderValue(template, scope);
  return (Array.isArray(value) ? value : [value]).filter((item) => item !== undefined && item !== null).map(asText);
}

/** Path segments a URL parser resolves away (WHATWG URL: `.`, `..` and their `%2e` spellings). */
const DOT_SEGMENTS = new Set(["", ".", ".."]);

/** A rendered path segment percent-decoded (as written when the template's own text has a malformed escape). */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Renders a path template, each substituted value URL-encoded (`encodeURIComponent`, so a `/` in a value
 * stays inside its segment). A segment holding a reference must not render empty, `.` or `..` (also
 * `%2e` spellings): such a segment would be dropped or walk up the service's path (RFC 3986 section
 * 5.2.4), so `/orders/{args.id}` with `id: ".."` could reach another resource.
 * @param template - e.g. `/charges/{args.id}/refunds`
 * @param scope - args, parent, session
 * @returns the path
 * @throws ValidationError INVALID_ARGUMENT (with `argument`: the references of the segment) for an
 *   empty, `.` or `..` segment; MISSING_SESSION_VARIABLE for a `{session.x}` the session lacks
 */
export function renderPathTemplate(template: string, scope: TemplateScope): string {
  if (!template.includes("{")) return template;
  return template
    .split("/")
    .map((segment) => {
      const references = templateReferences(segment);
      if (references.length === 0) return segment;
      const rendered = renderTemplate(segment, scope, encodeURIComponent);
      const plain = decodedSegment(rendered);
      if (DOT_SEGMENTS.has(plain)) {
        const names = references.map((reference) => reference.text).join(", ");
        throw new ValidationError(
          ErrorCode.INVALID_ARGUMENT,
          `The path segment ${names} cannot be ${JSON.stringify(plain)}: an empty, "." or ".." path segment is refused.`,
          { extensions: { argument: references.map((reference) => reference.text.slice(1, -1)).join(", ") } },
        );
      }
      return rendered;
    })
    .join("/");
}

/**
 * Renders a JSON body template: strings are templates (see renderValue); object keys whose value is
 * undefined are left out.
 * @param template - any JSON value
 * @param scope - args, parent, session
 * @returns the JSON value to send
 */
export function renderJsonTemplate(template: unknown, scope: TemplateScope): unknown {
  if (typeof template === "string") return renderValue(template, scope);
  if (Array.isArray(template)) return template.map((item) => renderJsonTemplate(item, scope));
  if (template !== null && typeof template === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(template)) {
      const value = renderJsonTemplate(item, scope);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  return template;
}
