/**
 * Dead letters: events a trigger could not deliver within its retries, kept in the `SCHEMA_CACHE` KV
 * namespace under `<kvPrefix>dead-letters:<id>` (Queues cannot be listed or read back). KV because the
 * gateway already binds it (no new binding, migration or schema), keeps values with no expiry, and its
 * listing returns each key's metadata, so `GET /admin/events/dead` reads one list page per 1,000 entries
 * and no values. Its cost: KV is eventually consistent across locations (a dead letter written in one
 * location can take up to 60 s to be listed or found elsewhere).
 * @see https://developers.cloudflare.com/kv/concepts/how-kv-works/
 */

/** What `GET /admin/events/dead` lists of one dead letter. */
export interface DeadLetterSummary {
  /** The dead letter's own id (a UUID): what the retry route takes. */
  id: string;
  /** The event's id (`x-junction-event-id`). */
  eventId: string;
  /** The trigger's name. */
  trigger: string;
  /** The event's topic (in a listing, shortened if needed to keep the summary within KV's metadata limit). */
  topic: string;
  /** Deliveries tried (Queues' `msg.attempts` of the last one): `maxRetries + 1`. */
  attempts: number;
  /** Why the last attempt failed (`HTTP 500`, `timeout after 10000 ms`, ...), at most 200 characters. */
  lastError: string;
  /** When it became a dead letter, ISO 8601 (UTC). */
  at: string;
}

/** A whole dead letter: the summary plus the event itself. */
export interface DeadLetter extends DeadLetterSummary {
  /** The payload as JSON text. */
  payload: string;
  /** When the event was published, ISO 8601 (UTC). */
  publishedAt: string;
}

/** The longest `lastError` kept (KV metadata holds at most 1,024 bytes). */
const MAX_ERROR_LENGTH = 200;

/** Pages of 1,000 keys `list()` reads at most (the listing's bound: 10,000 dead letters). */
export const MAX_LIST_PAGES = 10;

/** The dead letters of one gateway (one KV prefix). */
export interface DeadLetterStore {
  /**
   * Stores a dead letter.
   * @param letter - the dead letter without its id and time
   * @returns the stored dead letter (with its new id and `at`)
   */
  put(letter: Omit<DeadLetter, "id" | "at">): Promise<DeadLetter>;
  /**
   * Lists the dead letters, oldest first: at most {@link MAX_LIST_PAGES} KV list pages (10,000 entries).
   * @returns the summaries
   */
  list(): Promise<DeadLetterSummary[]>;
  /** @returns the dead letter with this id, or null */
  get(id: string): Promise<DeadLetter | null>;
  /** Deletes a dead letter (nothing when it is gone already). */
  delete(id: string): Promise<void>;
}

/** The summary of a dead letter, its keys in the order the admin route lists them. */
const summaryOf = (l: DeadLetterSummary): DeadLetterSummary => ({
  id: l.id,
  eventId: l.eventId,
  trigger: l.trigger,
  topic: l.topic,
  attempts: l.attempts,
  lastError: l.lastError,
  at: l.at,
});

/** The most bytes of KV metadata (its limit is 1,024 bytes of JSON). */
const MAX_METADATA_BYTES = 1_000;

/**
 * The summary kept as KV metadata: within {@link MAX_METADATA_BYTES}, shortening `lastError`, then
 * `topic` (a topic of 256 non-ASCII characters alone can pass the limit; the value keeps it whole).
 */
function metadataOf(letter: DeadLetterSummary): DeadLetterSummary {
  const size = (value: DeadLetterSummary) => new TextEncoder().encode(JSON.stringify(value)).byteLength;
  let summary = summaryOf(letter);
  for (const key of ["lastError", "topic"] as const) {
    while (size(summary) > MAX_METADATA_BYTES && summary[key].length > 0) {
      summary = { ...summary, [key]: summary[key].slice(0, Math.floor(summary[key].length / 2)) };
    }
  }
  return summary;
}

/**
 * The dead letters of the gateway with KV prefix `prefix`.
 * @param kv - the `SCHEMA_CACHE` namespace
 * @param prefix - the gateway's KV prefix (default `junction:`)
 * @returns the store
 */
export function createDeadLetterStore(kv: KVNamespace, prefix: string): DeadLetterStore {
  const base = `${prefix}dead-letters:`;
  return {
    async put(letter) {
      const stored: DeadLetter = {
        ...letter,
        id: crypto.randomUUID(),
        at: new Date().toISOString(),
        lastError: letter.lastError.slice(0, MAX_ERROR_LENGTH),
      };
      await kv.put(`${base}${stored.id}`, JSON.stringify(stored), { metadata: metadataOf(stored) });
      return stored;
    },
    async list() {
      const summaries: DeadLetterSummary[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const result = await kv.list<DeadLetterSummary>({ prefix: base, cursor });
        for (const { metadata: m } of result.keys) {
          if (m) summaries.push(summaryOf(m));
        }
        if (result.list_complete) break;
        cursor = result.cursor;
      }
      return summaries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    },
    async get(id) {
      return kv.get<DeadLetter>(`${base}${id}`, "json");
    },
    async delete(id) {
      await kv.delete(`${base}${id}`);
    },
  };
}
