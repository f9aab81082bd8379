import { DurableObject } from "cloudflare:workers";
import { type StreamRow, type StreamSpec, streamStub } from "./streams";

/** How often (ms) the hub of an active remote stream checks that its object still runs it. */
const STREAM_WATCHDOG_MS = 30_000;

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
   * Ends every subscription the shard holds on a remote stream's topic: the protocol's error message
   * with `errors`, or `complete` when `errors` is null; the subscriptions are then removed.
   * @param topic - the remote topic
   * @param errors - JSON of the GraphQL errors, or null for a plain completion
   * @returns how many subscriptions ended
   */
  end(topic: string, errors: string | null): Promise<number>;
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
  /** Distinct remote streams (upstream subscriptions of remote schemas) among those topics. */
  remoteStreams: number;
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
 * - `user:<id>`: the user's open connections across all shards, for `realtime.maxConnectionsPerUser`;
 * - `topic:remote/<remote>/<hash>`: a remote stream's topic (src/events/streams.ts) is also the stream's
 *   coordinator: it starts a `RemoteStream` object when the first shard subscribes, stops it when the
 *   last leaves, hands over to a fresh object when asked, and ends the shards' subscriptions when the
 *   upstream ends.
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
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS stream (topic TEXT PRIMARY KEY, spec TEXT NOT NULL, generation INTEGER NOT NULL, pending INTEGER NOT NULL, active INTEGER NOT NULL)",
    );
  }

  /** Start, stop, hand-over of the remote stream in flight: the next waits for it. */
  private control: Promise<unknown> = Promise.resolve();

  /** Runs `step` after the control steps before it. */
  private controlled<T>(step: () => Promise<T>): Promise<T> {
    const run = this.control.then(step);
    this.control = run.catch(() => undefined);
    return run;
  }

  /** The hub's remote stream, when its topic is a remote stream's. */
  private streamRow(): StreamRow | undefined {
    return this.ctx.storage.sql.exec<StreamRow>("SELECT * FROM stream").toArray()[0];
  }

  /**
   * Records whether shard `shard` holds subscriptions on this topic (idempotent: the shard sends its
   * current state after each change, so the last call wins).
   * @param shard - the shard's name
   * @param subscribed - whether it holds at least one subscription on the topic
   */
  async setShard(shard: string, subscribed: boolean, stream?: { topic: string; spec: StreamSpec }): Promise<void> {
    if (subscribed) this.ctx.storage.sql.exec("INSERT OR IGNORE INTO shards (name) VALUES (?)", shard);
    else this.ctx.storage.sql.exec("DELETE FROM shards WHERE name = ?", shard);
    if (stream !== undefined || this.streamRow() !== undefined) await this.reconcile(stream);
  }

  /**
   * A remote stream's topic: opens the upstream subscription (a new generation of `RemoteStream` object)
   * when a shard subscribes and none runs, closes it when no shard is left.
   * @param given - the stream as the subscribing shard computed it (kept while none runs)
   */
  private reconcile(given?: { topic: string; spec: StreamSpec }): Promise<void> {
    return this.controlled(async () => {
      const sql = this.ctx.storage.sql;
      const known = this.streamRow();
      if (given !== undefined && known === undefined) {
        sql.exec(
          "INSERT INTO stream (topic, spec, generation, pending, active) VALUES (?, ?, 0, 0, 0)",
          given.topic,
          JSON.stringify(given.spec),
        );
      } else if (given !== undefined && known?.active === 0) {
        sql.exec("UPDATE stream SET spec = ?", JSON.stringify(given.spec));
      }
      const row = this.streamRow();
      if (row === undefined) return;
      const subscribed = (await this.shards()).length > 0;
      if (subscribed && row.active === 0) {
        const generation = Math.max(row.generation, row.pending) + 1;
        sql.exec("UPDATE stream SET generation = ?, pending = 0, active = 1", generation);
        await this.ctx.storage.setAlarm(Date.now() + STREAM_WATCHDOG_MS);
        await streamStub(this.env, row.topic, generation).start(
          row.topic,
          generation,
          JSON.parse(row.spec) as StreamSpec,
        );
      } else if (!subscribed && row.active === 1) {
        sql.exec("UPDATE stream SET pending = 0, active = 0");
        await this.ctx.storage.deleteAlarm();
        await Promise.all(
          [row.generation, row.pending]
            .filter((generation) => generation > 0)
            .map((generation) => streamStub(this.env, row.topic, generation).stop()),
        );
      }
    });
  }

  /**
   * One event of the remote stream, from its `RemoteStream` object: published to the subscribed shards
   * like any event, if `generation` is the one publishing.
   * @param generation - the sending object's generation
   * @param payload - the upstream result as JSON text
   * @returns the subscriptions it reached (0 from the generation taking over, whose events are dropped
   *   until it publishes), or -1 when the sender is not (or no longer) wanted: it should close its connection
   */
  async streamEvent(generation: number, payload: string): Promise<number> {
    const row = this.streamRow();
    if (row === undefined || row.active === 0) return -1;
    // The generation taking over is connected but not yet the publishing one: its events wait their turn.
    if (row.pending === generation) return 0;
    if (row.generation !== generation) return -1;
    return this.publish(row.topic, payload);
  }

  /**
   * A `RemoteStream` object is connected. When it is the generation taking over, it becomes the
   * publishing one and the one before it is closed.
   * @param generation - the connected object's generation
   * @returns false when the object is not wanted (it should close its connection)
   */
  streamReady(generation: number): Promise<boolean> {
    return this.controlled(async () => {
      const row = this.streamRow();
      if (row === undefined || row.active === 0) return false;
      if (row.generation === generation) return true;
      if (row.pending !== generation) return false;
      this.ctx.storage.sql.exec("UPDATE stream SET generation = ?, pending = 0", generation);
      await streamStub(this.env, row.topic, row.generation)
        .stop()
        .catch(() => undefined);
      return true;
    });
  }

  /**
   * The publishing `RemoteStream` object asks to be replaced before the platform may evict it (an object
   * with an outgoing connection lives at most 15 minutes): the next generation opens its own connection and
   * takes over once connected (see {@link streamReady}).
   * @param generation - the asking object's generation
   */
  handover(generation: number): Promise<void> {
    return this.controlled(async () => {
      const row = this.streamRow();
      if (row === undefined || row.active === 0 || row.generation !== generation || row.pending !== 0) return;
      const next = generation + 1;
      this.ctx.storage.sql.exec("UPDATE stream SET pending = ?", next);
      await streamStub(this.env, row.topic, next).start(row.topic, next, JSON.parse(row.spec) as StreamSpec);
    });
  }

  /**
   * The remote stream ended (upstream `complete`, a GraphQL error, or no connection within
   * `reconnectWithinMs`): after the events before it, every subscribed shard ends its subscriptions on the
   * topic. From a generation still taking over, it only cancels the take-over.
   * @param generation - the sending object's generation
   * @param errors - JSON of the errors for the clients, or null for `complete`
   */
  streamEnd(generation: number, errors: string | null): Promise<void> {
    return this.controlled(async () => {
      const row = this.streamRow();
      if (row === undefined || row.active === 0) return;
      if (row.pending === generation) {
        this.ctx.storage.sql.exec("UPDATE stream SET pending = 0");
        return;
      }
      if (row.generation !== generation) return;
      this.ctx.storage.sql.exec("UPDATE stream SET active = 0");
      await this.ctx.storage.deleteAlarm();
      const ended = this.queue.then(() => this.fanOutEnd(row.topic, errors));
      this.queue = ended.catch(() => undefined);
    });
  }

  private async fanOutEnd(topic: string, errors: string | null): Promise<void> {
    await Promise.all(
      (await this.shards()).map((name) =>
        shardStub(this.env, name)
          .end(topic, errors)
          .catch((error: unknown) => {
            console.error(JSON.stringify({ msg: "stream end to a shard failed", shard: name, error: String(error) }));
          }),
      ),
    );
  }

  /** The watchdog of an active remote stream: its object is asked to run it again (a no-op when it does). */
  override async alarm(): Promise<void> {
    const row = this.streamRow();
    if (row === undefined || row.active === 0) return;
    await this.ctx.storage.setAlarm(Date.now() + STREAM_WATCHDOG_MS);
    await streamStub(this.env, row.topic, row.generation).start(
      row.topic,
      row.generation,
      JSON.parse(row.spec) as StreamSpec,
    );
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
