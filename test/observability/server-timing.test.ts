/**
 * Server-Timing on /graphql answers (src/observability): present for callers with the admin secret and
 * for roles of `observability.debugRoles`, absent for everyone else and on answers refused before the
 * operation handler (authentication); entries `parse`, `validate`, `plan` (when a query plan ran), one
 * `upstream` entry per upstream named by `desc` (calls of one upstream summed), `total`; nothing else.
 */
import { describe, expect, it } from "vitest";
import { counted, warm } from "../fastlane/lane-helpers";
import { ADMIN_HEADERS, asRole, hsAuth, post, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";
import { HIVE, hiveSpec } from "../plans/harness";

/** One Server-Timing entry: its name and params. */
interface Entry {
  name: string;
  params: Record<string, string>;
}

/** Parses a Server-Timing value (entries separated by commas, params by semicolons; desc may be quoted). */
function entries(value: string | null): Entry[] {
  if (value === null) return [];
  return value.split(/,\s*/).map((part) => {
    const [name = "", ...params] = part.split(";");
    return {
      name: name.trim(),
      params: Object.fromEntries(
        params.map((param) => {
          const [key = "", raw = ""] = param.split("=");
          return [key.trim(), raw.replace(/^"|"$/g, "")];
        }),
      ),
    };
  });
}

const QUERY = "query Both { me { id name } products(limit: 2) { upc } }";

/** A gateway over accounts and products with JWT auth and `debug` as the debug role. */
function gateway(id: string) {
  return testGateway(id, {
    remotes: ["accounts", "products"],
    auth: hsAuth(),
    observability: { debugRoles: ["debug"] },
  });
}

describe("Server-Timing", () => {
  it("is sent to the admin and a debug role, with parse, validate, each upstream by name and total", async () => {
    const gw = gateway(uniqueId());
    for (const headers of [ADMIN_HEADERS, await asRole("debug")]) {
      const answer = await post(gw, QUERY, headers);
      expect(answer.body.errors, answer.text).toBeUndefined();
      const timing = entries(answer.headers.get("server-timing"));
      // Two remotes: the operation runs through a query plan.
      expect(timing.map((e) => e.name)).toEqual(["parse", "validate", "plan", "upstream", "upstream", "total"]);
      expect(timing.filter((e) => e.name === "upstream").map((e) => e.params.desc)).toEqual(
        expect.arrayContaining(["accounts", "products"]),
      );
      for (const entry of timing) {
        expect(Object.keys(entry.params).sort()).toEqual(entry.name === "upstream" ? ["desc", "dur"] : ["dur"]);
        expect(Number(entry.params.dur)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it("is absent for other roles, unauthenticated callers and refused requests", async () => {
    const gw = gateway(uniqueId());
    const other = await post(gw, QUERY, await asRole("user"));
    expect(other.body.errors, other.text).toBeUndefined();
    expect(other.headers.get("server-timing")).toBeNull();
    // Refused by authentication before the operation handler: no operation, no timing (even for a wrong admin secret).
    const refused = await post(gw, QUERY, { "x-admin-secret": "wrong" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("server-timing")).toBeNull();
    const anonymous = await post(gw, QUERY);
    expect(anonymous.headers.get("server-timing")).toBeNull();
  });

  it("is off by default: a role is a debug role only when configured", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], auth: hsAuth() });
    const answer = await post(gw, "{ me { id } }", await asRole("debug"));
    expect(answer.body.errors, answer.text).toBeUndefined();
    expect(answer.headers.get("server-timing")).toBeNull();
    const admin = await post(gw, "{ me { id } }", ADMIN_HEADERS);
    expect(entries(admin.headers.get("server-timing")).map((e) => e.name)).toContain("total");
  });

  it("is on the fast lane's answers too, with the upstream that answered", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts", "products"] });
    await warm(gw);
    // The first run decides through Yoga; the second is answered by the lane.
    for (let run = 0; run < 2; run++) {
      const { value: answer, served } = await counted(() => post(gw, "query Me { me { id } }", ADMIN_HEADERS));
      expect(answer.body.errors, answer.text).toBeUndefined();
      expect(served).toBe(run);
      const timing = entries(answer.headers.get("server-timing"));
      expect(timing.filter((e) => e.name === "upstream").map((e) => e.params.desc)).toEqual(["accounts"]);
      expect(timing.at(-1)?.name).toBe("total");
      // The lane parses nothing: parse and validate appear only on Yoga's run.
      expect(timing.some((e) => e.name === "parse")).toBe(run === 0);
    }
  });

  it("has a plan entry when a query plan ran, and one summed entry per upstream", async () => {
    const gw = testGateway(uniqueId("plan"), hiveSpec());
    const answer = await post(gw, "{ topProducts(first: 3) { upc name inStock reviews { id body } } }", ADMIN_HEADERS);
    expect(answer.body.errors, answer.text).toBeUndefined();
    const timing = entries(answer.headers.get("server-timing"));
    expect(timing.map((e) => e.name)).toContain("plan");
    const upstreams = timing.filter((e) => e.name === "upstream").map((e) => e.params.desc ?? "");
    expect(new Set(upstreams).size).toBe(upstreams.length);
    for (const name of upstreams) expect(HIVE).toContain(name);
    expect(upstreams.length).toBeGreaterThanOrEqual(2);
  });

  it("names nothing but the phases and the upstreams' names (no URL, no header)", async () => {
    const gw = gateway(uniqueId());
    const answer = await post(gw, QUERY, ADMIN_HEADERS);
    const value = answer.headers.get("server-timing") ?? "";
    expect(value).not.toMatch(/http|127\.0\.0\.1|graphql|x-|secret/i);
  });
});
