import type { SubschemaConfig } from "@graphql-tools/delegate";
import type { GraphQLSchema } from "graphql";
import type { DeprecationConfig, ReloadConfig } from "../config";
import { ErrorCode, GatewayError } from "../errors";
import type { FieldExtension, JoinStatus } from "../joins";
import type { AllowedChange, CheckedChange, DeprecationProblem } from "../lifecycle";
import type { Logger } from "../observability";
import type { WaitUntil } from "../shared";
import type { RemoteSource } from "../sources";
import type { ComposeInput, ComposeOptions } from "./compose";
import type { EarlySchema } from "./registry-early";
import type { SchemaCache } from "./schema-cache";

/** Where a remote's current schema came from. */
export type SchemaSource = "kv" | "introspection";

/** A remote's last failure, as shown by `GET /admin/remotes`. */
export interface RemoteFailure {
  /** Error code (UPSTREAM_*, INTROSPECTION_FAILED, SCHEMA_CONFLICT, ...). */
  code: string;
  /** Public message. */
  message: string;
  /** When it happened (ISO 8601). */
  at: string;
}

/** One remote's state, as shown by `GET /admin/remotes` and `/healthz`. */
export interface RemoteStatus {
  /** The remote's configured name. */
  name: string;
  /** "ok" when its fields are in the served schema, else "error". */
  status: "ok" | "error";
  /** SHA-256 of its introspection JSON (the KV content address), or null if never loaded. */
  schemaHash: string | null;
  /** When its introspection was taken (ISO 8601), or null. */
  loadedAt: string | null;
  /** Where the isolate got it from, or null. */
  source: SchemaSource | null;
  /** The last failure, or null. A conflict keeps the remote out of the schema. */
  lastError: RemoteFailure | null;
}

/** The gateway's overall state. */
export interface GatewayStatus {
  /** "ok": every remote serves; "degraded": some do; "unavailable": none. */
  status: "ok" | "degraded" | "unavailable";
  /** SHA-256 over the included remotes' hashes, or null when no schema. */
  schemaHash: string | null;
  /** Each remote, in config order. */
  remotes: RemoteStatus[];
  /**
   * Each join (`Type.field` of a @join or foreign @rest field) and merge entry (`merge:<remote>.<Type>`);
   * one in error is left out of the schema and makes the status "degraded".
   */
  joins: JoinStatus[];
}

/** Result of a successful reload. */
export interface ReloadReport {
  /** Each reloaded remote with its new hash and whether its schema changed. */
  reloaded: Array<{ name: string; schemaHash: string; changed: boolean }>;
  /** Hash of the composed schema now served. */
  schemaHash: string | null;
  /**
   * What the reload guard decided: "passed" (the check passed), "forced" (`?force=true` overrode a failed
   * check), "warned" (`reload.onBreakingChange: "warn"`), "off" (`"allow"`, or nothing served before).
   */
  guard: "passed" | "forced" | "warned" | "off";
  /** The changes from the schema served before (every level), each judged; [] when nothing changed. */
  changes: CheckedChange[];
  /** The deprecation reasons, new or changed, that the policy refuses (listed, not enforced, when forced or warned). */
  deprecations: DeprecationProblem[];
}

/** The reload guard's settings: the config's `deprecation` and `reload`, and schemas/allowed-changes.json. */
export interface ReloadGuardOptions {
  /** The deprecation policy. */
  deprecation: DeprecationConfig;
  /** `reload.onBreakingChange`. @default "reject" */
  onBreakingChange: ReloadConfig["onBreakingChange"];
  /** Breaking changes accepted on purpose (schemas/allowed-changes.json, bundled). @default [] */
  allowedChanges?: readonly AllowedChange[];
}

/** Options of one {@link SchemaRegistry.reload}. */
export interface ReloadOptions {
  /** Reload even when the guard's check fails (`?force=true`). @default false */
  force?: boolean;
}

