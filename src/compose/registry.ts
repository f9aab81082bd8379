import { printSchema } from "graphql";
import { ErrorCode, GatewayError } from "../errors";
import { earlySchema } from "./registry-early";
import { createRegistryCore } from "./registry-load";
import { maybeRefresh } from "./registry-refresh";
import { reloadRemotes } from "./registry-reload";
import { statusOf } from "./registry-status";
import type { SchemaRegistry, SchemaRegistryOptions } from "./registry-types";

/**
 * Creates the schema registry of one isolate: the stitched schema built lazily on first use (memory,
 * else KV, else introspection; registry-load.ts), KV polled for reloads made by other isolates
 * (registry-refresh.ts), reloads on request that keep the last good schema on any failure
 * (registry-reload.ts), and the status of every remote and join (registry-status.ts). Nothing happens
 * until the first call: no schema work at module top level.
 *
 * @param options - remote sources, cache, logger and polling intervals
 * @returns the registry
 */
export function createSchemaRegistry(options: SchemaRegistryOptions): SchemaRegistry {
  const core = createRegistryCore(options);
  const names = new Set(core.order);
  return {
    async getSchema(waitUntil) {
      const current = core.state ?? (await core.ready());
      maybeRefresh(core, waitUntil);
      if (current.schema === undefined) {
        throw new GatewayError(ErrorCode.SCHEMA_UNAVAILABLE, "No remote schema is available; see GET /healthz");
      }
      return current.schema;
    },
    early() {
      return earlySchema(core);
    },
    async status(waitUntil) {
      const current = await core.ready();
      maybeRefresh(core, waitUntil);
      return statusOf(core.order, core.state ?? current);
    },
    async sdl() {
      const current = await core.ready();
      return current.schema === undefined ? null : printSchema(current.schema);
    },
    reload(list, reloadOptions) {
      return core.exclusive(() => reloadRemotes(core, list ?? core.order, reloadOptions));
    },
    has(name) {
      return names.has(name);
    },
  };
}
