/**
 * The upstream pipeline on its own (src/upstream, README "Layout"): calls to a real loopback remote
 * with the default plugins, checked for what each plugin does, and a custom plugin list to show the
 * order. The pipeline's behaviour through the gateway is pinned by headers.test.ts and errors.test.ts.
 */

import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { RemoteSchema } from "../../src/config";
import type { UpstreamContext } from "../../src/shared";
import { createRemoteSource } from "../../src/sources";
import {
  createUpstreamPipeline,
  type UpstreamConfig,
  type UpstreamPlugin,
  type UpstreamRequest,
  upstreamCallStats,
} from "../../src/upstream";
import { control, remoteUrl, stats, uniqueId } from "../helpers";

const config = (name: string, extra: Partial<UpstreamConfig> = {}): UpstreamConfig => ({
  name,
  headers: { "x-configured": "yes" },
  forwardClientHeaders: ["x-forwarded-one"],
  gatewayToken: true,
  timeoutMs: 5_000,
  ...extra,
});

const request = (url: string, upstream: UpstreamConfig, context?: UpstreamContext): UpstreamRequest => ({
  kind: "remote",
  upstream,
  url,
  method: "POST",
  headers: new Headers({ "content-type": "application/json" }),
  body: JSON.stringify({ query: "{ me { id } }" }),
  label: `Remote schema "${upstream.name}"`,
  context,
});

const contextOf = (cookies: string[] | undefined): UpstreamContext => ({
  clientHeaders: new Headers({ "x-forwarded-one": "client", "x-not-forwarded": "client" }),
  requestId: "req-pipeline-1",
  responseCookies: cookies,
  session: { variables: { "x-hasura-user-id": "u7" } },
  gatewayToken: async (audience) => `token-for-${audience}`,
});

describe("the upstream pipeline", () => {
  it("runs the default plugins: header rules, gateway token, cookies, call stats; the body stays unread", async () => {
    const id = uniqueId("pipe");
    await control(id, "accounts", { cookies: ["a=1; Path=/", "b=2; Path=/"] });
    const cookies: string[] = [];
    const context = contextOf(cookies);
    const pipeline = createUpstreamPipeline();
    const answer = await pipeline.call(request(remoteUrl(id, "accounts"), config("accounts"), context));
    expect(answer.response.bodyUsed).toBe(false);
    expect(JSON.parse(await answer.text())).toEqual({ data: { me: { id: "1" } } });
    const seen = (await stats(id, "accounts")).lastHeaders;
    expect(seen["x-configured"]).toBe("yes");
    expect(seen["x-forwarded-one"]).toBe("client");
    expect(seen["x-not-forwarded"]).toBeUndefined();
    expect(seen["x-request-id"]).toBe("req-pipeline-1");
    expect(seen["x-hasura-user-id"]).toBe("u7");
    expect(seen["x-gateway-token"]).toBe("token-for-accounts");
    expect(cookies).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    await pipeline.call(request(remoteUrl(id, "accounts"), config("accounts"), context));
    expect(upstreamCallStats(context).calls).toBe(2);
  });

  it("drops upstream cookies where the entry point has no response (no responseCookies)", async () => {
    const id = uniqueId("pipe");
    await control(id, "accounts", { cookies: ["a=1"] });
    const context = contextOf(undefined);
    const answer = await createUpstreamPipeline().call(request(remoteUrl(id, "accounts"), config("accounts"), context));
    expect(answer.response.status).toBe(200);
    expect(context.responseCookies).toBeUndefined();
  });

  it("maps a timeout and a refused connection to UPSTREAM_TIMEOUT and UPSTREAM_UNAVAILABLE", async () => {
    const id = uniqueId("pipe");
    await control(id, "accounts", { mode: "slow", delayMs: 1_000 });
    const pipeline = createUpstreamPipeline();
    await expect(
      pipeline.call(request(remoteUrl(id, "accounts"), config("accounts", { timeoutMs: 100 }), contextOf([]))),
    ).rejects.toMatchObject({ code: "UPSTREAM_TIMEOUT", extensions: { serviceName: "accounts" } });
    await expect(
      pipeline.call(request("http://127.0.0.1:9/graphql", config("gone"), contextOf([]))),
    ).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE", extensions: { serviceName: "gone" } });
  });

  it("runs a custom plugin list in order, the first outermost", async () => {
    const id = uniqueId("pipe");
    const order: string[] = [];
    const tracer = (name: string): UpstreamPlugin => ({
      name,
      async call(req, next) {
        order.push(`${name}:before`);
        const response = await next(req);
        order.push(`${name}:after`);
        return response;
      },
    });
    const pipeline = createUpstreamPipeline({ plugins: [tracer("outer"), tracer("inner")] });
    const answer = await pipeline.call(request(remoteUrl(id, "accounts"), config("accounts"), contextOf([])));
    expect(answer.response.status).toBe(200);
    expect(order).toEqual(["outer:before", "inner:before", "inner:after", "outer:after"]);
    // Without the header-rules plugin nothing but the caller's own headers is sent.
    expect((await stats(id, "accounts")).lastHeaders["x-configured"]).toBeUndefined();
  });

  it("tells plugins which operation a remote call serves: its name and its type, for both executors", async () => {
    const id = uniqueId("pipe");
    const seen: Array<{ operation: string | undefined; operationType: string | undefined }> = [];
    const recorder: UpstreamPlugin = {
      name: "recorder",
      call(req, next) {
        seen.push({ operation: req.operation, operationType: req.operationType });
        return next(req);
      },
    };
    const pipeline = createUpstreamPipeline({ plugins: [recorder] });
    const source = createRemoteSource(
      RemoteSchema.parse({ name: "accounts", url: remoteUrl(id, "accounts") }),
      pipeline,
    );
    const request = { document: parse("query Me { me { id } }"), operationName: "Me", context: contextOf([]) };
    await source.passthrough(request);
    await source.executor(request);
    expect(seen[0]).toEqual({ operation: "Me", operationType: "query" });
    expect(seen[1]?.operationType).toBe("query");
  });
});
