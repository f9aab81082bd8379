import type { GraphQLSchema } from "graphql";
import { ErrorCode, GatewayError } from "../errors";
import { type DeprecationKind, deprecatedElements, parseDeprecationReason } from "../lifecycle";
import { usageStub } from "./record";
import { RETENTION_DAYS, type UsageRead, utcDay } from "./store";

/** The window of `GET /admin/deprecations` without `?days`. */
export const DEFAULT_WINDOW_DAYS = 30;

/** One client's use of a deprecated element in the window. */
export interface ClientUsage {
  /** The client name (`graphql-client-name` / `x-client-name`, "unknown", or "(other)"). */
  name: string;
  /** Operations of that client that touched the element. */
  count: number;
  /** The last of them, ISO 8601. */
  lastUsed: string;
}

/** One deprecated element of the schema and its use (`GET /admin/deprecations`). */
export interface DeprecationReport {
  /** Its schema coordinate (`Type.field`, `Type.field(arg:)`, `Input.field`, `Enum.VALUE`). */
  coordinate: string;
  /** What it is (`mutation` for fields of the mutation type). */
  kind: DeprecationKind;
  /** The `@deprecated(reason:)` text. */
  reason: string;
  /** The removal date of the reason (`YYYY-MM-DD`), or null when the reason is not in the policy's format. */
  removalDate: string | null;
  /** Its last use over the kept days (up to 90), ISO 8601, or null when none is recorded. */
  lastUsed: string | null;
  /** The clients that used it in the window, most operations first (then by name). */
  clients: ClientUsage[];
}

/**
 * Joins a schema's deprecated elements (`deprecatedElements`, src/lifecycle) with their recorded use.
 * Order: elements with a removal date first, the earliest date first (what can go soonest leads); then
 * those without a date in the policy's format; within the same date, by coordinate.
 * @param schema - the composed schema
 * @param usage - what the usage object read for the window
 * @returns one entry per deprecated element (counts of coordinates the schema no longer has are left out)
 */
export function deprecationReport(schema: GraphQLSchema, usage: UsageRead): DeprecationReport[] {
  const byCoordinate = new Map<string, ClientUsage[]>();
  for (const row of usage.rows) {
    let clients = byCoordinate.get(row.coordinate);
    if (clients === undefined) {
      clients = [];
      byCoordinate.set(row.coordinate, clients);
    }
    clients.push({ name: row.client, count: row.count, lastUsed: new Date(row.lastUsed).toISOString() });
  }
  const report = deprecatedElements(schema).map((element): DeprecationReport => {
    const clients = byCoordinate.get(element.coordinate) ?? [];
    clients.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const last = usage.lastUsed[element.coordinate];
    return {
      coordinate: element.coordinate,
      kind: element.kind,
      reason: element.reason,
      removalDate: parseDeprecationReason(element.reason)?.removalDate ?? null,
      lastUsed: last === undefined ? null : new Date(last).toISOString(),
      clients,
    };
  });
  const dateKey = (entry: DeprecationReport): string => entry.removalDate ?? "9999-99-99";
  return report.sort(
    (a, b) =>
      dateKey(a).localeCompare(dateKey(b)) || (a.coordinate < b.coordinate ? -1 : a.coordinate > b.coordinate ? 1 : 0),
  );
}

/** The body of `GET /admin/deprecations`. */
export interface DeprecationsAnswer {
  /** The window, in UTC days (today included). */
  days: number;
  /** Its first day, `YYYY-MM-DD` (UTC). */
  since: string;
  /** The deprecated elements (see {@link deprecationReport}). */
  deprecations: DeprecationReport[];
}

/**
 * Reads the `days` query parameter of `GET /admin/deprecations`.
 * @param value - the parameter's text, if given
 * @returns the window in days, {@link DEFAULT_WINDOW_DAYS} when absent
 * @throws GatewayError `BAD_REQUEST` (400) unless it is a whole number from 1 to 90
 */
export function windowDays(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WINDOW_DAYS;
  const days = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(days >= 1 && days <= RETENTION_DAYS)) {
    throw new GatewayError(
      ErrorCode.BAD_REQUEST,
      `days must be a whole number from 1 to ${RETENTION_DAYS} (counts are kept ${RETENTION_DAYS} days), not "${value}".`,
    );
  }
  return days;
}

/**
 * What `GET /admin/deprecations` answers: the schema's deprecated elements with their use over the last
 * `days` UTC days, read from the `DEPRECATION_USAGE` object.
 * @param env - the Worker's bindings
 * @param schema - the composed schema (the registry's)
 * @param days - the window (see {@link windowDays})
 * @param now - the current time, ms since the epoch
 * @returns the answer's body
 * @throws GatewayError `INVALID_CONFIG` (500) without the `DEPRECATION_USAGE` binding; the object's call
 *   errors as they are
 */
export async function readDeprecations(
  env: Env,
  schema: GraphQLSchema,
  days: number,
  now: number,
): Promise<DeprecationsAnswer> {
  const stub = usageStub(env);
  if (stub === undefined) {
    throw new GatewayError(
      ErrorCode.INVALID_CONFIG,
      "Usage of deprecated elements needs the DEPRECATION_USAGE Durable Object binding (class DeprecationUsage) in wrangler.toml.",
    );
  }
  const usage = await stub.read(days, now);
  return {
    days,
    since: utcDay(now - (days - 1) * 24 * 60 * 60 * 1000),
    deprecations: deprecationReport(schema, usage),
  };
}
