/**
 * `limits.maxBodyBytes` (default 2 MiB, per role): a `/graphql` body over it is answered 413 with
 * `{ errors: [{ extensions: { code: "BODY_TOO_LARGE", limit: "maxBodyBytes", max } }] }`, decided from
 * `Content-Length` without reading the body, or while reading a body without one (stopping at the first
 * byte over, never buffering more); variables count. docs/security.md "Operation limits".
 */
import { describe, expect, it } from "vitest";
import { asRole, hsAuth, testGateway } from "../fixtures/gateways";
import { type GraphQLBody, stats, type TestGateway, uniqueId } from "../helpers";
import { refused } from "./setup";

const JSON_HEADERS = { "content-type": "application/json", accept: "application/graphql-response+json" };

/** A JSON request body of exactly `bytes` bytes: `{ me { id } }` and an unused padding variable. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ query: "{ me { id } }", variables: { pad: "" } });
  return JSON.stringify({ query: "{ me { id } }", variables: { pad: "x".repeat(bytes - empty.length) } });
}

/** A stream of `text` in 100-byte chunks; it stays open after the text when `hang` is set. */
function streamOf(text: string, hang = false): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset < bytes.length) {
        controller.enqueue(bytes.slice(offset, offset + 100));
        offset += 100;
      } else if (!hang) {
        controller.close();
      }
      // else: never closes, never errors.
    },
  });
}

/** POSTs `body` to /graphql and reads the answer. */
async function post(
  gw: TestGateway,
  body: BodyInit,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: GraphQLBody }> {
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: { ...JSON_HEADERS, ...headers },
    body,
    duplex: "half",
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as GraphQLBody };
}

describe("limits.maxBodyBytes", () => {
  it("defaults to 2 MiB: a 3 MB body and 2.5 MB of variables are refused with 413", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"] });
    const expected = { code: "BODY_TOO_LARGE", limit: "maxBodyBytes", max: 2 * 1024 * 1024 };
    refused(await post(gw, bodyOf(3_000_000)), 413, expected);
    refused(await gw.graphql("{ me { id } }", { pad: "x".repeat(2_500_000) }), 413, expected);
    expect(await post(gw, bodyOf(2 * 1024 * 1024))).toEqual({ status: 200, body: { data: { me: { id: "1" } } } });
    expect((await stats(id, "accounts")).operations).toBe(1);
  });

  it("decides from Content-Length without reading the body", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], limits: { maxBodyBytes: 1000 } });
    // The body never ends: only the header can have decided.
    const res = await post(gw, streamOf("{", true), { "content-length": "1001" });
    refused(res, 413, { code: "BODY_TOO_LARGE", max: 1000 });
  });

  it("counts a streamed body without Content-Length while reading: at the limit runs, one byte over is refused", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], limits: { maxBodyBytes: 1000 } });
    expect(await post(gw, streamOf(bodyOf(1000)))).toEqual({ status: 200, body: { data: { me: { id: "1" } } } });
    refused(await post(gw, streamOf(bodyOf(1001))), 413, { code: "BODY_TOO_LARGE", max: 1000 });
    // Over the limit and never ending: refused at the first byte over, not after the whole body.
    refused(await post(gw, streamOf(bodyOf(1001), true)), 413, { code: "BODY_TOO_LARGE", max: 1000 });
  });

  it("counts variables, and may be raised per role", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: ["accounts"],
      auth: hsAuth(),
      limits: { maxBodyBytes: 1000, roles: { uploader: { maxBodyBytes: 5000 } } },
    });
    const query = "query ($v: String!) { echo(value: $v) }";
    const value = "y".repeat(2000);
    refused(await gw.graphql(query, { v: value }, await asRole("user")), 413, { code: "BODY_TOO_LARGE", max: 1000 });
    const res = await gw.graphql(query, { v: value }, await asRole("uploader"));
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body.data?.echo).toBe(value);
  });
});
