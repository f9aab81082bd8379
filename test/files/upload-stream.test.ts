/**
 * Streamed uploads (issue 14): a 50 MB file whose body is generated while the gateway reads it (never
 * held whole by the test) goes to R2 with the right size and SHA-256, while the resident memory of the
 * workerd process (sampled from Node every 10 ms, test/fixtures/memory.ts) grows by far less than the
 * file; a client that goes away mid-file leaves no object behind.
 *
 * How memory is measured: workerd gives a Worker no memory figure, so the fixture server (Node, the
 * parent of workerd) reads VmRSS of the workerd processes below it from /proc/<pid>/status before and
 * every 10 ms during the upload; the growth of the peak over the start is what the upload cost. A control
 * (the test itself holding 50 MB) shows the sampling sees such an allocation.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hex, lazyMultipart, operationsOf, patternSha256, sha256Stream } from "../fixtures/multipart";
import { uniqueId, upstreamBase } from "../helpers";
import {
  ATTACH,
  type FileReference,
  keysUnder,
  ordersGateway,
  send,
  succeeded,
  UPLOADS_READY,
  userHeaders,
} from "./setup";

const MB = 1_000_000;
const MiB = 1024 * 1024;

/** Peak resident memory growth of workerd while `run` runs (see the file comment). */
async function memoryDuring<T>(run: () => Promise<T>): Promise<{ result: T; growthBytes: number; samples: number }> {
  await fetch(`${upstreamBase()}/__mem/start`, { method: "POST" });
  try {
    const result = await run();
    const stop = (await (await fetch(`${upstreamBase()}/__mem/stop`, { method: "POST" })).json()) as {
      growthBytes: number;
      samples: number;
      pids: number[];
    };
    expect(stop.pids.length, "no workerd process found below the fixture server").toBeGreaterThan(0);
    return { result, growthBytes: stop.growthBytes, samples: stop.samples };
  } catch (error) {
    await fetch(`${upstreamBase()}/__mem/stop`, { method: "POST" });
    throw error;
  }
}

/** Streams the R2 object at `key` through a DigestStream: its hex SHA-256, without holding it whole. */
async function storedSha256(key: string): Promise<string> {
  const object = await env.FILES.get(key);
  if (!object) throw new Error(`no object ${key}`);
  const digest = sha256Stream();
  await object.body.pipeTo(digest);
  return hex(await digest.digest);
}

describe.skipIf(!UPLOADS_READY)("streamed uploads", () => {
  it("stores a 50 MB file generated lazily, with the right size and sha256, memory growing far less than the file", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { maxFileBytes: 100 * MiB, maxFiles: 1 });
    const size = 50 * MB;
    const expectedSha = await patternSha256(size);
    const headers = await userHeaders();
    const lazy = lazyMultipart({ operations: operationsOf(ATTACH, { orderId: "o1", file: null }), size });
    const {
      result: answer,
      growthBytes,
      samples,
    } = await memoryDuring(() => send(gw, { body: lazy.body, headers: lazy.headers }, headers));
    const data = succeeded(answer);
    const ref = (data.attachInvoice as { file: FileReference }).file;
    expect({ size: ref.size, sha256: ref.sha256 }).toEqual({ size, sha256: expectedSha });
    expect(lazy.progress.bytesPulled).toBe(lazy.progress.totalBytes);
    expect(lazy.progress.largestChunk).toBeLessThanOrEqual(64 * 1024);
    const head = await env.FILES.head(ref.key);
    expect(head?.size).toBe(size);
    expect(head?.customMetadata?.sha256).toBe(expectedSha);
    expect(await storedSha256(ref.key)).toBe(expectedSha);
    console.log(`50 MB upload: workerd RSS grew by ${(growthBytes / MiB).toFixed(1)} MiB (${samples} samples)`);
    // Buffering the file whole would cost at least its 47.7 MiB (and a copy more); parts of 5 MiB a few of those.
    expect(growthBytes).toBeLessThan(32 * MiB);
    await env.FILES.delete(ref.key);
  }, 120_000);

  it("a client that goes away mid-file (after 7 MiB, past the first 5 MiB part) leaves no object", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { maxFileBytes: 100 * MiB, maxFiles: 1 });
    const lazy = lazyMultipart({
      operations: operationsOf(ATTACH, { orderId: "o1", file: null }),
      size: 20 * MiB,
      failAfterBytes: 7 * MiB,
    });
    const answer = await send(gw, { body: lazy.body, headers: lazy.headers }, await userHeaders()).catch(
      (error: Error) => ({ status: 0, text: error.message, body: {} }) as const,
    );
    expect(lazy.progress.failed).toBe(true);
    expect(answer.status, answer.text).not.toBe(200);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
  });

  it("a slow client (a block every 20 ms) still gets its file stored whole", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { maxFileBytes: 10 * MiB, maxFiles: 1 });
    const size = 2 * MiB + 123;
    const lazy = lazyMultipart({
      operations: operationsOf(ATTACH, { orderId: "o1", file: null }),
      size,
      delayMs: 20,
    });
    const data = succeeded(await send(gw, { body: lazy.body, headers: lazy.headers }, await userHeaders()));
    const ref = (data.attachInvoice as { file: FileReference }).file;
    expect({ size: ref.size, sha256: ref.sha256 }).toEqual({ size, sha256: await patternSha256(size) });
    expect(await keysUnder(`uploads/${id}/`)).toEqual([ref.key]);
  });
});

describe("memory sampling (test/fixtures/memory.ts)", () => {
  it("control: the sampling sees 50 MB held by the isolate", async () => {
    const { growthBytes } = await memoryDuring(async () => {
      const held = new Uint8Array(50 * MB);
      for (let i = 0; i < held.length; i += 4096) held[i] = i & 0xff;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return held[4096];
    });
    expect(growthBytes).toBeGreaterThan(40 * MiB);
  });
});
