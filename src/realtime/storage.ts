import type { Session } from "../shared";
import type { OperationRequest } from "./operations";

/** One stored subscription (a row of the shard's `subscriptions` table). */
export type SubscriptionRow = {
  /** The connection's id (a WebSocket's tag, or an SSE stream's id). */
  connection: string;
  /** The client's subscription id (`""` for an SSE stream, which carries one operation). */
  id: string;
  topic: string;
  /** The sharing group (see `prepareOperation`). */
  grp: string;
  query: string;
  operation_name: string | null;
  /** JSON of the variables. */
  variables: string;
  /** JSON of {@link StoredContext}. */
  context: string;
};

/** One subscription's key: its connection and the client's id for it. */
export type SubscriberKey = { connection: string; id: string };

/** What executing a stored subscription needs of its connection. */
export interface StoredContext {
  session: Session;
  /** Forwardable client headers of the connection's request. */
  headers: Record<string, string>;
  /** The connection's request id. */
  requestId: string;
}

/**
 * The shard's SQLite storage: the subscriptions of its connections (with everything an event needs to
 * execute them), indexed by topic, and the shard's own name. Every change is written before the client
 * hears of it, so a shard evicted and re-created serves the same subscriptions.
 * @see https://developers.cloudflare.com/durable-objects/api/sqlite-storage-api/
 */
export class ShardStorage {
  /** @param sql - the object's `ctx.storage.sql` */
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS subscriptions (
      connection TEXT NOT NULL, id TEXT NOT NULL, topic TEXT NOT NULL, grp TEXT NOT NULL,
      query TEXT NOT NULL, operation_name TEXT, variables TEXT NOT NULL, context TEXT NOT NULL,
      PRIMARY KEY (connection, id))`);
    sql.exec(`CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic, grp)`);
  }

  /** The shard's name (`shard:<n>`), remembered from the first request routed to it. */
  get name(): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'name'").toArray()[0]?.value;
  }

  /** Remembers the shard's name. */
  set name(value: string) {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('name', ?)", value);
  }

  /** Stores a subscription (the caller checked its id is free). */
  add(row: {
    connection: string;
    id: string;
    topic: string;
    grp: string;
    request: OperationRequest;
    context: StoredContext;
  }): void {
    this.sql.exec(
      "INSERT INTO subscriptions (connection, id, topic, grp, query, operation_name, variables, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      row.connection,
      row.id,
      row.topic,
      row.grp,
      row.request.query,
      row.request.operationName ?? null,
      JSON.stringify(row.request.variables ?? {}),
      JSON.stringify(row.context),
    );
  }

  /** Whether the connection holds a subscription with this id. */
  has(connection: string, id: string): boolean {
    return (
      this.sql.exec("SELECT 1 FROM subscriptions WHERE connection = ? AND id = ?", connection, id).toArray().length > 0
    );
  }

  /** How many subscriptions the connection holds. */
  countOf(connection: string): number {
    return this.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions WHERE connection = ?", connection)
      .one().n;
  }

  /**
   * Removes one subscription, or every subscription of a connection when `id` is undefined.
   * @returns the topics of the removed rows
   */
  remove(connection: string, id?: string): string[] {
    const rows =
      id === undefined
        ? this.sql
            .exec<{ topic: string }>("DELETE FROM subscriptions WHERE connection = ? RETURNING topic", connection)
            .toArray()
        : this.sql
            .exec<{ topic: string }>(
              "DELETE FROM subscriptions WHERE connection = ? AND id = ? RETURNING topic",
              connection,
              id,
            )
            .toArray();
    return [...new Set(rows.map((row) => row.topic))];
  }

  /**
   * Every subscription on a topic, by sharing group (in storage order): only the keys, so an event to
   * many subscribers materializes one operation per group, not one per subscriber (see {@link operationOf}).
   */
  onTopic(topic: string): Map<string, SubscriberKey[]> {
    const groups = new Map<string, SubscriberKey[]>();
    for (const row of this.sql.exec<SubscriberKey & { grp: string }>(
      "SELECT connection, id, grp FROM subscriptions WHERE topic = ?",
      topic,
    )) {
      const group = groups.get(row.grp);
      const key = { connection: row.connection, id: row.id };
      if (group === undefined) groups.set(row.grp, [key]);
      else group.push(key);
    }
    return groups;
  }

  /** The stored operation and context of one subscription, if it is still stored. */
  operationOf(
    key: SubscriberKey,
  ): Pick<SubscriptionRow, "query" | "operation_name" | "variables" | "context"> | undefined {
    return this.sql
      .exec<Pick<SubscriptionRow, "query" | "operation_name" | "variables" | "context">>(
        "SELECT query, operation_name, variables, context FROM subscriptions WHERE connection = ? AND id = ?",
        key.connection,
        key.id,
      )
      .toArray()[0];
  }

  /** Whether any subscription is on the topic. */
  hasTopic(topic: string): boolean {
    return this.sql.exec("SELECT 1 FROM subscriptions WHERE topic = ? LIMIT 1", topic).toArray().length > 0;
  }

  /**
   * Counts for the admin status: subscriptions, distinct topics (remote streams' included), distinct
   * remote streams (`remote/...` topics), distinct connections with subscriptions.
   */
  stats(): { subscriptions: number; topics: number; remoteStreams: number; subscribedConnections: number } {
    return this.sql
      .exec<{ subscriptions: number; topics: number; remoteStreams: number; subscribedConnections: number }>(
        "SELECT count(*) AS subscriptions, count(DISTINCT topic) AS topics, count(DISTINCT CASE WHEN topic LIKE 'remote/%' THEN topic END) AS remoteStreams, count(DISTINCT connection) AS subscribedConnections FROM subscriptions",
      )
      .one();
  }

  /** The connection ids that hold subscriptions. */
  connections(): string[] {
    return this.sql
      .exec<{ connection: string }>("SELECT DISTINCT connection FROM subscriptions")
      .toArray()
      .map((row) => row.connection);
  }
}
