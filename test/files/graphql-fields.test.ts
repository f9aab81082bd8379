/**
 * The built-in fields of `files.graphql` (docs/files.md, "Built-in fields"): file, files, deleteFile,
 * uploadFile and File.url against the real R2 binding, each checked against `files.rules`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, asRole } from "../fixtures/gateways";
import { type GraphQLBody, type TestGateway, uniqueId } from "../helpers";
import { filesGateway, newUser, putFile, sign } from "./setup";

const FILE_FIELDS = "key size contentType filename sha256 uploadedAt";

/** The `extensions.code` of each error of a GraphQL answer. */
const codes = (body: GraphQLBody): unknown[] => (body.errors ?? []).map((error) => error.extensions?.code);

describe("built-in file fields", () => {
  it("file(key) gives the owner the stored metadata, null for a missing key", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}doc.pdf`, "%PDF-1.7 bytes", {
      filename: "doc.pdf",
      contentType: "application/pdf",
    });
    const headers = await asRole("user", user.id);
    const res = await gw.graphql(
      `query ($k: String!, $m: String!) { file(key: $k) { ${FILE_FIELDS} } missing: file(key: $m) { key } }`,
      { k: key, m: `${user.prefix}nope` },
      headers,
    );
    expect(res.body.errors).toBeUndefined();
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("%PDF-1.7 bytes")));
    expect(res.body.data).toEqual({
      file: {
        key,
        size: 14,
        contentType: "application/pdf",
        filename: "doc.pdf",
        sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
        uploadedAt: "2026-01-02T03:04:05.000Z",
      },
      missing: null,
    });
  });

  it("file(key) refuses another user's key (existing or not) and a key with ..", async () => {
    const gw = filesGateway();
    const owner = newUser();
    const { key } = await putFile(`${owner.prefix}x.txt`, "x");
    const headers = await asRole("user", newUser().id);
    const other = await gw.graphql("query ($k: String!) { file(key: $k) { key } }", { k: key }, headers);
    expect(other.body.data?.file).toBeNull();
    expect(codes(other.body)).toEqual(["FILE_ACCESS_DENIED"]);
    const absent = await gw.graphql(
      "query ($k: String!) { file(key: $k) { key } }",
      { k: `${owner.prefix}none` },
      headers,
    );
    expect(codes(absent.body)).toEqual(["FILE_ACCESS_DENIED"]);
    const dots = await gw.graphql(
      "query ($k: String!) { file(key: $k) { key } }",
      { k: `${owner.prefix}../y` },
      headers,
    );
    expect(codes(dots.body)).toEqual(["INVALID_FILE_KEY"]);
  });

  it("File.url is an absolute signed URL that downloads without a session, until it expires", async () => {
    const gw = filesGateway({}, { anonymous: false });
    const user = newUser();
    const { key } = await putFile(`${user.prefix}u v.txt`, "via url");
    const before = Math.floor(Date.now() / 1000);
    const res = await gw.graphql(
      "query ($k: String!) { file(key: $k) { url short: url(expiresInSec: 30) } }",
      { k: key },
      await asRole("user", user.id),
    );
    expect(res.body.errors).toBeUndefined();
    const file = res.body.data?.file as { url: string; short: string };
    const url = new URL(file.url);
    expect(url.origin).toBe("http://gateway.test");
    expect(url.pathname).toBe(`/files/${user.prefix}u%20v.txt`);
    const exp = Number(url.searchParams.get("exp"));
    expect(exp - before).toBeGreaterThanOrEqual(3600); // files.signedUrlTtlSec default
    expect(exp - before).toBeLessThanOrEqual(3602);
    expect(url.searchParams.get("sig")).toBe(await sign(key, exp));
    expect(Number(new URL(file.short).searchParams.get("exp")) - before).toBeLessThanOrEqual(32);
    const download = await gw.fetch(`${url.pathname}${url.search}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe("via url");
  });

  it("File.url refuses an expiresInSec out of 1..604800", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}t.txt`, "t");
    const res = await gw.graphql(
      "query ($k: String!) { file(key: $k) { url(expiresInSec: 0) } }",
      { k: key },
      await asRole("user", user.id),
    );
    expect(codes(res.body)).toEqual(["INVALID_ARGUMENT"]);
  });

  it("files pages through the caller's own prefix by default", async () => {
    const gw = filesGateway();
    const user = newUser();
    for (const name of ["a", "b", "c"]) await putFile(`${user.prefix}${name}.txt`, name);
    await putFile(`${newUser().prefix}other.txt`, "not mine");
    const headers = await asRole("user", user.id);
    const query = `query ($after: String) { files(first: 2, after: $after) { nodes { key filename contentType } pageInfo { endCursor hasNextPage } } }`;
    const first = await gw.graphql(query, {}, headers);
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data?.files as {
      nodes: { key: string; filename?: string; contentType?: string }[];
      pageInfo: { endCursor: string; hasNextPage: boolean };
    };
    expect(page1.nodes.map((n) => n.key)).toEqual([`${user.prefix}a.txt`, `${user.prefix}b.txt`]);
    // The listing includes the custom and HTTP metadata (R2 list `include`).
    expect(page1.nodes[0]).toEqual({ key: `${user.prefix}a.txt`, filename: "report.txt", contentType: "text/plain" });
    expect(page1.pageInfo.hasNextPage).toBe(true);
    expect(page1.pageInfo.endCursor).toEqual(expect.any(String));
    const second = await gw.graphql(query, { after: page1.pageInfo.endCursor }, headers);
    const page2 = second.body.data?.files as typeof page1;
    expect(page2.nodes.map((n) => n.key)).toEqual([`${user.prefix}c.txt`]);
    expect(page2.pageInfo).toEqual({ endCursor: null, hasNextPage: false });
  });

  it("files refuses a prefix the caller may not read wholly", async () => {
    const gw = filesGateway();
    const user = newUser();
    const other = newUser();
    const asUser = await asRole("user", user.id);
    const list = "query ($p: String) { files(prefix: $p) { nodes { key } } }";
    expect(codes((await gw.graphql(list, { p: other.prefix }, asUser)).body)).toEqual(["FILE_ACCESS_DENIED"]);
    expect(codes((await gw.graphql(list, { p: "uploads/" }, asUser)).body)).toEqual(["FILE_ACCESS_DENIED"]);
    // auditor reads uploads/ except uploads/hidden/ (an earlier rule): listing uploads/ would show hidden keys.
    const auditor = await asRole("auditor", "a1");
    expect(codes((await gw.graphql(list, { p: "uploads/" }, auditor)).body)).toEqual(["FILE_ACCESS_DENIED"]);
    expect(codes((await gw.graphql(list, { p: "uploads/hidden/" }, auditor)).body)).toEqual(["FILE_ACCESS_DENIED"]);
    await putFile(`${other.prefix}seen.txt`, "s");
    const seen = await gw.graphql(list, { p: other.prefix }, auditor);
    expect(seen.body.data?.files).toEqual({ nodes: [{ key: `${other.prefix}seen.txt` }] });
  });

  it("File.sha256 of a file stored by multipart upload comes from its .junction/meta record", async () => {
    const gw = filesGateway();
    const user = newUser();
    const key = `${user.prefix}large.bin`;
    await env.FILES.put(key, "large", { customMetadata: { filename: "large.bin", uploaderId: user.id } });
    await env.FILES.put(`.junction/meta/${key}`, JSON.stringify({ sha256: "cd".repeat(32), size: 5 }));
    const res = await gw.graphql(
      "query ($k: String!) { file(key: $k) { sha256 size } files { nodes { key sha256 } } }",
      { k: key },
      await asRole("user", user.id),
    );
    expect(res.body).toEqual({
      data: { file: { sha256: "cd".repeat(32), size: 5 }, files: { nodes: [{ key, sha256: "cd".repeat(32) }] } },
    });
  });

  it("files never lists the gateway's own .junction/ objects, even to the admin", async () => {
    const gw = filesGateway();
    const user = newUser();
    await putFile(`${user.prefix}big.bin`, "b");
    await env.FILES.put(`.junction/meta/${user.prefix}big.bin`, JSON.stringify({ sha256: "ab".repeat(32), size: 1 }));
    const res = await gw.graphql("{ files(first: 1000) { nodes { key } } }", {}, ADMIN_HEADERS);
    const files = res.body.data?.files as { nodes: { key: string }[] } | undefined;
    const keys = (files?.nodes ?? []).map((n) => n.key);
    expect(keys).toContain(`${user.prefix}big.bin`);
    expect(keys.filter((key) => key.startsWith(".junction/"))).toEqual([]);
  });

  it("files refuses first out of 1..1000", async () => {
    const gw = filesGateway();
    const res = await gw.graphql("{ files(first: 0) { nodes { key } } }", {}, await asRole("user", newUser().id));
    expect(codes(res.body)).toEqual(["INVALID_ARGUMENT"]);
  });

  it("deleteFile deletes the owner's object (true), then finds none (false); refuses others' keys", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}del.txt`, "bye");
    const del = "mutation ($k: String!) { deleteFile(key: $k) }";
    const headers = await asRole("user", user.id);
    expect((await gw.graphql(del, { k: key }, headers)).body).toEqual({ data: { deleteFile: true } });
    expect(await env.FILES.head(key)).toBeNull();
    expect((await gw.graphql(del, { k: key }, headers)).body).toEqual({ data: { deleteFile: false } });
    const kept = await putFile(`${newUser().prefix}keep.txt`, "stay");
    const refused = await gw.graphql(del, { k: kept.key }, headers);
    expect(codes(refused.body)).toEqual(["FILE_ACCESS_DENIED"]);
    expect(await env.FILES.head(kept.key)).not.toBeNull();
    // public/ is readable by users, not deletable.
    const pub = await putFile(`public/${uniqueId("p")}.txt`, "p");
    expect(codes((await gw.graphql(del, { k: pub.key }, headers)).body)).toEqual(["FILE_ACCESS_DENIED"]);
    expect((await gw.graphql(del, { k: pub.key }, ADMIN_HEADERS)).body).toEqual({ data: { deleteFile: true } });
  });
});

