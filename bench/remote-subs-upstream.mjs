/**
 * The remote of the remote-subscriptions bench (bench/remote-subs.mjs): a real graphql-yoga server on
 * loopback with `type Subscription { ticks: Tick }`, run as a child process of the bench so that its sends
 * are not delayed by the 1,000 clients' receive handling in the bench process, and its CPU is its own.
 *
 * One node:http server, one port:
 * - `/graphql`: graphql-yoga (queries; subscriptions over GraphQL over SSE, distinct connections, as Yoga
 *   serves them to a request with `Accept: text/event-stream`);
 * - `/graphql` with `Upgrade: websocket`: a `graphql-transport-ws` server (graphql-ws `useServer` on `ws`);
 * - `GET /__clock` -> `{ now }`: this process's clock, `performance.timeOrigin + performance.now()` in ms,
 *   the clock of every tick's `sentAt` (the bench measures its offset to its own clock with it);
 * - `GET /__stats` -> `{ subscriptions, subscriptionsOpened, sseConnections, wsSockets, peak: {...},
 *   lastClosedAt, sent }`: open upstream subscriptions (resolver-level: each `ticks` stream from its start
 *   to its return), open SSE streams on `/graphql`, open WebSockets, their peaks since the last
 *   `POST /__peaks`, and the clock when the last subscription or connection closed;
 * - `POST /__peaks`: resets the peaks to the current counts;
 * - `POST /__emit?from=N&count=C&intervalMs=I`: sends ticks `n` = N..N+C-1 to every open `ticks` stream,
 *   one every I ms on a fixed schedule (no drift), each with `sentAt` = the clock when it is handed to the
 *   streams; answers `{ sent, firstAt, lastAt }` once the last is sent (count is capped at 10,000 and the
 *   interval at 10 s, so the answer comes within bounded time).
 *
 * Usage: node bench/remote-subs-upstream.mjs   (prints `{"port": N}` on stdout once listening)
 */
import { createServer } from "node:http";
import { useServer } from "graphql-ws/use/ws";
import { createSchema, createYoga } from "graphql-yoga";
import { WebSocketServer } from "ws";

const clock = () => performance.timeOrigin + performance.now();

/** Every open `ticks` stream's push function. */
const streams = new Set();
const counts = { subscriptions: 0, subscriptionsOpened: 0, sseConnections: 0, wsSockets: 0 };
const peak = { subscriptions: 0, sseConnections: 0, wsSockets: 0 };
let lastClosedAt = null;
let sent = 0;

function change(key, delta) {
  counts[key] += delta;
  if (counts[key] > peak[key]) peak[key] = counts[key];
  if (delta < 0) lastClosedAt = clock();
}

/**
 * One `ticks` stream: an async iterator whose `return()` ends it at once (an async generator would wait
 * for the next event before running its `finally`, so a closed subscription would be counted open).
 */
function tickStream() {
  const queue = [];
  let waiting = null;
  let done = false;
  change("subscriptions", 1);
  counts.subscriptionsOpened++;
  const push = (tick) => {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: { ticks: tick }, done: false });
    } else queue.push(tick);
  };
  streams.add(push);
  const finish = () => {
    if (!done) {
      done = true;
      streams.delete(push);
      change("subscriptions", -1);
      waiting?.({ value: undefined, done: true });
      waiting = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (queue.length) return Promise.resolve({ value: { ticks: queue.shift() }, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return: finish,
    throw(error) {
      finish();
      return Promise.reject(error);
    },
  };
}

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    type Tick { n: Int! sentAt: Float! }
    type Query { clock: Float! }
    type Subscription { ticks: Tick }
  `,
  resolvers: {
    Query: { clock },
    Subscription: { ticks: { subscribe: tickStream } },
  },
});

const yoga = createYoga({ schema, graphiql: false, logging: false, maskedErrors: false });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function emit(from, count, intervalMs) {
  const start = performance.now();
  let firstAt = null;
  let lastAt = null;
  for (let k = 0; k < count; k++) {
    const due = start + k * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const tick = { n: from + k, sentAt: clock() };
    for (const push of streams) push(tick);
    firstAt ??= tick.sentAt;
    lastAt = tick.sentAt;
    sent++;
  }
  return { sent: count, firstAt, lastAt };
}

const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/__clock") return json(res, 200, { now: clock() });
  if (url.pathname === "/__stats")
    return json(res, 200, { ...counts, peak: { ...peak }, lastClosedAt, sent, streams: streams.size });
  if (url.pathname === "/__peaks" && req.method === "POST") {
    Object.assign(peak, {
      subscriptions: counts.subscriptions,
      sseConnections: counts.sseConnections,
      wsSockets: counts.wsSockets,
    });
    return json(res, 200, { ...counts });
  }
  if (url.pathname === "/__emit" && req.method === "POST") {
    const from = Number(url.searchParams.get("from") ?? 0);
    const count = Math.min(10_000, Math.max(0, Number(url.searchParams.get("count") ?? 1)));
    const intervalMs = Math.min(10_000, Math.max(0, Number(url.searchParams.get("intervalMs") ?? 100)));
    emit(from, count, intervalMs).then((answer) => json(res, 200, answer));
    return;
  }
  if (String(req.headers.accept ?? "").includes("text/event-stream")) {
    change("sseConnections", 1);
    res.once("close", () => change("sseConnections", -1));
  }
  yoga(req, res);
});

const wss = new WebSocketServer({ server, path: "/graphql" });
wss.on("connection", (socket) => {
  change("wsSockets", 1);
  socket.once("close", () => change("wsSockets", -1));
});
useServer({ schema }, wss);

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
