/**
 * `uploads: "forward"` (issue 14, docs/files.md "Remotes"): a remote that takes uploads itself (a real
 * graphql-yoga server, test/fixtures/yoga-uploads.ts) gets a GraphQL multipart request again, each file
 * streamed from R2; Yoga parses it and the resolver sees a File with the name, type, size and bytes the
 * client sent. The same remote with the default (`reference`) gets the reference object instead.
 */
import { describe, expect, it } from "vitest";
import { hsAuth, testGateway } from "../fixtures/gateways";
import { lazyMultipart, operationsOf, patternSha256, sha256Hex, uploadForm } from "../fixtures/multipart";
import { type TestGateway, uniqueId, upstreamBase } from "../helpers";
import {
  expectReference,
  filesConfig,
  keysUnder,
  prefixOf,
  SIGNING_SECRET,
  send,
  succeeded,
  userHeaders,
} from "./upload-setup";

const MiB = 1024 * 1024;
const DESCRIBE =
  'mutation($file: Upload!) { describe(file: $file, note: "n") { kind name type size sha256 json note } }';

/** A gateway with the yoga remote, `uploads` as given (none: the default). */
function yogaGateway(id: string, uploads?: string): TestGateway {
  return testGateway(
    id,
    {
      auth: hsAuth(),
      remotes: [{ name: "yoga", url: `${upstreamBase()}/yoga/graphql`, ...(uploads ? { uploads } : {}) }],
      files: filesConfig(id, { maxFileBytes: 64 * MiB }),
    },
    { env: { FILES_SIGNING_SECRET: SIGNING_SECRET } },
  );
}

describe('uploads: "forward" to a graphql-yoga remote', () => {
  it("the remote's resolver gets a File with the client's name, type, size and bytes", async () => {
    const id = uniqueId();
    const gw = yogaGateway(id, "forward");
    const file = new File(["forwarded invoice\n"], "invoice.txt", { type: "text/plain" });
    const data = succeeded(await send(gw, uploadForm(DESCRIBE, { file }), await userHeaders()));
    expect(data.describe).toEqual({
      kind: "file",
      name: "invoice.txt",
      type: "text/plain",
      size: 18,
      sha256: await sha256Hex("forwarded invoice\n"),
      json: null,
      note: "n",
    });
    // Stored in R2 as any upload is.
    expect(await keysUnder(`uploads/${id}/`)).toHaveLength(1);
  });

  it("a 12 MiB file (three R2 parts) arrives whole, streamed from R2", async () => {
    const id = uniqueId();
    const gw = yogaGateway(id, "forward");
    const size = 12 * MiB;
    const lazy = lazyMultipart({ operations: operationsOf(DESCRIBE), size, filename: "big.bin" });
    const data = succeeded(await send(gw, { body: lazy.body, headers: lazy.headers }, await userHeaders()));
    expect(data.describe).toMatchObject({ kind: "file", name: "big.bin", size, sha256: await patternSha256(size) });
  });

  it("a list of two files arrives as two Files, in order", async () => {
    const id = uniqueId();
    const gw = yogaGateway(id, "forward");
    const files = [
      new File(["one"], "1.txt", { type: "text/plain" }),
      new File(["second"], "2.txt", { type: "text/plain" }),
    ];
    const query = "mutation($files: [Upload!]!) { describeMany(files: $files) { kind name size } }";
    const data = succeeded(await send(gw, uploadForm(query, { files }), await userHeaders()));
    expect(data.describeMany).toEqual([
      { kind: "file", name: "1.txt", size: 3 },
      { kind: "file", name: "2.txt", size: 6 },
    ]);
  });

  it("the same remote without `uploads` (reference, the default) gets the reference as JSON", async () => {
    const id = uniqueId();
    const gw = yogaGateway(id);
    const file = new File(["ref"], "reference-me.txt", { type: "text/plain" });
    const data = succeeded(await send(gw, uploadForm(DESCRIBE, { file }), await userHeaders()));
    const described = data.describe as { kind: string; json: string };
    expect(described.kind).toBe("json");
    expectReference(JSON.parse(described.json), {
      prefix: prefixOf(id),
      size: 3,
      contentType: "text/plain",
      sha256: await sha256Hex("ref"),
      clientFilename: "reference-me.txt",
    });
  });
});
