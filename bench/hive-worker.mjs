/**
 * Hive Gateway (@graphql-hive/gateway-runtime) in workerd, as its Cloudflare Workers guide shows, but
 * created once per isolate like Junction (not per request). The supergraph (composed by bench/run.mjs
 * from the upstreams' federation SDL) comes as the SUPERGRAPH binding.
 */
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import http from "@graphql-mesh/transport-http";

let gateway;

export default {
  fetch(request, env, ctx) {
    gateway ??= createGatewayRuntime({
      supergraph: env.SUPERGRAPH,
      transports: { http },
      logging: false,
      // As Junction's forwardClientHeaders: the benchmark's unique header reaches the subgraphs.
      propagateHeaders: {
        // x-bench-fail: scenario HE's failing product (bench/upstreams.mjs), sent only when the client sends it.
        fromClientToSubgraphs: ({ request }) => ({
          "x-bench-request": request.headers.get("x-bench-request") ?? "",
          ...(request.headers.has("x-bench-fail") ? { "x-bench-fail": request.headers.get("x-bench-fail") } : {}),
        }),
      },
    });
    return gateway(request, env, ctx);
  },
};
