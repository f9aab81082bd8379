/**
 * What the gateway logs never holds a caller's secrets: requests carrying a valid JWT, an expired
 * one, the admin secret (right and wrong) and GraphQL variables go through every path that logs
 * (a remote down at cold start, an upstream failure, auth refusals, admin reloads, failed and good),
 * and no captured line contains the tokens, any part of either admin secret, or the variable value.
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability";
import { nowSec, payload, sign } from "../auth/jwt-helpers";
import { bearer, hsAuth, post, testGateway } from "../fixtures/gateways";
import { control, uniqueId } from "../helpers";

/** The admin secret of this gateway (distinctive, unlike the test env's), and a wrong one. */
const ADMIN_SECRET = "adm1n-9f2c7e4b-S3CRET-a81d";
const WRONG_ADMIN_SECRET = "wr0ng-5d3e1a77-S3CRET-c02f";

/** A GraphQL variable value that must not be logged. */
const VARIABLE = "s3cr3t-variable-value";

const QUERY = "query ($v: String!) { echo(value: $v) }";

/** Every `size`-character piece of `text`. */
const piecesOf = (text: string, size = 8): string[] =>
  Array.from({ length: text.length - size + 1 }, (_, i) => text.slice(i, i + size));

describe("logs", () => {
  it("hold no token, admin secret or variable value, on every path that logs", async () => {
    const id = uniqueId();
    const lines: string[] = [];
    // products is down at cold start (logged), accounts serves.
    await control(id, "products", { introspectionMode: "500" });
    const gw = testGateway(
      id,
      { remotes: ["accounts", "products"], auth: hsAuth() },
      { env: { ADMIN_SECRET }, log: createLogger({ level: "debug", sink: (line) => lines.push(line) }) },
    );
    const token = await sign(payload());
    const expired = await sign(payload({ exp: nowSec() - 600 }));
    const variables = { v: VARIABLE };
    const admin = { "x-admin-secret": ADMIN_SECRET };
    const wrongAdmin = { "x-admin-secret": WRONG_ADMIN_SECRET };

    // A valid token with variables: served.
    const served = await post(gw, QUERY, bearer(token), variables);
    expect(served.body, served.text).toEqual({ data: { echo: VARIABLE } });

    // The same request while accounts fails: an upstream failure.
    await control(id, "accounts", { mode: "500" });
    const failed = await post(gw, QUERY, bearer(token), variables);
    expect(failed.body.errors?.[0]?.extensions?.code, failed.text).toBe("UPSTREAM_UNAVAILABLE");
    await control(id, "accounts", { mode: "ok" });

    // Auth refusals: an expired token, a wrong admin secret (alone and next to a valid token).
    const expiredAnswer = await post(gw, QUERY, bearer(expired), variables);
    expect(expiredAnswer.body.errors?.[0]?.extensions?.code, expiredAnswer.text).toBe("JWT_EXPIRED");
    for (const headers of [wrongAdmin, { ...wrongAdmin, ...bearer(token) }]) {
      const refused = await post(gw, QUERY, headers, variables);
      expect(refused.body.errors?.[0]?.extensions?.code, refused.text).toBe("UNAUTHORIZED");
    }
    expect((await gw.fetch("/admin/reload", { method: "POST", headers: wrongAdmin })).status).toBe(401);

    // The right admin secret with variables: served.
    const asAdmin = await post(gw, QUERY, admin, variables);
    expect(asAdmin.body, asAdmin.text).toEqual({ data: { echo: VARIABLE } });

    // Admin reloads: failing while products is down, then succeeding.
    expect((await gw.fetch("/admin/reload", { method: "POST", headers: admin })).status).toBe(502);
    await control(id, "products", { introspectionMode: "ok" });
    expect((await gw.fetch("/admin/reload", { method: "POST", headers: admin })).status).toBe(200);

    // Lines were captured, from the paths above: the check below is not vacuous.
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        "remote schema unavailable at cold start",
        "schema composed",
        "request refused by authentication",
        "reloaded",
      ]),
    );
    const forbidden = [
      token,
      ...token.split("."),
      expired,
      ...expired.split("."),
      ...piecesOf(ADMIN_SECRET),
      ...piecesOf(WRONG_ADMIN_SECRET),
      VARIABLE,
    ];
    for (const line of lines) {
      for (const secret of forbidden) expect(line, `a log line holds "${secret}"`).not.toContain(secret);
    }
  });
});