/**
 * POSTs `query` as a GraphQL multipart request (jaydenseric/graphql-multipart-request-spec, as
 * apollo-upload-client sends it): `operations` with null where the file goes, `map`, then the file `0`.
 */
async function multipart(
  gw: TestGateway,
  query: string,
  variables: Record<string, unknown>,
  file: { path: string; bytes: string; name: string; type: string },
  headers: Record<string, string>,
): Promise<{ status: number; body: GraphQLBody }> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query, variables }));
  form.append("map", JSON.stringify({ 0: [`variables.${file.path}`] }));
  form.append("0", new Blob([file.bytes], { type: file.type }), file.name);
  const res = await gw.fetch("/graphql", {
    method: "POST",
    body: form,
    headers: { "x-graphql-yoga-csrf": "1", accept: "application/graphql-response+json", ...headers },
  });
  return { status: res.status, body: (await res.json()) as GraphQLBody };
}

describe("uploadFile", () => {
  const upload = "mutation ($f: Upload!, $p: String) { uploadFile(file: $f, prefix: $p) { key filename size sha256 } }";
  const text = { path: "f", bytes: "uploaded", name: "up.txt", type: "text/plain" };
  const textSha = async (): Promise<string> =>
    [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("uploaded")))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");

  it("gives the stored upload back as a File under the caller's keyPrefix", async () => {
    const gw = filesGateway();
    const user = newUser();
    const res = await multipart(gw, upload, { f: null }, text, await asRole("user", user.id));
    expect(res.body.errors).toBeUndefined();
    const file = res.body.data?.uploadFile as { key: string };
    expect(file).toEqual({
      key: expect.stringMatching(new RegExp(`^${user.prefix}[0-9a-f-]{36}$`)),
      filename: "up.txt",
      size: 8,
      sha256: await textSha(),
    });
    expect(await (await env.FILES.get(file.key))?.text()).toBe("uploaded");
  });

  it("moves the upload to <prefix>/<uuid> when the rules allow writing there", async () => {
    const gw = filesGateway();
    const user = newUser();
    const headers = await asRole("user", user.id);
    const res = await multipart(gw, upload, { f: null, p: `${user.prefix}docs` }, text, headers);
    expect(res.body.errors).toBeUndefined();
    const file = res.body.data?.uploadFile as { key: string; filename: string; size: number; sha256: string };
    expect(file.key).toMatch(new RegExp(`^${user.prefix}docs/[0-9a-f-]{36}$`));
    expect(file).toMatchObject({ filename: "up.txt", size: 8, sha256: await textSha() });
    expect(await (await env.FILES.get(file.key))?.text()).toBe("uploaded");
    const left = await env.FILES.list({ prefix: user.prefix });
    expect(left.objects.map((o) => o.key)).toEqual([file.key]);
  });

  it("refuses a prefix the caller may not write, and keeps nothing of the upload", async () => {
    const gw = filesGateway();
    const user = newUser();
    const res = await multipart(gw, upload, { f: null, p: "public" }, text, await asRole("user", user.id));
    expect(codes(res.body)).toEqual(["FILE_ACCESS_DENIED"]);
    expect((await env.FILES.list({ prefix: user.prefix })).objects).toEqual([]);
    expect(
      (await env.FILES.list({ prefix: "public/" })).objects.filter((o) => o.customMetadata?.uploaderId === user.id),
    ).toEqual([]);
  });

  it("refuses a reference sent as plain JSON (another user's key)", async () => {
    const gw = filesGateway();
    const other = newUser();
    const theirs = await putFile(`${other.prefix}${uniqueId("up")}`, "theirs", { uploaderId: other.id });
    const user = newUser();
    const res = await gw.graphql(
      upload,
      { f: { key: theirs.key }, p: `${user.prefix}loot` },
      await asRole("user", user.id),
    );
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.length).toBeGreaterThan(0);
    expect((await env.FILES.list({ prefix: user.prefix })).objects).toEqual([]);
    expect(await env.FILES.head(theirs.key)).not.toBeNull();
  });
});
