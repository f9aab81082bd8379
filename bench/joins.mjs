/**
 * Joins across sources, batched and not (issue 5's closing note): the three-source query of docs/joins.md over
 * the example upstreams (users: json-graphql-server, catalog: Yoga, orders: json-server REST), through
 * the example gateway as written (`batch: true` joins) and with the same joins unbatched. Counts the
 * upstream HTTP calls per request with a counting proxy in front of each upstream, and times the query.
 * The Worker runs in workerd through Miniflare's Node API (bench/joins-worker.ts, bundled with esbuild).
 *
 * Usage: node bench/joins.mjs [--requests N]   (default 100 timed requests per variant, sequential)
 */
import { createServer } from "node:http";
import { build } from "esbuild";
import { percentile, startUpstreams, startWorker, WORKER_BUILD } from "./lib.mjs";

const requests = Number(process.argv[process.argv.indexOf("--requests") + 1]) || 100;
export const JOIN_QUERY = `{
  orders {
    id total
    buyer { name }
    product { name price seller { name city } }
    payments { amount method }
  }
}`;

/** A proxy on loopback that forwards to `target` and counts requests (introspection apart). */
async function countingProxy(target) {
  const counter = { calls: 0, introspections: 0 };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    if (body.includes("__schema")) counter.introspections++;
    else counter.calls++;
    const headers = { ...req.headers };
    delete headers.host;
    delete headers["content-length"];
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
    });
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { counter, server, url: `http://127.0.0.1:${server.address().port}` };
}

async function bundle() {
  await build({ ...WORKER_BUILD, entryPoints: ["bench/joins-worker.ts"], outfile: "dist/bench/joins.js" });
}

await bundle();
const upstreams = startUpstreams();
const proxies = [];
try {
  await upstreams.ready;
  const users = await countingProxy("http://127.0.0.1:4001");
  const catalog = await countingProxy("http://127.0.0.1:4002");
  const orders = await countingProxy("http://127.0.0.1:4003");
  proxies.push(users, catalog, orders);
  const { mf } = await startWorker("dist/bench/joins.js", {
    USERS_URL: `${users.url}/graphql`,
    CATALOG_URL: `${catalog.url}/graphql`,
    ORDERS_URL: orders.url,
    ADMIN_SECRET: "bench",
  });
  const send = async (variant) => {
    const started = performance.now();
    const res = await mf.dispatchFetch("http://gateway/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-bench-variant": variant },
      body: JSON.stringify({ query: JOIN_QUERY }),
    });
    const body = await res.json();
    const ms = performance.now() - started;
    if (body.errors) throw new Error(`${variant}: ${JSON.stringify(body.errors)}`);
    return { ms, body };
  };
  const result = { query: JOIN_QUERY.replace(/\s+/g, " ").trim(), requests, variants: {} };
  let reference;
  for (const variant of ["batched", "unbatched"]) {
    for (let i = 0; i < 10; i++) {
      const { body } = await send(variant);
      reference ??= JSON.stringify(body);
      if (JSON.stringify(body) !== reference) throw new Error(`${variant} answered differently from batched`);
    }
    const before = proxies.map((proxy) => proxy.counter.calls);
    const samples = [];
    for (let i = 0; i < requests; i++) samples.push((await send(variant)).ms);
    samples.sort((a, b) => a - b);
    const perRequest = proxies.map((proxy, index) => (proxy.counter.calls - (before[index] ?? 0)) / requests);
    result.variants[variant] = {
      upstreamCallsPerRequest: {
        users: perRequest[0],
        catalog: perRequest[1],
        orders: perRequest[2],
        total: perRequest.reduce((sum, calls) => sum + calls, 0),
      },
      latencyMs: { p50: +percentile(samples, 50).toFixed(2), p99: +percentile(samples, 99).toFixed(2) },
    };
  }
  const first = JSON.parse(reference).data.orders;
  result.orders = first.length;
  await mf.dispose();
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const proxy of proxies) proxy.server.close();
  process.kill(-upstreams.child.pid, "SIGTERM");
}
