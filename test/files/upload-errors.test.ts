/**
 * Bad uploads, each with its exact status and code (issue 14 "Bad input"), and "nothing lost": after a
 * refused request, a failing field or a validation error, R2 holds no object of it under the test's
 * prefix (`env.FILES.list()`), and the REST service was not called when the request was refused.
 */
import { describe, expect, it } from "vitest";
import { asRole, hsAuth, testGateway } from "../fixtures/gateways";
import { lazyMultipart, MALFORMED, operationsOf, pngBytes, rawMultipart, uploadForm } from "../fixtures/multipart";
import { uniqueId } from "../helpers";
import {
  ATTACH,
  expectNoOpenMultipartUpload,
  type FileReference,
  keysUnder,
  ORDERS,
  ORDERS_SDL,
  ordersGateway,
  recordedBodies,
  refusedWith,
  send,
  succeeded,
  userHeaders,
} from "./upload-setup";

const MiB = 1024 * 1024;
/** A mutation with one `$file: Upload!` variable (the malformed bodies send `{ file: null }`). */
const SINGLE = `mutation($file: Upload!) { attachInvoice(orderId: "o1", file: $file) { id } }`;
const text = (name: string, body = "hello") => new File([body], name, { type: "text/plain" });

describe("malformed multipart requests: 400 INVALID_MULTIPART", () => {
  it.each([
    ["files before map", MALFORMED.filesBeforeMap],
    ["map that is not JSON", MALFORMED.mapNotJson],
    ["no map", MALFORMED.missingMap],
    ["a map path naming no variable", MALFORMED.mapNamingNoVariable],
    ["a file field the map does not name", MALFORMED.unmappedFile],
    ["an Upload variable that gets no file", MALFORMED.uploadVariableWithoutFile],
  ])("%s", async (_name, build) => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    refusedWith(await send(gw, build(SINGLE), await userHeaders()), 400, "INVALID_MULTIPART");
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });

  it("a file the map names that never comes", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const request = rawMultipart([
      { name: "operations", value: operationsOf(SINGLE) },
      { name: "map", value: JSON.stringify({ 1: ["variables.file"] }) },
    ]);
    refusedWith(await send(gw, request, await userHeaders()), 400, "INVALID_MULTIPART");
    expect(await recordedBodies(id)).toEqual([]);
  });

  it("operations that are not JSON", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const request = rawMultipart([
      { name: "operations", value: "{ query: mutation" },
      { name: "map", value: JSON.stringify({ 1: ["variables.file"] }) },
      { name: "1", value: "x", filename: "x.txt", contentType: "text/plain" },
    ]);
    refusedWith(await send(gw, request, await userHeaders()), 400, "INVALID_MULTIPART");
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
  });
});

