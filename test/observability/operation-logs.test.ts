/**
 * Per-operation log lines (src/observability): one JSON line `"graphql operation"` per executed /graphql
 * operation with its name, type, short document hash, role, lane, duration, upstream calls (count and
 * per upstream) and error codes; sampled by `observability.operationLogSampleRate`, except that an
 * operation with errors is always logged; never the variables, the token or the admin secret.
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/observability";
import { sha256Hex } from "../../src/shared";
import { counted, warm } from "../fastlane/lane-helpers";
import { asRole, type GatewaySpec, hsAuth, post, testGateway } from "../fixtures/gateways";
import { control, uniqueId } from "../helpers";

/** A variable value that looks like a secret: it must never be logged. */
const SECRET = "sk_live_9f8e7d6c5b4a39281706";
const ADMIN_SECRET = "adm1n-obs-7c1d-S3CRET";

/** A gateway over test `id`'s accounts and products whose log lines are kept. */
function logged(id: string, spec: GatewaySpec = {}) {
  const lines: string[] = [];
  const gw = testGateway(
    id,
    { remotes: ["accounts", "products"], auth: hsAuth(), ...spec },
    { env: { ADMIN_SECRET }, log: createLogger({ level: "debug", sink: (line) => lines.push(line) }) },
  );
  const operations = () =>
    lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.msg === "graphql operation");
  return { gw, lines, operations };
}

const ECHO = "query Echo($v: String!) { echo(value: $v) }";

describe("per-operation log lines", () => {
  it("have one line per operation with its fields, and never the variables, the token or the admin secret", async () => {
    const { gw, lines, operations } = logged(uniqueId());
    const headers = await asRole("user", "u1");
    const answer = await post(gw, ECHO, headers, { v: SECRET });
    expect(answer.body, answer.text).toEqual({ data: { echo: SECRET } });
    const both = await post(gw, "query Both { me { id } products(limit: 1) { upc } }", {
      "x-admin-secret": ADMIN_SECRET,
    });
    expect(both.body.errors, both.text).toBeUndefined();

    const [echo, plan, ...rest] = operations();
    expect(rest).toEqual([]);
    expect(echo).toMatchObject({
      level: "info",
      operationName: "Echo",
      operationType: "query",
      documentHash: (await sha256Hex(ECHO)).slice(0, 16),
      role: "user",
      lane: "passthrough",
      upstreamCalls: 1,
      upstreams: { accounts: { calls: 1, errors: 0 } },
      errors: 0,
      errorCodes: [],
    });
    expect(typeof echo?.requestId).toBe("string");
    expect(echo?.durationMs).toBeGreaterThanOrEqual(0);
    expect(plan).toMatchObject({
      operationName: "Both",
      lane: "plan",
      upstreamCalls: 2,
      upstreams: { accounts: { calls: 1 }, products: { calls: 1 } },
    });

    const token = headers.authorization?.replace("Bearer ", "") ?? "";
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain(ADMIN_SECRET);
      expect(line).not.toContain(token.split(".")[2]);
    }
  });

  it("log the fast lane's answers as lane fastlane", async () => {
    const { gw, operations } = logged(uniqueId(), { auth: undefined });
    await warm(gw);
    await post(gw, "query Me { me { id } }");
    const second = await counted(() => post(gw, "query Me { me { id } }"));
    expect(second.served).toBe(1);
    expect(operations().at(-1)).toMatchObject({
      operationName: "Me",
      operationType: "query",
      lane: "fastlane",
      upstreamCalls: 1,
      upstreams: { accounts: { calls: 1 } },
    });
  });

  it("are sampled: none at rate 0 for answers without errors, but errors are always logged", async () => {
    const id = uniqueId();
    const { gw, operations } = logged(id, { observability: { operationLogSampleRate: 0 } });
    const headers = await asRole("user");
    for (let i = 0; i < 3; i++) {
      const ok = await post(gw, ECHO, headers, { v: "x" });
      expect(ok.body.errors, ok.text).toBeUndefined();
    }
    expect(operations()).toEqual([]);

    // An upstream failure and a validation error: both logged at rate 0, with their codes.
    await control(id, "accounts", { mode: "500" });
    const failed = await post(gw, ECHO, headers, { v: SECRET });
    expect(failed.body.errors?.[0]?.extensions?.code, failed.text).toMatch(/^UPSTREAM_/);
    await control(id, "accounts", { mode: "ok" });
    const invalid = await post(gw, "query Bad { nope }", headers);
    expect(invalid.body.errors?.length, invalid.text).toBe(1);

    const [upstream, validation, ...rest] = operations();
    expect(rest).toEqual([]);
    expect(upstream).toMatchObject({ level: "warn", operationName: "Echo", errors: 1 });
    expect(upstream?.errorCodes).toEqual([failed.body.errors?.[0]?.extensions?.code]);
    const accounts = (upstream?.upstreams as Record<string, { errors: number }> | undefined)?.accounts;
    expect(accounts?.errors).toBeGreaterThanOrEqual(1);
    expect(validation).toMatchObject({ operationName: "Bad", errors: 1 });
    expect(validation?.errorCodes).toEqual([invalid.body.errors?.[0]?.extensions?.code]);
    expect(JSON.stringify(operations())).not.toContain(SECRET);
  });

  it("log every operation at rate 1 (the default)", async () => {
    const { gw, operations } = logged(uniqueId(), { observability: { operationLogSampleRate: 1 } });
    const headers = await asRole("user");
    for (let i = 0; i < 3; i++) await post(gw, ECHO, headers, { v: String(i) });
    expect(operations().map((line) => line.operationName)).toEqual(["Echo", "Echo", "Echo"]);
  });
});
