/**
 * The fast lane (src/fastlane): after an operation's first run through Yoga, later runs of the same
 * document by the same role skip Yoga. Every answer must be the one Yoga gives with the lane off
 * (`execution.fastLane: false`): same bytes, status and content type; limits, permissions, reloads and
 * cookies behave as before; one upstream call per request.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, asRole, type GatewaySpec, hsAuth, testGateway } from "../fixtures/gateways";
import { control, stats, uniqueId } from "../helpers";
import { counted, pair, post, warm } from "./lane-helpers";

const operations = async (id: string, kind: string): Promise<number> => (await stats(id, kind)).operations;

describe("the fast lane answers like Yoga", () => {
  it("serves a repeated query itself, byte for byte Yoga's answer, for both JSON media types, one upstream call each", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(on, off);
    const body = {
      query: "query Get($id: ID!) { a: user(id: $id) { id name role } now }",
      variables: { id: "2" },
      operationName: "Get",
    };
    for (const accept of ["application/graphql-response+json", "application/json", "*/*"]) {
      const expected = await post(off, body, {}, accept);
      expect(expected.status).toBe(200);
      expect(JSON.parse(expected.text).data.a.name).toBe("Grace");
      const first = await counted(() => post(on, body, {}, accept));
      expect(first.value).toEqual(expected);
      const calls = await operations(id, "accounts");
      const second = await counted(() => post(on, body, {}, accept));
      expect(second.served).toBe(1);
      expect(second.value).toEqual(expected);
      expect(await operations(id, "accounts")).toBe(calls + 1);
    }
    // Other variables, same document: the decision holds, the answer is the new one.
    const other = await counted(() => post(on, { ...body, variables: { id: "3" } }));
    expect(other.served).toBe(1);
    expect(other.value).toEqual(await post(off, { ...body, variables: { id: "3" } }));
    expect(JSON.parse(other.value.text).data.a.name).toBe("Linus");
  });

  it("gives Yoga the upstream's errors to label (serviceName, exposed extensions only), without a second call", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["errors", "products"] });
    await warm(on, off);
    const body = { query: "{ fails nested { ok bad } }" };
    const expected = await post(off, body);
    const parsed = JSON.parse(expected.text);
    expect(parsed.errors.map((error: { extensions: { serviceName: string } }) => error.extensions.serviceName)).toEqual(
      ["errors", "errors"],
    );
    expect(expected.text).not.toContain("stacktrace");
    await post(on, body);
    const calls = await operations(id, "errors");
    const second = await counted(() => post(on, body));
    expect(second.handedOff).toBe(1);
    expect(second.served).toBe(0);
    expect(second.value).toEqual(expected);
    expect(await operations(id, "errors")).toBe(calls + 1);
  });

  it("answers an unreachable remote as Yoga does (located UPSTREAM_UNAVAILABLE), with the same retries", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(on, off);
    const body = { query: '{ a: user(id: "1") { name } me { name } }' };
    await post(on, body);
    await post(off, body);
    await control(id, "accounts", { mode: "reset" });
    const before = (await stats(id, "accounts")).requests;
    const expected = await post(off, body);
    const offCalls = (await stats(id, "accounts")).requests - before;
    expect(JSON.parse(expected.text).errors[0].extensions).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      serviceName: "accounts",
    });
    const second = await counted(() => post(on, body));
    expect(second.handedOff).toBe(1);
    expect(second.value).toEqual(expected);
    expect((await stats(id, "accounts")).requests - before - offCalls).toBe(offCalls);
  });

  it("sends a repeated mutation once per request and answers it like Yoga", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(on, off);
    const body = { query: 'mutation { rename(id: "1", name: "Ada L.") { id name } }' };
    const expected = await post(off, body);
    expect(JSON.parse(expected.text).data.rename.name).toBe("Ada L.");
    await post(on, body);
    const calls = await operations(id, "accounts");
    const second = await counted(() => post(on, body));
    expect(second.served).toBe(1);
    expect(second.value).toEqual(expected);
    expect(await operations(id, "accounts")).toBe(calls + 1);
  });

  it("forwards the upstream's Set-Cookie values on the lane", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(on, off);
    await control(id, "accounts", { cookies: ["a=1; Path=/", "b=2; HttpOnly"] });
    const body = { query: "{ me { name } }" };
    const expected = await post(off, body);
    expect(expected.cookies).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    await post(on, body);
    const second = await counted(() => post(on, body));
    expect(second.served).toBe(1);
    expect(second.value).toEqual(expected);
  });

  it("passes non-ASCII answers on as their bytes, and hands an answer with a \\u escape to Yoga", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(on, off);
    const query = "query Echo($v: String!) { echo(value: $v) }";
    await post(on, { query, variables: { v: "x" } });
    const plain = { query, variables: { v: "é ✓ 𝄞" } };
    const served = await counted(() => post(on, plain));
    expect(served.served).toBe(1);
    expect(served.value).toEqual(await post(off, plain));
    expect(JSON.parse(served.value.text).data.echo).toBe("é ✓ 𝄞");
    // The upstream escapes a control character as \u0001: such an answer is parsed (an escape could spell "errors").
    const escaped = { query, variables: { v: "a\u0001b" } };
    const parsed = await counted(() => post(on, escaped));
    expect(parsed.handedOff).toBe(1);
    expect(parsed.value).toEqual(await post(off, escaped));
  });

  it("is off with execution.fastLane: false", async () => {
    const id = uniqueId();
    const { off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(off);
    const body = { query: "{ me { name } }" };
    await post(off, body);
    const second = await counted(() => post(off, body));
    expect(second.served + second.handedOff).toBe(0);
  });

  it("leaves requests it does not handle to Yoga (extensions, batching, another Accept)", async () => {
    const id = uniqueId();
    const { on, off } = pair(id, { remotes: ["accounts", "products"] });
    await warm(on, off);
    const query = "{ me { name } }";
    await post(on, { query });
    for (const [body, accept] of [
      [{ query, extensions: {} }, "application/json"],
      [[{ query }], "application/json"],
      [{ query, unexpected: 1 }, "application/json"],
      [{ query }, "text/event-stream"],
    ] as const) {
      const expected = await post(off, body, {}, accept);
      const run = await counted(() => post(on, body, {}, accept));
      expect(run.served + run.handedOff).toBe(0);
      expect(run.value.status).toBe(expected.status);
      expect(run.value.type).toBe(expected.type);
    }
  });
});

