import { type Session, USER_ID_VARIABLE } from "../shared";

/**
 * What the Worker hands a shard with each connection it routes there (header
 * {@link REALTIME_HEADER}, JSON): the shard's name, the request id, the upgrade request's authentication
 * (done once at the edge) and the client headers upstream calls may forward.
 */
export interface RoutedConnection {
  /** The shard's Durable Object name (`shard:<n>`). */
  shard: string;
  /** The request id of the upgrade or SSE request. */
  requestId: string;
  /** The session decided from the request's headers, or the error that refused them. */
  auth: { session: Session } | { error: { code: string; message: string } };
  /** The client headers named by some `forwardClientHeaders` (lower-case name -> value). */
  headers: Record<string, string>;
  /** The client's IP (`cf-connecting-ip`), for `rateLimits` rules keyed by IP. */
  ip?: string;
  /**
   * SSE only: the canonical id of the stored document the request named (`documentId` or Apollo's
   * `extensions.persistedQuery`); the shard runs that document, whatever the query it got.
   */
  document?: string;
}

/** The internal header carrying a {@link RoutedConnection} from the Worker to a shard (any client copy is replaced). */
export const REALTIME_HEADER = "x-junction-realtime";

/** What a WebSocket keeps in its attachment (`serializeAttachment`), so a woken shard knows it. */
export interface SocketState {
  /** The connection's id (also the socket's tag). */
  id: string;
  /** What the Worker handed over at the upgrade. */
  routed: RoutedConnection;
  /** ms since the epoch: by when `connection_init` must arrive. */
  initDeadline: number;
  /** Whether `connection_init` arrived (a second one closes with 4429). */
  init: boolean;
  /** Whether the connection was acknowledged (subscribing before closes with 4401). */
  acked: boolean;
  /** The session the connection runs as, once acknowledged. */
  session?: Session;
}

/**
 * The shard of a connection: by the user's id when the session has one, else by the client's IP, else
 * at random; FNV-1a over the key, modulo the number of shards.
 * @param session - the session from the request's headers, if it has one
 * @param headers - the request's headers (`cf-connecting-ip`)
 * @param shards - `realtime.shards`
 * @returns the shard's index, 0 to shards - 1
 */
export function shardIndex(session: Session | undefined, headers: Headers, shards: number): number {
  const key = session?.variables[USER_ID_VARIABLE] ?? headers.get("cf-connecting-ip") ?? crypto.randomUUID();
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}
