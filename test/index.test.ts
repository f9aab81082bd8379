import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("the Worker entry (src/index.ts with schemas/gateway.json)", () => {
  it("serves /healthz from the committed config; the example remotes are not running here, so it reports them", async () => {
    // vitest.config.ts points USERS_URL and CATALOG_URL at a closed port.
    const res = await exports.default.fetch("http://gateway.test/healthz");
    expect(res.status).toBe(503);
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({
      status: "unavailable",
      schemaHash: null,
      remotes: { users: "error", catalog: "error" },
    });
  });

  it("answers GraphQL requests with SCHEMA_UNAVAILABLE while no remote is reachable", async () => {
    const res = await exports.default.fetch("http://gateway.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    const body = (await res.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe("SCHEMA_UNAVAILABLE");
  });
});
