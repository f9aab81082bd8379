import { GraphQLError } from "graphql";
import { ErrorCode } from "./codes";

/** Options shared by every {@link GatewayError}. */
export interface GatewayErrorOptions {
  /** HTTP status used when the error ends a whole HTTP request. @default 500 */
  status?: number;
  /** The underlying error; logged, never sent to clients. */
  cause?: unknown;
  /** Extra public fields for `extensions` (GraphQL) or the JSON error body (HTTP). */
  extensions?: Record<string, unknown>;
}

/**
 * The one error hierarchy of Junction. Everything thrown on purpose is a GatewayError with a stable
 * {@link ErrorCode}; {@link maskError} lets these through to clients and masks anything else.
 */
export class GatewayError extends Error {
  override readonly name: string = "GatewayError";
  /** Stable machine-readable code, sent as `extensions.code` or `error.code`. */
  readonly code: ErrorCode;
  /** HTTP status when this error answers a whole request. */
  readonly status: number;
  /** Public extra fields (never secrets, bodies or stacks). */
  readonly extensions: Record<string, unknown>;

  /**
   * @param code - the stable error code
   * @param message - a public, human-readable message (it is sent to clients)
   * @param options - status, cause and public extensions
   */
  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status ?? 500;
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

  /** The error as the JSON body of an HTTP error response: `{ error: { code, message, ...extensions } }`. */
  toJSON(): { error: Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, ...this.extensions } };
  }
}

/** One problem found in the gateway config, located by its JSON path (`$.remotes[0].url`). */
export interface ConfigProblem {
  /** JSONPath of the offending value, e.g. `$.remotes[1].name`. */
  path: string;
  /** What is wrong with it. */
  message: string;
}

/** The gateway config is invalid. Every request then fails with 500 and the list of problems. */
export class ConfigError extends GatewayError {
  override readonly name = "ConfigError";
  /** Each problem with its JSON path. */
  readonly problems: ConfigProblem[];

  /** @param problems - every problem found, at least one */
  constructor(problems: ConfigProblem[]) {
    const first = problems[0];
    const summary = first ? `${first.path}: ${first.message}` : "invalid config";
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
    super(ErrorCode.INVALID_CONFIG, `Invalid gateway config: ${summary}${more}`, {
      status: 500,
      extensions: { problems },
    });
    this.problems = problems;
  }
}

/**
 * An upstream (remote schema or service) failed. Carries `serviceName` so clients can tell which
 * source broke; never carries the upstream body.
 */
export class UpstreamError extends GatewayError {
  override readonly name = "UpstreamError";
  /**
   * @param code - one of the UPSTREAM_* codes or INTROSPECTION_FAILED
   * @param serviceName - the remote's configured `name`
   * @param message - public message
   * @param options - `status` of the upstream response if any goes into `extensions.status`
   */
  constructor(
    code: ErrorCode,
    serviceName: string,
    message: string,
    options: GatewayErrorOptions & { upstreamStatus?: number } = {},
  ) {
    super(code, message, {
      status: 502,
      cause: options.cause,
      extensions: {
        serviceName,
        ...(options.upstreamStatus === undefined ? {} : { status: options.upstreamStatus }),
        ...options.extensions,
      },
    });
  }
}

/** Missing or wrong admin secret (401), or admin routes disabled (503). */
export class AdminAuthError extends GatewayError {
  override readonly name = "AdminAuthError";
}

/** Two remotes cannot be composed: the message names both remotes, the type or field, and the fix. */
export class SchemaConflictError extends GatewayError {
  override readonly name = "SchemaConflictError";
  /**
   * @param message - names both remotes, the type or field, and the customization that resolves it
   * @param extensions - `remotes`, `typeName` / `fieldName` for machines
   */
  constructor(message: string, extensions: Record<string, unknown>) {
    super(ErrorCode.SCHEMA_CONFLICT, message, { status: 409, extensions });
  }
}
