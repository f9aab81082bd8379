/**
 * Uploads through the GraphQL multipart request spec (issue 14): bodies built the way apollo-upload-client
 * builds them (extract-files); each file stored in R2 (the FILES binding of the test pool) under the
 * configured keyPrefix with its metadata; the REST service and the remote receive a file reference
 * `{ key, url, size, contentType, filename, sha256 }`, never bytes.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MULTIPART_TYPE, pngBytes, rawMultipart, sha256Hex, uploadForm } from "../fixtures/multipart";
import { uniqueId, upstreamOperations } from "../helpers";
import {
  ATTACH,
  expectReference,
  type FileReference,
  keysUnder,
  ordersGateway,
  prefixOf,
  recordedBodies,
  remoteGateway,
  send,
  succeeded,
  USER_ID,
  userHeaders,
} from "./upload-setup";

const INVOICE_TEXT = "Invoice 2026-001: 3 chairs, 162.00 EUR\n";

describe("uploads to a REST field", () => {
  it("stores the file in R2 and sends the REST service the reference { key, url, size, contentType, filename, sha256 }", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const file = new File([INVOICE_TEXT], "invoice-2026-001.txt", { type: "text/plain" });
    const request = uploadForm(ATTACH, { orderId: "o1", file }, "Attach");
    // What apollo-upload-client sends: operations with null for the file, map numbered from 1.
    expect(request.operations).toEqual({
      operationName: "Attach",
      variables: { orderId: "o1", file: null },
      query: ATTACH,
    });
    expect(request.map).toEqual({ 1: ["variables.file"] });

    const data = succeeded(await send(gw, request, await userHeaders()));
    const bytes = new TextEncoder().encode(INVOICE_TEXT);
    const [received] = await recordedBodies(id);
    expect(received?.path).toBe("/record/orders/o1/invoice");
    expect(Object.keys(received?.body ?? {})).toEqual(["file"]);
    const ref = expectReference(received?.body.file, {
      prefix: prefixOf(id),
      size: bytes.length,
      contentType: "text/plain",
      sha256: await sha256Hex(bytes),
      clientFilename: "invoice-2026-001.txt",
    });
    expect(ref.filename).toBe("invoice-2026-001.txt");
    // The service's answer is the field's value: the same reference came back through the gateway.
    expect(data.attachInvoice).toEqual({ id: "o1", file: ref });
    expect(await keysUnder(`uploads/${id}/`)).toEqual([ref.key]);
  });

  it("stores the bytes with custom metadata (filename, contentType, sha256, size, uploaderId, uploaderRole, uploadedAt)", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const before = Date.now();
    const png = pngBytes(3000);
    const file = new File([png], "scan.png", { type: "image/png" });
    const data = succeeded(await send(gw, uploadForm(ATTACH, { orderId: "o1", file }), await userHeaders()));
    const ref = (data.attachInvoice as { file: FileReference }).file;
    const object = await env.FILES.get(ref.key);
    expect(object).not.toBeNull();
    expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(png);
    expect(object?.size).toBe(3000);
    expect(object?.httpMetadata?.contentType).toBe("image/png");
    const meta = object?.customMetadata ?? {};
    expect(Object.keys(meta).sort()).toEqual(
      ["contentType", "filename", "sha256", "size", "uploadedAt", "uploaderId", "uploaderRole"].sort(),
    );
    expect(meta).toMatchObject({
      filename: "scan.png",
      contentType: "image/png",
      sha256: await sha256Hex(png),
      size: "3000",
      uploaderId: USER_ID,
      uploaderRole: "user",
    });
    const uploadedAt = Date.parse(meta.uploadedAt ?? "");
    expect(uploadedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(uploadedAt).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("never puts the client's filename in the key: a path-like name is only (sanitized) metadata", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const file = new File(["x"], "../../etc/passwd.txt", { type: "text/plain" });
    const data = succeeded(await send(gw, uploadForm(ATTACH, { orderId: "o1", file }), await userHeaders()));
    const ref = (data.attachInvoice as { file: FileReference }).file;
    expect(ref.key.startsWith(prefixOf(id))).toBe(true);
    expect(ref.key).not.toContain("passwd");
    expect(ref.key.split("/")).not.toContain("..");
    expect(ref.filename).not.toContain("/");
    expect(ref.filename).not.toContain("\\");
    expect((await env.FILES.head(ref.key))?.customMetadata?.filename).toBe(ref.filename);
  });

  it("accepts two files in one request (maxFiles 2), each with its own key and reference", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const invoice = new File(["invoice bytes"], "invoice.txt", { type: "text/plain" });
    const receipt = new File([pngBytes(100)], "receipt.png", { type: "image/png" });
    const query = `mutation($invoice: Upload!, $receipt: Upload!) { attachTwo(orderId: "o2", invoice: $invoice, receipt: $receipt) { id invoice receipt } }`;
    const request = uploadForm(query, { invoice, receipt });
    expect(request.map).toEqual({ 1: ["variables.invoice"], 2: ["variables.receipt"] });
    succeeded(await send(gw, request, await userHeaders()));
    const [received] = await recordedBodies(id);
    const a = expectReference(received?.body.invoice, {
      prefix: prefixOf(id),
      size: 13,
      contentType: "text/plain",
      sha256: await sha256Hex("invoice bytes"),
      clientFilename: "invoice.txt",
    });
    const b = expectReference(received?.body.receipt, {
      prefix: prefixOf(id),
      size: 100,
      contentType: "image/png",
      sha256: await sha256Hex(pngBytes(100)),
      clientFilename: "receipt.png",
    });
    expect(a.key).not.toBe(b.key);
    expect((await keysUnder(`uploads/${id}/`)).sort()).toEqual([a.key, b.key].sort());
  });

  it("stores a file the map names at two paths once, and both arguments get its reference", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const file = new File(["same"], "same.txt", { type: "text/plain" });
    const query = `mutation($a: Upload!, $b: Upload!) { attachTwo(orderId: "o3", invoice: $a, receipt: $b) { id } }`;
    const request = uploadForm(query, { a: file, b: file });
    expect(request.map).toEqual({ 1: ["variables.a", "variables.b"] });
    succeeded(await send(gw, request, await userHeaders()));
    const [received] = await recordedBodies(id);
    expect(received?.body.invoice).toEqual(received?.body.receipt);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([(received?.body.invoice as FileReference | undefined)?.key]);
  });

  it("accepts a list of uploads (variables.files.0, variables.files.1)", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const files = [
      new File(["one"], "1.txt", { type: "text/plain" }),
      new File(["two"], "2.txt", { type: "text/plain" }),
    ];
    const request = uploadForm(`mutation($files: [Upload!]!) { attachMany(orderId: "o4", files: $files) { id } }`, {
      files,
    });
    expect(request.map).toEqual({ 1: ["variables.files.0"], 2: ["variables.files.1"] });
    succeeded(await send(gw, request, await userHeaders()));
    const [received] = await recordedBodies(id);
    const refs = received?.body.files as FileReference[];
    expect(refs.map((ref) => [ref.filename, ref.size, ref.sha256])).toEqual([
      ["1.txt", 3, await sha256Hex("one")],
      ["2.txt", 3, await sha256Hex("two")],
    ]);
  });

  it("accepts the spec's own numbering (field 0) and a Blob without a name, not only apollo-upload-client's", async () => {
    const id = uniqueId();
    const gw = ordersGateway(id);
    const request = rawMultipart([
      { name: "operations", value: JSON.stringify({ query: ATTACH, variables: { orderId: "o1", file: null } }) },
      { name: "map", value: JSON.stringify({ 0: ["variables.file"] }) },
      { name: "0", value: "from curl -F", filename: "blob", contentType: "text/plain" },
    ]);
    expect(request.headers["content-type"]).toBe(MULTIPART_TYPE);
    const data = succeeded(await send(gw, request, await userHeaders()));
    expect((data.attachInvoice as { file: FileReference }).file).toMatchObject({ size: 12, contentType: "text/plain" });
  });

  it.each(["x-graphql-csrf", "apollo-require-preflight", "x-graphql-yoga-csrf"])(
    "accepts the CSRF header %s",
    async (header) => {
      const id = uniqueId();
      const gw = ordersGateway(id);
      const { body } = uploadForm(ATTACH, { orderId: "o1", file: new File(["x"], "x.txt", { type: "text/plain" }) });
      succeeded(await send(gw, { body, headers: { [header]: "1" } }, await userHeaders()));
    },
  );
});

describe("uploads to a remote schema (uploads: reference, the default)", () => {
  it("sends the remote's Upload variable the same reference the REST service would get", async () => {
    const id = uniqueId();
    const gw = remoteGateway(id);
    const file = new File([INVOICE_TEXT], "invoice.txt", { type: "text/plain" });
    const query = `mutation($file: Upload!) { attach(file: $file, note: "n") }`;
    const data = succeeded(await send(gw, uploadForm(query, { file }), await userHeaders()));
    const expected = {
      prefix: prefixOf(id),
      size: INVOICE_TEXT.length,
      contentType: "text/plain",
      sha256: await sha256Hex(INVOICE_TEXT),
      clientFilename: "invoice.txt",
    };
    // What the remote's resolver saw as `file` (it answers its JSON) ...
    const ref = expectReference(JSON.parse(String(data.attach)), expected);
    // ... and what the remote received as variables (a JSON object, not bytes, not a multipart body).
    const operations = await upstreamOperations(id, "uploads");
    const variables = operations.at(-1)?.variables ?? {};
    const sent = Object.values(variables).find((value) => typeof value === "object" && value !== null);
    expect(sent).toEqual(ref);
    expect(await keysUnder(`uploads/${id}/`)).toEqual([ref.key]);
  });

  it("explicit uploads: reference behaves as the default", async () => {
    const id = uniqueId();
    const gw = remoteGateway(id, { uploads: "reference" });
    const file = new File(["abc"], "a.txt", { type: "text/plain" });
    const data = succeeded(
      await send(gw, uploadForm(`mutation($f: Upload!) { attach(file: $f) }`, { f: file }), await userHeaders()),
    );
    expect(JSON.parse(String(data.attach))).toMatchObject({ size: 3, sha256: await sha256Hex("abc") });
  });
});
