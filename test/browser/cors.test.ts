/**
 * CORS and the admin secret (docs/security.md, "Requests from browsers"): no CORS preflight answer
 * allows `x-admin-secret`, and the config refuses it (and "*") in `cors.allowedHeaders`.
 */
import { describe, expect, it } from "vitest";
import { problemsOf, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

const ORIGIN = "https://app.example.com";

describe("CORS and x-admin-secret", () => {
  const preflight = (requested: string): RequestInit => ({
    method: "OPTIONS",
    headers: { origin: ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": requested },
  });

  it("never allows x-admin-secret in a preflight answer, on /graphql and on /admin", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], cors: { origins: [ORIGIN] } });
    for (const path of ["/graphql", "/admin/remotes"]) {
      const asked = await gw.fetch(path, preflight("content-type, X-Admin-Secret, x-graphql-csrf"));
      expect(asked.status, path).toBe(204);
      expect(asked.headers.get("access-control-allow-origin"), path).toBe(ORIGIN);
      expect(asked.headers.get("access-control-allow-headers"), path).toBe("content-type,x-graphql-csrf");
      const only = await gw.fetch(path, preflight("x-admin-secret"));
      expect(only.status, path).toBe(204);
      expect(only.headers.get("access-control-allow-headers"), path).toBeNull();
    }
  });

  it('refuses x-admin-secret and "*" in cors.allowedHeaders (INVALID_CONFIG at $.cors.allowedHeaders[i])', async () => {
    const adminSecret = testGateway(uniqueId(), {
      remotes: ["accounts"],
      cors: { origins: [ORIGIN], allowedHeaders: ["content-type", "X-Admin-Secret"] },
    });
    const problems = await problemsOf(await adminSecret.fetch("/graphql", preflight("content-type")));
    expect(problems).toEqual([
      { path: "$.cors.allowedHeaders[1]", message: expect.stringContaining("x-admin-secret") },
    ]);

    const wildcard = testGateway(uniqueId(), {
      remotes: ["accounts"],
      cors: { origins: [ORIGIN], allowedHeaders: ["*"] },
    });
    const wildcardProblems = await problemsOf(await wildcard.fetch("/healthz"));
    expect(wildcardProblems).toEqual([{ path: "$.cors.allowedHeaders[0]", message: expect.stringContaining('"*"') }]);
  });

  it("keeps the configured allowedHeaders as they are", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      cors: { origins: [ORIGIN], allowedHeaders: ["content-type", "x-graphql-csrf"] },
    });
    const res = await gw.fetch("/graphql", preflight("x-admin-secret"));
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type,x-graphql-csrf");
  });
});