describe("limits", () => {
  it("413 TOO_MANY_FILES over maxFiles (2), nothing stored, the service not called", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const files = [text("1.txt"), text("2.txt"), text("3.txt")];
    const request = uploadForm(`mutation($files: [Upload!]!) { attachMany(orderId: "o1", files: $files) { id } }`, {
      files,
    });
    refusedWith(await send(gw, request, await userHeaders()), 413, "TOO_MANY_FILES");
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });

  it("a file of exactly maxFileBytes passes (the limit is inclusive)", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { maxFileBytes: 4096, maxFiles: 1 });
    const file = new File([new Uint8Array(4096)], "z.bin", { type: "application/octet-stream" });
    const data = succeeded(await send(gw, uploadForm(ATTACH, { orderId: "o1", file }), await userHeaders()));
    expect((data.attachInvoice as { file: FileReference }).file.size).toBe(4096);
  });

  it("413 FILE_TOO_LARGE one byte over maxFileBytes, nothing stored", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { maxFileBytes: 4096, maxFiles: 1 });
    const file = new File([new Uint8Array(4097)], "z.bin", { type: "application/octet-stream" });
    refusedWith(
      await send(gw, uploadForm(ATTACH, { orderId: "o1", file }), await userHeaders()),
      413,
      "FILE_TOO_LARGE",
    );
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });

  it("413 FILE_TOO_LARGE from Content-Length alone (over maxFiles x maxFileBytes + operations): the body is not read", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    // maxFiles 2 x maxFileBytes 1 MiB: a declared 8 MiB body cannot fit.
    const lazy = lazyMultipart({ operations: operationsOf(ATTACH, { orderId: "o1", file: null }), size: 8 * MiB });
    const answer = await send(
      gw,
      {
        body: lazy.body,
        headers: { ...lazy.headers, "content-length": String(lazy.progress.totalBytes) },
      },
      await userHeaders(),
    );
    refusedWith(answer, 413, "FILE_TOO_LARGE");
    // Decided before the file: at most the first block (operations and map) was read.
    expect(lazy.progress.bytesPulled).toBeLessThan(128 * 1024);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
  });

  it("413 FILE_TOO_LARGE past a part already sent to R2: no object, no open multipart upload", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { maxFileBytes: 6 * MiB, maxFiles: 1 });
    const lazy = lazyMultipart({ operations: operationsOf(ATTACH, { orderId: "o1", file: null }), size: 9 * MiB });
    refusedWith(await send(gw, { body: lazy.body, headers: lazy.headers }, await userHeaders()), 413, "FILE_TOO_LARGE");
    expect(lazy.progress.bytesPulled).toBeLessThan(lazy.progress.totalBytes);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await keysUnder(`.junction/meta/uploads/${id}/`)).toEqual([]);
    await expectNoOpenMultipartUpload(`uploads/${id}/`);
  });

  it("413 FILE_TOO_LARGE while counting a file's bytes (no Content-Length): stops reading long before the end", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const lazy = lazyMultipart({ operations: operationsOf(ATTACH, { orderId: "o1", file: null }), size: 16 * MiB });
    const answer = await send(gw, { body: lazy.body, headers: lazy.headers }, await userHeaders());
    refusedWith(answer, 413, "FILE_TOO_LARGE");
    // maxFileBytes is 1 MiB: the gateway may read ahead by a part (5 MiB) at most, never the whole 16 MiB.
    expect(lazy.progress.bytesPulled).toBeLessThan(1 * MiB + 5 * MiB + 256 * 1024);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });
});

describe("content types: 415 CONTENT_TYPE_NOT_ALLOWED", () => {
  it("a type outside allowedContentTypes", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const file = new File([new Uint8Array([0x50, 0x4b, 3, 4, 0, 0])], "a.zip", { type: "application/zip" });
    refusedWith(
      await send(gw, uploadForm(ATTACH, { orderId: "o1", file }), await userHeaders()),
      415,
      "CONTENT_TYPE_NOT_ALLOWED",
    );
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });

  it('an "image/png" whose bytes are not a PNG (signature check); a real PNG under the same name passes', async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const fake = new File(["<?php echo 'not an image'; ?>"], "cat.png", { type: "image/png" });
    refusedWith(
      await send(gw, uploadForm(ATTACH, { orderId: "o1", file: fake }), await userHeaders()),
      415,
      "CONTENT_TYPE_NOT_ALLOWED",
    );
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    const real = new File([pngBytes(200)], "cat.png", { type: "image/png" });
    succeeded(await send(gw, uploadForm(ATTACH, { orderId: "o1", file: real }), await userHeaders()));
    expect(await keysUnder(`uploads/${id}/`)).toHaveLength(1);
  });

  it('"image/*" in allowedContentTypes admits image/png but not application/pdf when only images are allowed', async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { allowedContentTypes: ["image/*"] });
    const pdf = new File(["%PDF-1.7\n%\u00e2\u00e3\n"], "a.pdf", { type: "application/pdf" });
    refusedWith(
      await send(gw, uploadForm(ATTACH, { orderId: "o1", file: pdf }), await userHeaders()),
      415,
      "CONTENT_TYPE_NOT_ALLOWED",
    );
    const png = new File([pngBytes(50)], "a.png", { type: "image/png" });
    succeeded(await send(gw, uploadForm(ATTACH, { orderId: "o1", file: png }), await userHeaders()));
  });
});

