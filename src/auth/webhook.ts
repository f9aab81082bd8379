import type { WebhookConfig } from "../config";
import type { Logger } from "../observability";
import type { FetchFn, WaitUntil } from "../shared";
import type { HasuraClaims } from "./claims";

/** The GraphQL request a POST auth webhook is sent (Hasura's `request` object); absent outside /graphql. */
export interface WebhookRequest {
  /** The operation's text, when sent (absent for a stored document named by id). */
  query?: string;
  /** The operation's variables. */
  variables?: Record<string, unknown> | null;
  /** The operation's name. */
  operationName?: string | null;
}

/** Options of {@link createWebhookClient}. */
export interface WebhookClientOptions {
  /** Fetch for the hook. @default globalThis.fetch */
  fetch?: FetchFn;
  /** The isolate's logger. */
  log?: Logger;
  /** KV for `kvCache` (binding SCHEMA_CACHE). */
  kv?: KVNamespace;
  /** Prefix of the KV keys (tests isolate themselves with it). @default "" */
  kvPrefix?: string;
}

/** What one request gives the hook besides its headers. */
export interface WebhookCallInput {
  /** The GraphQL request (POST hooks only). */
  request?: WebhookRequest | null;
  /** Where background work (KV writes) is registered. */
  waitUntil?: WaitUntil;
}

/** Asks the auth webhook who the caller of one request is. */
export type WebhookClient = (headers: Headers, input?: WebhookCallInput) => Promise<HasuraClaims>;

/**
 * Creates the isolate's auth webhook client (Hasura's webhook mode).
 * @param config - the validated `auth.webhook`
 * @param options - fetch, logger, KV
 * @returns the client
 * @see https://hasura.io/docs/latest/auth/authentication/webhook/
 */
export function createWebhookClient(config: WebhookConfig, options: WebhookClientOptions): WebhookClient {
  void config;
  void options;
  return async () => {
    throw new Error("auth.webhook is not implemented yet");
  };
}
