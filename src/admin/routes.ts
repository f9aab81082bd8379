import { Hono } from "hono";
import { parsePurgeRequest } from "../cache";
import type { AppEnv } from "../env";
import { ErrorCode, GatewayError } from "../errors";
import { shardName, shardStub } from "../events";
import { readDeprecations, windowDays } from "../usage";
import { adminAuth } from "./admin-auth";
import { deadLetterRoutes } from "./dead-letters";
import { documentRoutes } from "./documents";

/**
 * The admin sub-app, mounted at `/admin`, every route behind {@link adminAuth}:
 * - `POST /admin/reload`: re-introspect every remote; all or nothing.
 * - `POST /admin/remotes/:name/reload`: re-introspect one remote.
 * - `GET /admin/remotes`: each remote's status, schema hash, load time, source and last error.
 * - `GET /admin/schema`: the composed schema as SDL (`text/plain`).
 * - `GET /admin/realtime`: per connection shard (`shard:0` ... `shard:<realtime.shards - 1>`) its object
 *   instance id (new after an eviction), open connections, stored subscriptions, their topics, and the
 *   remote streams (upstream subscriptions of remote schemas) among them.
 * - `GET /admin/plans`: this isolate's query plan cache, `{ entries, bytes, maxEntries, maxBytes,
 *   planned, fallbacks }` (counters since the isolate started; see docs/performance.md).
 * - `POST /admin/documents`, `GET /admin/documents`, `GET|DELETE /admin/documents/:id`: trusted documents
 *   (see documents.ts).
 * - `POST /admin/cache/purge` with `{ "types": [...], "entities": [{ "typename", "id" }], "all": true }`:
 *   purges the response cache's answers holding those types or entities (or all of them) in this data
 *   centre, and by tag everywhere through Cloudflare's API when `CF_API_TOKEN` and a zone are set; answers
 *   `{ status: "purged", deleted, tags, everywhere }`; a bad body is 400 BAD_REQUEST (see src/cache).
 * - `GET /admin/deprecations?days=N`: each deprecated element of the composed schema with its removal
 *   date, last use and the clients that used it in the last N UTC days (default 30, 1 to 90; otherwise
 *   400 BAD_REQUEST), from the `DEPRECATION_USAGE` object (see src/usage).
 * - `GET /admin/events/dead`, `POST /admin/events/dead/:id/retry`: the event triggers' dead letters (see
 *   dead-letters.ts).
 *
 * A failed reload answers RELOAD_FAILED with its cause's status (502, 409, 500) and
 * `{ error: { code: "RELOAD_FAILED", message, failures | conflicts } }` and the old schema keeps serving.
 * A reload whose new schema fails the schema check (src/lifecycle; `reload.onBreakingChange: "reject"`)
 * answers 409 `{ error: { code: "RELOAD_BREAKING_CHANGE", message, changes, deprecations } }`; `?force=true`
 * on either reload route serves it anyway. A successful reload answers `{ status: "reloaded", reloaded,
 * schemaHash, guard, changes, deprecations }`.
 *
 * @returns the Hono sub-app
 */
export function adminRoutes(): Hono<AppEnv> {
  const admin = new Hono<AppEnv>();
  admin.use(adminAuth());

  documentRoutes(admin);
  deadLetterRoutes(admin);

  admin.get("/plans", (c) => c.json(c.get("gateway").plans.stats()));

  admin.post("/cache/purge", async (c) => {
    const body = await c.req.json().catch(() => undefined);
    const request = parsePurgeRequest(body);
    const waitUntil = (promise: Promise<unknown>) => c.executionCtx.waitUntil(promise);
    const result = await c.get("gateway").responseCache.purge(request, c.env, waitUntil, c.get("log"));
    return c.json({
      status: "purged",
      deleted: result.deleted,
      tags: result.tags.length,
      everywhere: result.everywhere,
    });
  });

  admin.post("/reload", async (c) => {
    const report = await c.get("gateway").registry.reload(undefined, { force: c.req.query("force") === "true" });
    return c.json({ status: "reloaded", ...report });
  });

  admin.post("/remotes/:name/reload", async (c) => {
    const name = c.req.param("name");
    const { registry } = c.get("gateway");
    if (!registry.has(name)) {
      throw new GatewayError(ErrorCode.NOT_FOUND, `No remote schema named "${name}"`);
    }
    const report = await registry.reload([name], { force: c.req.query("force") === "true" });
    return c.json({ status: "reloaded", ...report });
  });

  admin.get("/remotes", async (c) => {
    const status = await c.get("gateway").registry.status((promise) => c.executionCtx.waitUntil(promise));
    return c.json(status);
  });

  admin.get("/schema", async (c) => {
    const sdl = await c.get("gateway").registry.sdl();
    if (sdl === null) {
      throw new GatewayError(ErrorCode.SCHEMA_UNAVAILABLE, "No remote schema is available");
    }
    return c.text(sdl, 200, { "content-type": "text/plain; charset=utf-8" });
  });

  admin.get("/deprecations", async (c) => {
    const days = windowDays(c.req.query("days"));
    const schema = await c.get("gateway").registry.getSchema((promise) => c.executionCtx.waitUntil(promise));
    return c.json(await readDeprecations(c.env, schema, days, Date.now()));
  });

  admin.get("/realtime", async (c) => {
    const count = c.get("gateway").config.realtime.shards;
    const names = Array.from({ length: count }, (_, index) => shardName(index));
    const stats = await Promise.all(names.map((name) => shardStub(c.env, name).stats()));
    return c.json({ shards: Object.fromEntries(names.map((name, index) => [name, stats[index]])) });
  });

  return admin;
}
