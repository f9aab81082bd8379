import { GraphQLError } from "graphql";
import { type ErrorCode, statusOf } from "./codes";

/** Options shared by every {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** The underlying error; logged, never sent to clients. A GatewayError cause gives `"cause"` codes their status. */
  cause?: unknown;
  /** Extra public fields for `extensions` (GraphQL) or the JSON error body (HTTP). */
  extensions?: Record<string, unknown>;
}

/**
 * The one error hierarchy of Junction. Everything thrown on purpose is a GatewayError with a stable
 * {@link ErrorCode}; its HTTP status comes from the error table (src/errors/codes.ts), never from the
 * throw site. {@link maskError} lets these through to clients and masks anything else.
 */
export class GatewayError extends Error {
  override readonly name: string = "GatewayError";
  /** Stable machine-readable code, sent as `extensions.code` or `error.code`. */
  readonly code: ErrorCode;
  /** HTTP status when this error answers a whole request (from the error table). */
  readonly status: number;
  /** Public extra fields (never secrets, bodies or stacks). */
  readonly extensions: Record<string, unknown>;

  /**
   * @param code - the stable error code
   * @param message - a public, human-readable message (it is sent to clients)
   * @param options - cause and public extensions
   */
  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = statusOf(code, options.cause instanceof GatewayError ? options.cause.status : undefined);
    this.extensions = options.extensions ?? {};
  }

  /**
   * The error as a GraphQL error: `extensions` carries `code` and the public extensions.
   * @param path - the response path the error belongs to (GraphQL spec, section 7.1.2 "Errors")
   */
  toGraphQLError(path?: ReadonlyArray<string | number>): GraphQLError {
    return new GraphQLError(this.message, {
      path,
      originalError: this,
      extensions: { code: this.code, ...this.extensions },
    });
  }

  /**
   * The error as the JSON body of a non-GraphQL route (`/admin/*`, `/healthz`, `/.well-known/*`, 404s,
   * and every route while the config is invalid): `{ error: { code, message, ...extensions } }`.
   */
  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.extensions } };
  }

  /**
   * The error as a whole HTTP answer of a non-GraphQL route: its status (from the error table) and the
   * {@link toJSON} body.
   * @param headers - more response headers (`Retry-After`, `Allow`, ...)
   */
  toResponse(headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify(this.toJSON()), {
      status: this.status,
      headers: { "content-type": "application/json", ...headers },
    });
  }

  /**
   * The error as a whole HTTP answer of `/graphql` refused before execution: its status and a
   * GraphQL-shaped body, `{ errors: [{ message, extensions: { code, ...extensions } }] }`.
   * @param headers - more response headers (`Retry-After`, `Allow`, ...)
   * @see https://graphql.github.io/graphql-over-http/draft/ (a request error has `errors` and no `data`)
   */
  toGraphQLResponse(headers: Record<string, string> = {}): Response {
    return new Response(JSON.stringify({ errors: [this.toGraphQLError().toJSON()] }), {
      status: this.status,
      headers: { "content-type": "application/json", ...headers },
    });
  }
}

/** One problem found in the gateway config, located by its JSON path (`$.remotes[0].url`) or `file:line:column`. */
export interface ConfigProblem {
  /** JSONPath of the offending value, e.g. `$.remotes[1].name`, or an SDL location. */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/** The gateway config is invalid (`INVALID_CONFIG`). Every request then fails with 500 and the list of problems. */
export class ConfigError extends GatewayError {
  override readonly name = "ConfigError";
  /** Each problem with its JSON path. */
  readonly problems: ConfigProblem[];

  /** @param problems - every problem found, at least one */
  constructor(problems: ConfigProblem[]) {
    const first = problems[0];
    const summary = first ? `${first.path}: ${first.message}` : "invalid config";
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    super("INVALID_CONFIG", `Invalid gateway config: ${summary}${more}`, { extensions: { problems } });
    this.problems = problems;
  }
}

/**
 * Who the caller is could not be established or is not good enough: a bad or missing token or admin
 * secret (`INVALID_AUTHORIZATION_HEADER`, `INVALID_JWT`, `JWT_EXPIRED`, `INVALID_CLAIMS`,
 * `UNAUTHENTICATED`, `UNAUTHORIZED`), or the means to check it are missing (`JWKS_UNAVAILABLE`,
 * `ADMIN_DISABLED`).
 */
export class AuthError extends GatewayError {
  override readonly name = "AuthError";
}

/** The caller is known but may not do this (`ROLE_NOT_ALLOWED`, `INVALID_PERMISSIONS` of its role). */
export class ForbiddenError extends GatewayError {
  override readonly name = "ForbiddenError";
}

/**
 * The request is not one the gateway will run as sent (`BAD_REQUEST`, `MISSING_SESSION_VARIABLE`,
 * `JOIN_LIMIT_EXCEEDED`), refused before any upstream call.
 */
export class ValidationError extends GatewayError {
  override readonly name = "ValidationError";
}

/**
 * An upstream (remote schema or service) failed. Carries `serviceName` so clients can tell which
 * source broke; never carries the upstream body.
 */
export class UpstreamError extends GatewayError {
  override readonly name = "UpstreamError";
  /**
   * @param code - one of the UPSTREAM_* codes, INTROSPECTION_FAILED, or INVALID_CONFIG (a gateway token key that fails the call)
   * @param serviceName - the remote's or service's configured `name`
   * @param message - public message
   * @param options - `upstreamStatus` (the upstream response's status, if any) goes into `extensions.status`
   */
  constructor(
    code: ErrorCode,
    serviceName: string,
    message: string,
    options: GatewayErrorOptions & { upstreamStatus?: number } = {},
  ) {
    super(code, message, {
      cause: options.cause,
      extensions: {
        serviceName,
        ...(options.upstreamStatus === undefined ? {} : { status: options.upstreamStatus }),
        ...options.extensions,
      },
    });
  }
}

/** Two remotes cannot be composed (`SCHEMA_CONFLICT`): the message names both, the type or field, and the fix. */
export class SchemaConflictError extends GatewayError {
  override readonly name = "SchemaConflictError";
  /**
   * @param message - names both remotes, the type or field, and the customization that resolves it
   * @param extensions - `remotes`, `typeName` / `fieldName` for machines
   */
  constructor(message: string, extensions: Record<string, unknown>) {
    super("SCHEMA_CONFLICT", message, { extensions });
  }
}
