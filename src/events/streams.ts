import type { Session } from "../shared";

/**
 * Remote subscriptions as topics: one upstream subscription (a remote's stream) is an internal topic
 * `remote/<remote>/<hash>`. Connection shards subscribe to it like to any topic; its hub (the topic's
 * `RealtimeHub` object) starts and stops the `RemoteStream` object that holds the upstream connection, and
 * publishes what it receives. A `/` is never valid in a public topic (see checkTopic), so neither
 * `POST /events/{topic}` nor `@publish` can reach a remote stream.
 */
export const REMOTE_TOPIC_PREFIX = "remote/";

/** Whether a topic is a remote stream's (see {@link REMOTE_TOPIC_PREFIX}). */
export const isRemoteTopic = (topic: string): boolean => topic.startsWith(REMOTE_TOPIC_PREFIX);

/** The context a remote stream connects with: its sharing scope's session and client headers. */
export interface StreamContext {
  /** The scope's session (`share: "session"`: the subscriber's; `"role"`: the role alone; `"all"`: none). */
  session: Session;
  /** The client headers the remote's `forwardClientHeaders` may forward (none unless `share: "session"`). */
  headers: Record<string, string>;
  /** The request id of the subscription that opened it (`x-request-id` upstream). */
  requestId: string;
}

/** Everything a `RemoteStream` object needs to open one upstream subscription. */
export interface StreamSpec {
  /** The remote's configured name. */
  remote: string;
  /** The document sent upstream (printed), as the stitched schema delegates it. */
  query: string;
  /** Its operation name, if any. */
  operationName?: string | null;
  /** The variables sent upstream. */
  variables: Record<string, unknown>;
  /** Whose session and headers the upstream sees. */
  context: StreamContext;
}

/** What the hub of a remote topic calls on a `RemoteStream` object (RPC). */
export interface StreamRpc {
  /**
   * Opens the upstream subscription unless this object already runs it (idempotent: the hub calls it
   * again as a watchdog, and an object that lost its memory starts over).
   * @param topic - the remote topic it publishes to
   * @param generation - which object of the topic this is (a re-established stream is the next one)
   * @param spec - what to open
   */
  start(topic: string, generation: number, spec: StreamSpec): Promise<void>;
  /** Closes the upstream subscription (idempotent); the object then holds nothing. */
  stop(): Promise<void>;
}

/** The `RemoteStream` object of generation `generation` of a remote topic (binding `REMOTE_STREAMS`). */
export function streamStub(env: Env, topic: string, generation: number): StreamRpc {
  return env.REMOTE_STREAMS.get(env.REMOTE_STREAMS.idFromName(`${topic}#${generation}`)) as unknown as StreamRpc;
}

/** The hub's record of its remote stream (one row, in the hub's SQLite storage). */
export type StreamRow = {
  topic: string;
  /** JSON of the {@link StreamSpec}. */
  spec: string;
  /** The generation whose events are published (0 before the first start). */
  generation: number;
  /** A newer generation connecting to take over, or 0. */
  pending: number;
  /** 1 while an object holds (or is opening) the upstream subscription. */
  active: number;
};
