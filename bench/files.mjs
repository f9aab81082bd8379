/**
 * The files section of `npm run bench` (issue 14): uploads through the gateway into Miniflare's local R2,
 * and downloads back, against a bare Worker that reads and writes R2 directly.
 *
 * Gateway (bench/gateway-worker.ts, `createApp` with config and SDL in bindings, the `FILES` R2 binding
 * of wrangler.toml) with `files` (maxFileBytes 200 MiB, maxFiles 1, keyPrefix "bench/") and one REST field
 * `attach(file: Upload!): Attached @rest(...)` whose service (a loopback Node server) gets the file
 * reference and answers it back. Control: bench/files-bare-worker.mjs, `PUT /raw/<key>` ->
 * `env.FILES.put(key, request.body)` (length known from Content-Length) and `GET /raw/<key>` -> the
 * object's body; both in workerd through Miniflare's Node API (wrangler.toml's settings without its Durable
 * Objects, which neither uses), each size in a fresh workerd.
 *
 * Per size (1 MB, 10 MB, 100 MB; with --quick 1 MB and 10 MB), in a fresh workerd after a warm-up upload of
 * 1 MB: `reps` uploads, each a GraphQL multipart request (operations, map, file) whose file is generated in
 * 64 KiB blocks and written with node:http as the socket drains, with Content-Length; timed from the first
 * byte sent to the whole answer; the answer's size and sha256 must match. MB/s = file bytes / seconds
 * (median over the reps). workerd's peak resident memory (VmHWM, /proc) after the warm-up and after the
 * uploads; the control the same with PUT. Downloads: `GET` of the reference's signed URL (`url`,
 * `/files/<key>?exp=&sig=`, the downloads route) with the body read and counted as it arrives, against
 * `GET /raw/<key>` of the control. Every request is bounded in time.
 */
import { createHash } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { build } from "esbuild";
import { peakMiB, startWorker, WORKER_BUILD } from "./lib.mjs";

const BENCH = new URL(".", import.meta.url).pathname;
const ROOT = join(BENCH, "..");
const MB = 1_000_000;
const MiB = 1024 * 1024;
const BLOCK = 64 * 1024;
const BOUNDARY = "----junction-bench-files";
/** Longest one upload or download may take before it counts as failed, ms. */
const REQUEST_TIMEOUT_MS = 120_000;

const SDL = `scalar JSON
type Attached { id: ID! file: JSON }
type Query { filesPing: String @rest(service: "orders", endpoint: "ping") }
type Mutation { attach(file: Upload!): Attached @rest(service: "orders", endpoint: "attach") }
`;
const QUERY = "mutation($file: Upload!) { attach(file: $file) { id file } }";

/** The gateway config of the files bench. */
function filesSetup(restUrl) {
  return {
    config: {
      services: [
        {
          name: "orders",
          url: restUrl,
          endpoints: {
            ping: { method: "GET", path: "/ping" },
            attach: { method: "POST", path: "/attach", body: { file: "{args.file}" } },
          },
        },
      ],
      files: { maxFileBytes: 200 * MiB, maxFiles: 1, keyPrefix: "bench/" },
      graphiql: false,
    },
    schemaFiles: [{ path: "schemas/bench-files.graphql", sdl: SDL }],
  };
}