describe("who uploads, and what may pose as a file", () => {
  it("400 MISSING_SESSION_VARIABLE when keyPrefix needs a session variable the uploader lacks; nothing stored", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const answer = await send(gw, uploadForm(SINGLE, { file: text("a.txt") }), await asRole("user"));
    refusedWith(answer, 400, "MISSING_SESSION_VARIABLE");
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });

  it("a JSON request whose Upload variable is an object posing as a reference is refused; the service is not called", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const forged = {
      key: `uploads/${id}/u2/someone-elses-file`,
      url: "https://evil.example/x",
      size: 1,
      contentType: "text/plain",
      filename: "x.txt",
      sha256: "0".repeat(64),
    };
    const res = await gw.graphql(SINGLE, { file: forged }, await userHeaders());
    expect(res.body.errors?.length, JSON.stringify(res.body)).toBeGreaterThan(0);
    expect(res.body.data?.attachInvoice ?? null).toBeNull();
    expect(await recordedBodies(id)).toEqual([]);
  });

  it("an Upload literal in the document is refused; the service is not called", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const res = await gw.graphql(
      `mutation { attachInvoice(orderId: "o1", file: "uploads/${id}/u2/x") { id } }`,
      undefined,
      await userHeaders(),
    );
    expect(res.body.errors?.length, JSON.stringify(res.body)).toBeGreaterThan(0);
    expect(await recordedBodies(id)).toEqual([]);
  });
});

describe("config", () => {
  it("a gateway without `files` refuses multipart requests as before (400 BAD_REQUEST)", async () => {
    const id = uniqueId();
    // Without `files` the gateway provides no Upload scalar: the SDL declares one itself.
    const gw = testGateway(
      id,
      { auth: hsAuth(), services: [ORDERS] },
      { files: { "schemas/orders.graphql": `scalar Upload\n${ORDERS_SDL}` } },
    );
    refusedWith(await send(gw, uploadForm(SINGLE, { file: text("a.txt") }), await userHeaders()), 400, "BAD_REQUEST");
    expect(await recordedBodies(id)).toEqual([]);
  });

  it('allowedContentTypes ["*/*"] written out (the default) is a valid config', async () => {
    const id = uniqueId();
    const gw = ordersGateway(id, { allowedContentTypes: ["*/*"] });
    const file = new File([new Uint8Array([1, 2, 3])], "a.bin", { type: "application/x-anything" });
    succeeded(await send(gw, uploadForm(SINGLE, { file }), await userHeaders()));
  });
});

describe("CSRF", () => {
  it("403 CSRF_HEADER_REQUIRED for a multipart request without a CSRF header; nothing stored", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const { body } = uploadForm(ATTACH, { orderId: "o1", file: text("a.txt") });
    refusedWith(await send(gw, { body, headers: {} }, await userHeaders()), 403, "CSRF_HEADER_REQUIRED");
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });
});

describe("nothing lost", () => {
  it("the REST endpoint answering 500: the field errors and its object is deleted", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const query = `mutation($file: Upload!) { attachInvoiceFailing(orderId: "o1", file: $file) { id } }`;
    const answer = await send(gw, uploadForm(query, { file: text("a.txt") }), await userHeaders());
    expect(answer.body.errors?.length, answer.text).toBeGreaterThan(0);
    expect(answer.body.data?.attachInvoiceFailing ?? null).toBeNull();
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
  });

  it("one field failing, another succeeding: only the failing field's object is deleted", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const query = `mutation($a: Upload!, $b: Upload!) {
      good: attachInvoice(orderId: "o1", file: $a) { id file }
      bad: attachInvoiceFailing(orderId: "o1", file: $b) { id }
    }`;
    const answer = await send(
      gw,
      uploadForm(query, { a: text("a.txt", "kept"), b: text("b.txt", "dropped") }),
      await userHeaders(),
    );
    expect(answer.body.errors?.[0]?.path, answer.text).toEqual(["bad"]);
    const kept = (answer.body.data?.good as { file: FileReference } | undefined)?.file;
    expect(await keysUnder(`uploads/${id}/`)).toEqual([kept?.key]);
  });

  it("a GraphQL validation error (unknown field) after the files arrived leaves no object", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const query = `mutation($file: Upload!) { attachInvoice(orderId: "o1", file: $file) { id nope } }`;
    const answer = await send(gw, uploadForm(query, { file: text("a.txt") }), await userHeaders());
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.errors?.length).toBeGreaterThan(0);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([]);
    expect(await recordedBodies(id)).toEqual([]);
  });
});
