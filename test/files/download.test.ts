/**
 * GET and HEAD /files/{key} (docs/files.md, "Downloads"): every answer of the route against the real
 * R2 binding of workerd (objects put with env.FILES.put), authorised by rules or signed URLs.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_HEADERS, asRole, hsAuth, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";
import { errorCode, filePath, filesGateway, newUser, putFile, SIGNING_SECRET, sign } from "./setup";

const nowSec = (): number => Math.floor(Date.now() / 1000);

describe("GET /files/{key}", () => {
  it("streams the whole object with its headers to the owner (200)", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}a.txt`, "hello, files", {
      filename: 'Résumé "final"/v2.txt',
      contentType: "text/plain",
    });
    const res = await gw.fetch(filePath(key), { headers: await asRole("user", user.id) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello, files");
    expect(res.headers.get("content-type")).toBe("text/plain");
    expect(res.headers.get("content-length")).toBe("12");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("private");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    // Quote, slash and non-ASCII handled: ASCII fallback and RFC 5987 filename*.
    expect(res.headers.get("content-disposition")).toBe(
      "attachment; filename=\"R_sum_ finalv2.txt\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20finalv2.txt",
    );
  });

  it("answers HEAD with the same headers and no body", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}h.txt`, "0123456789");
    const res = await gw.fetch(filePath(key), { method: "HEAD", headers: await asRole("user", user.id) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("10");
    expect(res.headers.get("etag")).toMatch(/^"/);
    expect(await res.text()).toBe("");
  });

  it("answers a single Range with 206 and Content-Range, suffix ranges too", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}r.txt`, "0123456789");
    const headers = await asRole("user", user.id);
    const mid = await gw.fetch(filePath(key), { headers: { ...headers, range: "bytes=2-5" } });
    expect(mid.status).toBe(206);
    expect(mid.headers.get("content-range")).toBe("bytes 2-5/10");
    expect(mid.headers.get("content-length")).toBe("4");
    expect(await mid.text()).toBe("2345");
    const tail = await gw.fetch(filePath(key), { headers: { ...headers, range: "bytes=-3" } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get("content-range")).toBe("bytes 7-9/10");
    expect(await tail.text()).toBe("789");
    const open = await gw.fetch(filePath(key), { headers: { ...headers, range: "bytes=8-100" } });
    expect(open.status).toBe(206);
    expect(open.headers.get("content-range")).toBe("bytes 8-9/10");
    expect(await open.text()).toBe("89");
  });

  it("sends the whole object for several ranges, and for If-Range naming another version", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}m.txt`, "0123456789");
    const headers = await asRole("user", user.id);
    const multi = await gw.fetch(filePath(key), { headers: { ...headers, range: "bytes=0-1,4-5" } });
    expect(multi.status).toBe(200);
    expect(await multi.text()).toBe("0123456789");
    const stale = await gw.fetch(filePath(key), { headers: { ...headers, range: "bytes=0-1", "if-range": '"old"' } });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe("0123456789");
  });

  it("answers a range past the end with 416 and Content-Range: bytes */size", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}x.txt`, "0123456789");
    const res = await gw.fetch(filePath(key), { headers: { ...(await asRole("user", user.id)), range: "bytes=10-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe("bytes */10");
    expect(await errorCode(res)).toBe("RANGE_NOT_SATISFIABLE");
  });

  it("answers If-None-Match with the current ETag with 304 and no body", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}e.txt`, "etag me");
    const headers = await asRole("user", user.id);
    const first = await gw.fetch(filePath(key), { headers });
    const etag = first.headers.get("etag") as string;
    await first.arrayBuffer();
    const again = await gw.fetch(filePath(key), { headers: { ...headers, "if-none-match": `"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    const changed = await gw.fetch(filePath(key), { headers: { ...headers, "if-none-match": '"other"' } });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe("etag me");
  });

  it("answers 401 UNAUTHENTICATED without a token, a role or a signature", async () => {
    const gw = filesGateway({}, { anonymous: false });
    const { key } = await putFile(`public/${uniqueId("p")}.txt`, "open");
    const res = await gw.fetch(filePath(key));
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe("UNAUTHENTICATED");
  });

  it("answers 403 FILE_ACCESS_DENIED for another user's prefix, 200 for public/ to anonymous callers", async () => {
    const gw = filesGateway();
    const owner = newUser();
    const other = newUser();
    const { key } = await putFile(`${owner.prefix}secret.txt`, "mine");
    const res = await gw.fetch(filePath(key), { headers: await asRole("user", other.id) });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("FILE_ACCESS_DENIED");
    const anonymousRes = await gw.fetch(filePath(key));
    expect(anonymousRes.status).toBe(403);
    expect(await errorCode(anonymousRes)).toBe("FILE_ACCESS_DENIED");
    const pub = await putFile(`public/${uniqueId("p")}.txt`, "open");
    const open = await gw.fetch(filePath(pub.key));
    expect(open.status).toBe(200);
    expect(await open.text()).toBe("open");
  });

  it("lets the admin secret read any key", async () => {
    const gw = filesGateway();
    const { key } = await putFile(`${newUser().prefix}adm.txt`, "admin reads");
    const res = await gw.fetch(filePath(key), { headers: ADMIN_HEADERS });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("admin reads");
  });

  it("answers 404 FILE_NOT_FOUND for a readable key with no object", async () => {
    const gw = filesGateway();
    const user = newUser();
    const res = await gw.fetch(filePath(`${user.prefix}missing.txt`), { headers: await asRole("user", user.id) });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("FILE_NOT_FOUND");
  });

  it("answers 400 INVALID_FILE_KEY for an encoded slash, an encoded backslash, .., an empty segment and .junction/", async () => {
    const gw = filesGateway();
    const user = newUser();
    const headers = await asRole("user", user.id);
    // The URL parser resolves literal and %2e dot segments itself; what reaches the route is checked again.
    for (const path of [
      `/files/uploads/${user.id}%2F..%2Fother/x`,
      `/files/uploads/${user.id}/..%2fx`,
      `/files/uploads/${user.id}/%2E%2E%5Cx`,
      `/files/uploads/${user.id}//x`,
      `/files/uploads/${user.id}/x/`,
      "/files/",
      // The upload path's own objects (SHA-256 of large files) are never served.
      `/files/.junction/meta/uploads/${user.id}/x`,
    ]) {
      const res = await gw.fetch(path, { headers });
      expect(res.status, path).toBe(400);
      expect(await errorCode(res), path).toBe("INVALID_FILE_KEY");
    }
  });

  it("answers 404 NOT_FOUND for /files/* when `files` is not configured", async () => {
    const gw = testGateway(uniqueId("nofiles"), { auth: hsAuth() });
    const res = await gw.fetch("/files/public/a.txt", { headers: ADMIN_HEADERS });
    expect(res.status).toBe(404);
    expect(await errorCode(res)).toBe("NOT_FOUND");
  });
});

