import { DurableObject } from "cloudflare:workers";

/** How long (days) counts are kept: rows of older days are deleted. */
export const RETENTION_DAYS = 90;
/** The most distinct clients kept per coordinate and day; later clients of that day count as {@link OTHER_CLIENTS}. */
export const MAX_CLIENTS_PER_DAY = 100;
/** The client that counts the uses of clients over {@link MAX_CLIENTS_PER_DAY} (no client name has parentheses). */
export const OTHER_CLIENTS = "(other)";
/** The most coordinates one call records (more are dropped; no operation touches that many). */
export const MAX_COORDINATES_PER_CALL = 500;
/** How often (ms) the object deletes rows older than {@link RETENTION_DAYS}. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The UTC day (`YYYY-MM-DD`) of an instant (ms since the epoch). */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The first UTC day still kept at `now`. */
const retainedSince = (now: number): string => utcDay(now - (RETENTION_DAYS - 1) * DAY_MS);

/** One client's use of one coordinate over a window of days. */
export interface UsageRow {
  /** The schema coordinate (`Type.field`, `Type.field(arg:)`, `Input.field`, `Enum.VALUE`). */
  coordinate: string;
  /** The client name (see `clientName`), or {@link OTHER_CLIENTS}. */
  client: string;
  /** Operations that touched the coordinate in the window. */
  count: number;
  /** The last of them, ms since the epoch. */
  lastUsed: number;
}

/** What {@link DeprecationUsage.read} answers. */
export interface UsageRead {
  /** Per coordinate and client, the window's counts. */
  rows: UsageRow[];
  /** Per coordinate, its last use over every kept day (up to {@link RETENTION_DAYS}), ms since the epoch. */
  lastUsed: Record<string, number>;
}

/** The RPC surface of the usage object, as a stub gives it. */
export interface DeprecationUsageRpc {
  /** See {@link DeprecationUsage.record}. */
  record(client: string, coordinates: string[], at: number): Promise<void>;
  /** See {@link DeprecationUsage.read}. */
  read(days: number, now: number): Promise<UsageRead>;
}

/**
 * The usage counts of deprecated elements (the `DEPRECATION_USAGE` binding; one object, named "global"):
 * rows `(coordinate, client, day) -> count, last used` in the object's SQLite storage, so counts from
 * every isolate and every Worker bound to it meet in one place and survive restarts. Rows older than
 * {@link RETENTION_DAYS} days are deleted (checked at most hourly, on a write or a read). A coordinate
 * keeps at most {@link MAX_CLIENTS_PER_DAY} clients per day: client names come from request headers, so
 * a flood of invented names folds into {@link OTHER_CLIENTS} instead of growing storage.
 * @see https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
export class DeprecationUsage extends DurableObject<Env> {
  /** When rows were last pruned (ms); 0 before the first prune of this instance. */
  private prunedAt = 0;

  /**
   * @param ctx - the object's state (its SQLite storage)
   * @param env - the Worker's bindings
   */
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS usage (coordinate TEXT NOT NULL, client TEXT NOT NULL, day TEXT NOT NULL, count INTEGER NOT NULL, last_used INTEGER NOT NULL, PRIMARY KEY (coordinate, client, day))",
    );
  }

  /**
   * Counts one operation's use of some coordinates by one client, on the UTC day of `at`.
   * @param client - the client name (already bounded by `clientName`)
   * @param coordinates - the distinct coordinates the operation touched (at most {@link MAX_COORDINATES_PER_CALL} kept)
   * @param at - when the operation ran, ms since the epoch
   */
  async record(client: string, coordinates: string[], at: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    const day = utcDay(at);
    for (const coordinate of coordinates.slice(0, MAX_COORDINATES_PER_CALL)) {
      let who = client;
      const known = sql
        .exec("SELECT 1 FROM usage WHERE coordinate = ? AND client = ? AND day = ?", coordinate, who, day)
        .toArray();
      if (known.length === 0) {
        const clients = sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM usage WHERE coordinate = ? AND day = ?", coordinate, day)
          .one().n;
        if (clients >= MAX_CLIENTS_PER_DAY) who = OTHER_CLIENTS;
      }
      sql.exec(
        "INSERT INTO usage (coordinate, client, day, count, last_used) VALUES (?, ?, ?, 1, ?) ON CONFLICT (coordinate, client, day) DO UPDATE SET count = count + 1, last_used = max(last_used, excluded.last_used)",
        coordinate,
        who,
        day,
        at,
      );
    }
    this.prune();
  }

  /**
   * The counts of the last `days` UTC days (today included), per coordinate and client.
   * @param days - the window, 1 to {@link RETENTION_DAYS}
   * @param now - the current time, ms since the epoch
   * @returns the window's rows, and each coordinate's last use over every kept day (the last
   *   {@link RETENTION_DAYS} days)
   */
  async read(days: number, now: number): Promise<UsageRead> {
    this.prune();
    const window = Math.min(Math.max(1, Math.floor(days)), RETENTION_DAYS);
    const since = utcDay(now - (window - 1) * DAY_MS);
    const sql = this.ctx.storage.sql;
    const rows = sql
      .exec<{ coordinate: string; client: string; count: number; lastUsed: number }>(
        "SELECT coordinate, client, SUM(count) AS count, MAX(last_used) AS lastUsed FROM usage WHERE day >= ? GROUP BY coordinate, client",
        since,
      )
      .toArray()
      .map((row) => ({ ...row }));
    const lastUsed: Record<string, number> = {};
    for (const row of sql
      .exec<{ coordinate: string; lastUsed: number }>(
        "SELECT coordinate, MAX(last_used) AS lastUsed FROM usage WHERE day >= ? GROUP BY coordinate",
        retainedSince(now),
      )
      .toArray()) {
      lastUsed[row.coordinate] = row.lastUsed;
    }
    return { rows, lastUsed };
  }

  /**
   * Deletes rows of days older than {@link RETENTION_DAYS} (at most once an hour per instance). Reads never
   * report such rows either way: pruning only bounds storage.
   */
  private prune(): void {
    const now = Date.now();
    if (now - this.prunedAt < PRUNE_EVERY_MS) return;
    this.prunedAt = now;
    this.ctx.storage.sql.exec("DELETE FROM usage WHERE day < ?", retainedSince(now));
  }
}
