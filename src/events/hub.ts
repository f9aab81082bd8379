import { DurableObject } from "cloudflare:workers";

/**
 * What a connection shard (the `REALTIME` Durable Object, src/realtime) answers to the hub. Declared here
 * so the hub needs nothing from src/realtime.
 */
export interface ShardRpc {
  /**
   * Delivers one event of `topic` to every subscription the shard holds on it, in the order the hub
   * calls (the hub calls once per event, one event at a time per topic).
   * @param topic - the topic
   * @param payload - the event payload as JSON text
   * @returns how many subscriptions it was delivered to
   */
  deliver(topic: string, payload: string): Promise<number>;
  /**
   * Which of these connection ids are still open in the shard.
   * @param ids - connection ids
   * @returns the open ones
   */
  openConnections(ids: string[]): Promise<string[]>;
  /** The shard's counts, for `GET /admin/realtime`. */
  stats(): Promise<ShardStats>;
}

/** What a connection shard reports of itself (`GET /admin/realtime`). */
export interface ShardStats {
  /** A random id the object draws when it is created: a new one means it was evicted and created again. */
  instance: string;
  /** Open connections: `sockets` + `streams`. */
  connections: number;
  /** Open WebSockets. */
  sockets: number;
  /** Open SSE streams. */
  streams: number;
  /** Subscriptions in its storage. */
  subscriptions: number;
  /** Distinct topics of those subscriptions. */
  topics: number;
}

/** The Durable Object name of connection shard `index` (`realtime.shards` of them). */
export const shardName = (index: number): string => `shard:${index}`;

/** The stub of the connection shard named `name`. */
export function shardStub(env: Env, name: string): ShardRpc {
  return env.REALTIME.get(env.REALTIME.idFromName(name)) as unknown as ShardRpc;
}

/** The hub object of a topic (its subscribed shards, and publishing). */
export function topicHub(env: Env, topic: string): RealtimeHub {
  return env.REALTIME_HUB.get(env.REALTIME_HUB.idFromName(`topic:${topic}`)) as unknown as RealtimeHub;
}

/** The hub object of a user (their open connections, for `realtime.maxConnectionsPerUser`). */
export function userHub(env: Env, userId: string): RealtimeHub {
  return env.REALTIME_HUB.get(env.REALTIME_HUB.idFromName(`user:${userId}`)) as unknown as RealtimeHub;
}

/**
 * The event gateway's coordinator, one object per name (the `REALTIME_HUB` binding):
 * - `topic:<topic>`: which connection shards hold subscriptions on the topic (kept by the shards with
 *   {@link RealtimeHub.setShard}), and publishing: each event is handed to every such shard, one event at
 *   a time in arrival order, so every subscriber sees a topic's events in publish order;
 * - `user:<id>`: the user's open connections across all shards, for `realtime.maxConnectionsPerUser`.
 * State is in the object's SQLite storage; nothing but the publish queue (work in flight) is in memory.
 * No single object holds every topic or every user: each has its own.
 * @see https://developers.cloudflare.com/durable-objects/best-practices/rules-of-durable-objects/
 */
export class RealtimeHub extends DurableObject<Env> {
  /** The publish in flight: the next waits for it, so events leave in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param ctx - the object's state (storage)
   * @param env - the Worker's bindings
   */
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS shards (name TEXT PRIMARY KEY)");
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS connections (id TEXT PRIMARY KEY, shard TEXT NOT NULL, opened_at INTEGER NOT NULL)",
    );
  }

  /**
   * Records whether shard `shard` holds subscriptions on this topic (idempotent: the shard sends its
   * current state after each change, so the last call wins).
   * @param shard - the shard's name
   * @param subscribed - whether it holds at least one subscription on the topic
   */
  async setShard(shard: string, subscribed: boolean): Promise<void> {
    if (subscribed) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO shards (name) VALUES (?)", shard);
    else this.ctx.storage.sql.exec("DELETE FROM shards WHERE name = ?", shard);
  }

  /** The shards holding subscriptions on this topic (for tests and the status of the hub). */
  async shards(): Promise<string[]> {
    return this.ctx.storage.sql
      .exec<{ name: string }>("SELECT name FROM shards ORDER BY name")
      .toArray()
      .map((row) => row.name);
  }

  /**
   * Publishes one event: hands it to every shard with subscriptions on the topic and waits until each
   * has delivered it. Events are published one at a time, in the order they reach the object.
   * @param topic - the topic (also the object's name)
   * @param payload - the event payload as JSON text
   * @returns the number of subscriptions the event was delivered to (a shard that fails counts 0)
   */
  publish(topic: string, payload: string): Promise<number> {
    const run = this.queue.then(() => this.fanOut(topic, payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async fanOut(topic: string, payload: string): Promise<number> {
    const counts = await Promise.all(
      (await this.shards()).map((name) =>
        shardStub(this.env, name)
          .deliver(topic, payload)
          .catch((error: unknown) => {
            console.error(
              JSON.stringify({ msg: "event delivery to a shard failed", shard: name, error: String(error) }),
            );
            return 0;
          }),
      ),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Takes one of the user's connection slots.
   * @param id - the connection's id
   * @param shard - the shard holding it
   * @param limit - `realtime.maxConnectionsPerUser`
   * @returns true when the connection may open; false at the limit (connections that shards report
   *   closed are released first, so a shard lost without closing its sockets frees their slots)
   */
  async acquire(id: string, shard: string, limit: number): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    const count = (): number => sql.exec<{ n: number }>("SELECT count(*) AS n FROM connections").one().n;
    if (count() >= limit) {
      const rows = sql.exec<{ id: string; shard: string }>("SELECT id, shard FROM connections").toArray();
      const byShard = new Map<string, { id: string }[]>();
      for (const row of rows) byShard.set(row.shard, [...(byShard.get(row.shard) ?? []), row]);
      for (const [name, held] of byShard) {
        const ids = held.map((row) => row.id);
        const open = new Set(
          await shardStub(this.env, name)
            .openConnections(ids)
            .catch(() => ids),
        );
        for (const gone of ids.filter((candidate) => !open.has(candidate))) {
          sql.exec("DELETE FROM connections WHERE id = ?", gone);
        }
      }
      if (count() >= limit) return false;
    }
    sql.exec("INSERT OR REPLACE INTO connections (id, shard, opened_at) VALUES (?, ?, ?)", id, shard, Date.now());
    return true;
  }

  /**
   * Gives a connection's slot back (idempotent).
   * @param id - the connection's id
   */
  async release(id: string): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM connections WHERE id = ?", id);
  }
}