describe("the fast lane keeps every check", () => {
  it("refuses a document over a role's limit even after another role ran it on the lane", async () => {
    const id = uniqueId();
    const spec: GatewaySpec = {
      remotes: ["accounts", "products"],
      auth: hsAuth(),
      limits: { roles: { viewer: { maxDepth: 1 } } },
    };
    const gw = testGateway(id, spec);
    await post(gw, { query: "{ __typename }" }, ADMIN_HEADERS);
    const body = { query: "{ me { name } }" };
    await post(gw, body, ADMIN_HEADERS);
    expect((await counted(() => post(gw, body, ADMIN_HEADERS))).served).toBe(1);
    const calls = await operations(id, "accounts");
    const viewer = await asRole("viewer");
    for (let run = 0; run < 2; run++) {
      const refused = await counted(() => post(gw, body, viewer));
      expect(refused.served + refused.handedOff).toBe(0);
      expect(JSON.parse(refused.value.text).errors[0].extensions.code).toBe("DEPTH_LIMIT_EXCEEDED");
    }
    expect(await operations(id, "accounts")).toBe(calls);
  });

  it("never sends a document over a limit upstream, however often it comes", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"], limits: { maxAliases: 1 } });
    await warm(gw);
    const body = { query: "{ a: me { name } b: me { name } }" };
    for (let run = 0; run < 3; run++) {
      const refused = await counted(() => post(gw, body));
      expect(refused.served + refused.handedOff).toBe(0);
      expect(JSON.parse(refused.value.text).errors[0].extensions.code).toBe("ALIAS_LIMIT_EXCEEDED");
    }
    expect(await operations(id, "accounts")).toBe(0);
  });

  it("does not reuse a decision after a reload", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });
    await warm(gw);
    const body = { query: "{ me { name } }" };
    await post(gw, body);
    expect((await counted(() => post(gw, body))).served).toBe(1);
    await control(id, "accounts", { version: "v2" });
    expect((await gw.admin("/admin/reload")).status).toBe(200);
    const afterReload = await counted(() => post(gw, body));
    expect(afterReload.served).toBe(0);
    expect(JSON.parse(afterReload.value.text)).toEqual({ data: { me: { name: "Ada" } } });
    expect((await counted(() => post(gw, body))).served).toBe(1);
  });
});