/** A loopback REST service that answers the reference it gets back (`{ id, file }`) and counts calls. */
async function restServer() {
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      calls++;
      const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `a${calls}`, file: body.file ?? null }));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${server.address().port}`, calls: () => calls };
}

/** A pseudo-random 64 KiB block; block n of a file is it with its first 8 bytes set to n. */
const BASE = (() => {
  const block = Buffer.alloc(BLOCK);
  let x = 2463534242;
  for (let i = 0; i < BLOCK; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block[i] = x & 0xff;
  }
  return block;
})();

/** Calls `emit(chunk)` for each 64 KiB block of a `size`-byte file; awaits what it returns. */
async function eachBlock(size, emit) {
  for (let n = 0; n * BLOCK < size; n++) {
    const block = Buffer.from(BASE);
    block.writeDoubleBE(n, 0);
    await emit(block.subarray(0, Math.min(BLOCK, size - n * BLOCK)));
  }
}

/** The hex SHA-256 of a `size`-byte file of the pattern. */
async function sha256Of(size) {
  const hash = createHash("sha256");
  await eachBlock(size, (chunk) => hash.update(chunk));
  return hash.digest("hex");
}

/**
 * Sends one request with a generated body (head, `size` file bytes, tail), writing as the socket drains.
 * @returns `{ status, text, ms }` (ms from the first byte sent to the last byte of the answer)
 */
function sendStreamed(url, method, headers, head, size, tail) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(url, {
      method,
      headers: { ...headers, "content-length": String(head.length + size + tail.length) },
      timeout: REQUEST_TIMEOUT_MS,
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${url}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.on("response", (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode,
          text: Buffer.concat(chunks).toString("utf8"),
          ms: performance.now() - started,
        }),
      );
      res.on("error", reject);
    });
    const write = (chunk) => (req.write(chunk) ? undefined : new Promise((drained) => req.once("drain", drained)));
    (async () => {
      if (head.length) await write(head);
      await eachBlock(size, write);
      if (tail.length) await write(tail);
      req.end();
    })().catch((error) => req.destroy(error));
  });
}

/** One GraphQL multipart upload of a `size`-byte file to the gateway; returns the reference and ms. */
async function uploadThroughGateway(origin, size) {
  const part = (name, extra = "") => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n`;
  const head = Buffer.from(
    `${part("operations")}\r\n${JSON.stringify({ query: QUERY, variables: { file: null } })}\r\n` +
      `${part("map")}\r\n${JSON.stringify({ 1: ["variables.file"] })}\r\n` +
      `${part("1", '; filename="bench.bin"')}Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const answer = await sendStreamed(
    `${origin}/graphql`,
    "POST",
    {
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
      accept: "application/json",
      "x-graphql-yoga-csrf": "1",
    },
    head,
    size,
    tail,
  );
  let body;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new Error(`upload of ${size} bytes: ${answer.status} ${answer.text.slice(0, 300)}`);
  }
  const file = body?.data?.attach?.file;
  if (answer.status !== 200 || !file)
    throw new Error(`upload of ${size} bytes: ${answer.status} ${answer.text.slice(0, 500)}`);
  return { file, ms: answer.ms };
}

/** One PUT of a `size`-byte file to the bare Worker (`raw`: one put; `mp`: a multipart upload in 5 MiB parts). */
async function uploadBare(origin, key, size, kind = "raw") {
  const answer = await sendStreamed(`${origin}/${kind}/${key}`, "PUT", {}, Buffer.alloc(0), size, Buffer.alloc(0));
  if (answer.status !== 201)
    throw new Error(`bare PUT of ${size} bytes: ${answer.status} ${answer.text.slice(0, 300)}`);
  return { ms: answer.ms };
}

/** GETs `url`, reading and hashing the body as it arrives; returns `{ status, bytes, ms, sha256 }`. */
async function download(url) {
  const started = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of res.body ?? []) {
    bytes += chunk.length;
    hash.update(chunk);
  }
  return { status: res.status, bytes, ms: performance.now() - started, sha256: hash.digest("hex") };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const mbps = (size, ms) => +(size / MB / (ms / 1000)).toFixed(1);

/** workerd's output without the gateway's info lines. */
function quietRuntime(stdout, stderr) {
  for (const stream of [stdout, stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      if (!line.includes('"level":"info"')) process.stderr.write(`${line}\n`);
    });
  }
}

/** Rewrites a signed URL's origin to the worker's (the gateway signs with the origin it was called on). */
const onOrigin = (url, origin) => {
  const parsed = new URL(url);
  return `${origin}${parsed.pathname}${parsed.search}`;
};

/** One size against the gateway, in a fresh workerd. */
async function gatewaySize({ script, rest, size, reps, log }) {
  const { config, schemaFiles } = filesSetup(rest.url);
  const worker = await startWorker(
    script,
    {
      BENCH_CONFIG: JSON.stringify(config),
      BENCH_SCHEMA_FILES: JSON.stringify(schemaFiles),
      FILES_SIGNING_SECRET: "bench-files-signing-secret-0123456789",
      ADMIN_SECRET: "bench-admin",
    },
    { handleRuntimeStdio: quietRuntime, durableObjects: {} },
  );
  try {
    await uploadThroughGateway(worker.url, MB);
    const warmPeakMiB = peakMiB(worker.pid);
    const expectedSha = await sha256Of(size);
    const uploads = [];
    let last;
    for (let i = 0; i < reps; i++) {
      last = await uploadThroughGateway(worker.url, size);
      if (last.file.size !== size || last.file.sha256 !== expectedSha)
        throw new Error(
          `gateway stored ${last.file.size} bytes, sha256 ${last.file.sha256}; sent ${size}, ${expectedSha}`,
        );
      uploads.push(last.ms);
    }
    const uploadPeakMiB = peakMiB(worker.pid);
    const downloads = [];
    let downloadNote = null;
    for (let i = 0; i < reps; i++) {
      const got = await download(onOrigin(last.file.url, worker.url));
      if (got.status !== 200) {
        downloadNote = `GET ${new URL(last.file.url).pathname.slice(0, 16)}... answered ${got.status}`;
        break;
      }
      if (got.bytes !== size || got.sha256 !== expectedSha)
        throw new Error(`download: ${got.bytes} bytes, sha256 ${got.sha256}; expected ${size}, ${expectedSha}`);
      downloads.push(got.ms);
    }
    const row = {
      sizeBytes: size,
      reps,
      uploadMs: uploads.map((ms) => +ms.toFixed(1)),
      uploadMBps: mbps(size, median(uploads)),
      downloadMs: downloads.map((ms) => +ms.toFixed(1)),
      downloadMBps: downloads.length ? mbps(size, median(downloads)) : null,
      downloadNote,
      workerdPeakMiBAfterWarmup: warmPeakMiB,
      workerdPeakMiB: uploadPeakMiB,
      workerdPeakMiBAfterDownloads: peakMiB(worker.pid),
    };
    log(
      `files gateway ${size / MB} MB: upload ${row.uploadMBps} MB/s, download ${row.downloadMBps ?? downloadNote} MB/s, workerd peak ${warmPeakMiB} -> ${uploadPeakMiB} MiB`,
    );
    return row;
  } finally {
    await worker.mf.dispose();
  }
}

/**
 * One size against the bare Worker, in a fresh workerd, storing with `kind` ("raw": one put; "mp": a
 * multipart upload in 5 MiB parts, the layout the gateway gives files over 5 MiB).
 */
async function bareSize({ script, size, reps, kind, log }) {
  const worker = await startWorker(script, {}, { handleRuntimeStdio: quietRuntime, durableObjects: {} });
  try {
    await uploadBare(worker.url, "warm", MB, kind);
    const warmPeakMiB = peakMiB(worker.pid);
    const expectedSha = await sha256Of(size);
    const uploads = [];
    for (let i = 0; i < reps; i++) uploads.push((await uploadBare(worker.url, `f${i}`, size, kind)).ms);
    const uploadPeakMiB = peakMiB(worker.pid);
    const downloads = [];
    for (let i = 0; i < reps; i++) {
      const got = await download(`${worker.url}/raw/f${i}`);
      if (got.status !== 200 || got.bytes !== size || got.sha256 !== expectedSha)
        throw new Error(`bare download: ${got.status}, ${got.bytes} bytes`);
      downloads.push(got.ms);
    }
    const row = {
      sizeBytes: size,
      reps,
      storedBy: kind === "mp" ? "multipart upload, 5 MiB parts" : "put",
      uploadMs: uploads.map((ms) => +ms.toFixed(1)),
      uploadMBps: mbps(size, median(uploads)),
      downloadMs: downloads.map((ms) => +ms.toFixed(1)),
      downloadMBps: mbps(size, median(downloads)),
      workerdPeakMiBAfterWarmup: warmPeakMiB,
      workerdPeakMiB: uploadPeakMiB,
      workerdPeakMiBAfterDownloads: peakMiB(worker.pid),
    };
    log(
      `files bare ${kind.padEnd(3)} ${size / MB} MB: upload ${row.uploadMBps} MB/s, download ${row.downloadMBps} MB/s, workerd peak ${warmPeakMiB} -> ${uploadPeakMiB} MiB`,
    );
    return row;
  } finally {
    await worker.mf.dispose();
  }
}

/**
 * Runs the files section.
 * @param options.quick - 1 MB and 10 MB only, fewer repetitions
 * @returns `{ sizes, gateway: [...rows], bare: [...rows], errors }` (rows as documented above)
 */
export async function runFiles({ quick, log }) {
  const script = join(ROOT, "dist/bench/gateway.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(BENCH, "gateway-worker.ts")], outfile: script });
  const bareScript = join(ROOT, "dist/bench/files-bare.js");
  await build({ ...WORKER_BUILD, entryPoints: [join(BENCH, "files-bare-worker.mjs")], outfile: bareScript });
  const plan = quick
    ? [
        [1 * MB, 3],
        [10 * MB, 2],
      ]
    : [
        [1 * MB, 10],
        [10 * MB, 5],
        [100 * MB, 3],
      ];
  const rest = await restServer();
  const out = { sizes: plan.map(([size]) => size), gateway: [], bare: [], bareMultipart: [], errors: [] };
  try {
    for (const [size, reps] of plan) {
      for (const [key, run] of [
        ["gateway", () => gatewaySize({ script, rest, size, reps, log })],
        ["bare", () => bareSize({ script: bareScript, size, reps, kind: "raw", log })],
        ["bareMultipart", () => bareSize({ script: bareScript, size, reps, kind: "mp", log })],
      ]) {
        try {
          out[key].push(await run());
        } catch (error) {
          out.errors.push(`${key} ${size / MB} MB: ${error.stack ?? error}`);
          log(out.errors.at(-1));
        }
      }
    }
    out.restCalls = rest.calls();
    return out;
  } finally {
    rest.server.closeAllConnections();
    rest.server.close();
  }
}

/** The files results as a markdown table. */
export function filesTables(files) {
  const lines = [
    "\n**Files: uploads (GraphQL multipart request, streamed) and downloads, Miniflare's local R2**\n",
    "| file | upload MB/s: gateway / bare put / bare multipart | download MB/s: gateway `GET /files/{key}` (signed URL) / bare, put object / bare, multipart object | workerd VmHWM MiB after warm-up -> after uploads: gateway / bare put / bare multipart |",
    "| --- | --- | --- | --- |",
  ];
  const cell = (row, field) => (row ? (row[field] ?? row.downloadNote ?? "–") : "–");
  const peak = (row) => (row ? `${row.workerdPeakMiBAfterWarmup} -> ${row.workerdPeakMiB}` : "–");
  for (const size of files.sizes) {
    const [g, b, m] = [files.gateway, files.bare, files.bareMultipart ?? []].map((rows) =>
      rows.find((row) => row.sizeBytes === size),
    );
    lines.push(
      `| ${size / MB} MB | ${cell(g, "uploadMBps")} / ${cell(b, "uploadMBps")} / ${cell(m, "uploadMBps")} | ${cell(g, "downloadMBps")} / ${cell(b, "downloadMBps")} / ${cell(m, "downloadMBps")} | ${peak(g)} / ${peak(b)} / ${peak(m)} |`,
    );
  }
  if (files.errors.length) lines.push("", ...files.errors.map((error) => `- error: ${error.split("\n")[0]}`));
  return lines.join("\n");
}