describe("signed download URLs", () => {
  it("download without a session while valid", async () => {
    const gw = filesGateway({}, { anonymous: false });
    const { key } = await putFile(`${newUser().prefix}s.txt`, "signed bytes");
    const exp = nowSec() + 60;
    const res = await gw.fetch(`${filePath(key)}?exp=${exp}&sig=${await sign(key, exp)}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("signed bytes");
  });

  it("answer 403 INVALID_SIGNATURE for a forged signature, another key's, or another secret's", async () => {
    const gw = filesGateway();
    const user = newUser();
    const { key } = await putFile(`${user.prefix}f.txt`, "x");
    const exp = nowSec() + 60;
    const good = await sign(key, exp);
    const flipped = `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`;
    for (const query of [
      `exp=${exp}&sig=${flipped}`,
      `exp=${exp}&sig=${await sign(`${user.prefix}other.txt`, exp)}`,
      `exp=${exp}&sig=${await sign(key, exp, "another-secret-0123456789")}`,
      `exp=${exp + 1}&sig=${good}`,
      `exp=${exp}&sig=not-hex`,
      `sig=${good}`,
    ]) {
      // The owner's own token does not rescue a bad signature.
      const res = await gw.fetch(`${filePath(key)}?${query}`, { headers: await asRole("user", user.id) });
      expect(res.status, query).toBe(403);
      expect(await errorCode(res), query).toBe("INVALID_SIGNATURE");
    }
  });

  it("answer 403 INVALID_SIGNATURE saying expired once exp has passed", async () => {
    const gw = filesGateway();
    const { key } = await putFile(`${newUser().prefix}old.txt`, "x");
    const exp = nowSec() - 1;
    const res = await gw.fetch(`${filePath(key)}?exp=${exp}&sig=${await sign(key, exp)}`);
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INVALID_SIGNATURE");
    expect(body.error.message).toMatch(/expired/);
  });

  it("serve ranges and keep the key's encoding (spaces, unicode)", async () => {
    const gw = filesGateway({}, { anonymous: false });
    const { key } = await putFile(`${newUser().prefix}a b/ü.txt`, "0123456789");
    const exp = nowSec() + 60;
    const res = await gw.fetch(`${filePath(key)}?exp=${exp}&sig=${await sign(key, exp)}`, {
      headers: { range: "bytes=0-0" },
    });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe("0");
  });

  it("are refused while FILES_SIGNING_SECRET is not set", async () => {
    const gw = filesGateway({}, { secret: "" });
    const { key } = await putFile(`public/${uniqueId("p")}.txt`, "x");
    const exp = nowSec() + 60;
    const res = await gw.fetch(`${filePath(key)}?exp=${exp}&sig=${await sign(key, exp, SIGNING_SECRET)}`);
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe("INVALID_SIGNATURE");
  });
});
