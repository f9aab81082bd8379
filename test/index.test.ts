import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

// vitest.config.ts points USERS_URL, CATALOG_URL and ORDERS_URL at a closed port: the example upstreams
// are not running here, so this pins how the committed config behaves with every upstream down; the
// reviews remote is examples/reviews-worker, which vitest.config.ts runs behind the REVIEWS service binding.
describe("the Worker entry (src/index.ts with schemas/gateway.json, schemas/*.graphql and modules/)", () => {
  it("serves /healthz from the committed config and reports the unreachable remotes (the bound one is reachable)", async () => {
    const res = await exports.default.fetch("http://gateway.test/healthz");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toMatchObject({
      status: "degraded",
      remotes: { users: "error", catalog: "error", reviews: "ok" },
    });
  });

  it("serves the REST fields of the shop module (modules/shop) and reports its unreachable service, namespaced, as a field error", async () => {
    const res = await exports.default.fetch("http://gateway.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ order(id: "1") { id status } }' }),
    });
    const body = (await res.json()) as {
      data: { order: unknown };
      errors: Array<{ path: string[]; extensions: { code: string; serviceName: string } }>;
    };
    expect(body.data).toEqual({ order: null });
    expect(body.errors[0]?.path).toEqual(["order"]);
    expect(body.errors[0]?.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", serviceName: "shop_orders" });
  });
});