/** Options of {@link createSchemaRegistry}. */
export interface SchemaRegistryOptions {
  /** The remotes (built by src/sources' createRemoteSource), in config order (earlier wins a conflict). */
  remotes: readonly RemoteSource[];
  /** The KV introspection cache. */
  cache: SchemaCache;
  /** Logger for loads, reloads and failures. */
  log: Logger;
  /** How often (ms) an isolate checks KV for pointers written by a reload elsewhere. @default 60000 */
  pollIntervalMs?: number;
  /** How often (ms) an isolate retries remotes that have no schema yet. @default 10000 */
  retryIntervalMs?: number;
  /**
   * Subschemas that need no loading (the REST-backed SDL of schemas/*.graphql). They come first in
   * composition, so a remote that conflicts with them is the one left out. @default []
   */
  localSubschemas?: readonly ComposeInput[];
  /** Fields of schemas/*.graphql stitched onto other sources' types (@join, foreign @rest). @default [] */
  extensions?: readonly FieldExtension[];
  /** `Type.field` of the local subschema's join points (@rest on object types). @default [] */
  joinFields?: readonly string[];
  /** Resolvers stitched over the composed schema's root fields (the topic-bound Subscription fields). @default {} */
  rootResolvers?: ComposeOptions["rootResolvers"];
  /** Scalars the gateway implements whatever a source declares (`Upload`). @default [] */
  scalars?: ComposeOptions["scalars"];
  /** The reload guard. @default off (every reload that composes is served) */
  guard?: ReloadGuardOptions;
}

/**
 * The per-isolate schema registry: builds the stitched schema lazily (memory, else KV, else
 * introspection), polls KV for reloads made by other isolates, and reloads on request while keeping
 * the last good schema on any failure.
 */
export interface SchemaRegistry {
  /**
   * The schema to execute against; builds it on first use (once per isolate, shared by concurrent
   * requests) and schedules a KV check when one is due.
   * @param waitUntil - where background refreshes are registered
   * @throws GatewayError SCHEMA_UNAVAILABLE (503) when no remote could be loaded
   */
  getSchema(waitUntil?: WaitUntil): Promise<GraphQLSchema>;
  /**
   * Before the first composition only: loads the remotes (KV, else introspection) without composing
   * them and returns the remote that may answer an operation alone through its own schema (lazy
   * stitching, see registry-early.ts), or undefined when the composed schema is needed (already built,
   * or the config composes more than plain remotes). Composition then waits for {@link getSchema}.
   */
  early(): Promise<EarlySchema | undefined>;
  /** Loads the schema if not yet loaded, then returns the status of every remote. */
  status(waitUntil?: WaitUntil): Promise<GatewayStatus>;
  /** The composed schema as SDL (after loading), or null when no remote is loaded. */
  sdl(): Promise<string | null>;
  /**
   * Introspects the named remotes (all when omitted) and swaps in the new schema, all or nothing.
   * @param names - remote names; must exist
   * @param options - `force` overrides the reload guard
   * @returns the new hashes, the guard's decision and the judged changes
   * @throws GatewayError RELOAD_FAILED, with the status of its cause: 502 when a remote fails, 409 on a
   *   new conflict or a broken join, 500 when KV cannot be written; RELOAD_BREAKING_CHANGE (409) when the
   *   guard rejects the new schema. The previous schema keeps serving.
   */
  reload(names?: readonly string[], options?: ReloadOptions): Promise<ReloadReport>;
  /** Whether a remote of that name is configured. */
  has(name: string): boolean;
}

/** A remote whose schema is loaded. */
export interface LoadedRemote {
  /** SHA-256 of its introspection JSON. */
  hash: string;
  /** When it was introspected (ISO 8601). */
  loadedAt: string;
  /** Where this isolate got it from. */
  source: SchemaSource;
  /** Its subschema config for stitching. */
  subschema: SubschemaConfig;
  /** The remote's own schema (before customization). */
  schema: GraphQLSchema;
  /** The introspection JSON, kept until written to KV. */
  json?: string;
}

/** One remote in the registry: its source, KV fingerprint, loaded schema and last failure. */
export interface RemoteEntry {
  /** The remote's executors and config (src/sources). */
  source: RemoteSource;
  /** SHA-256 of its URL: a KV pointer written for another URL is ignored. */
  fingerprint: string;
  /** Its schema, once loaded. */
  loaded?: LoadedRemote;
  /** Its last failure, if any. */
  lastError?: RemoteFailure;
}

/** What one isolate serves now; replaced whole on every change. */
export interface RegistryState {
  /** Every remote by name. */
  entries: ReadonlyMap<string, RemoteEntry>;
  /** The composed schema, or undefined when nothing could be composed. */
  schema: GraphQLSchema | undefined;
  /** SHA-256 over the included remotes' hashes, or null. */
  schemaHash: string | null;
  /** The remotes in the schema. */
  included: ReadonlySet<string>;
  /** Remotes left out, with the reason. */
  conflicts: ReadonlyMap<string, GatewayError>;
  /** Every join and merge entry with its state. */
  joins: readonly JoinStatus[];
}

/**
 * A failure as shown in the status.
 * @param error - what was thrown
 */
export const failureOf = (error: unknown): RemoteFailure => ({
  code: error instanceof GatewayError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR,
  message: error instanceof GatewayError ? error.message : "unexpected error",
  at: new Date().toISOString(),
});
