/**
 * files.rules (src/files/rules.ts) per role and session prefix, and the signed URL primitives
 * (src/files/signing.ts) against an HMAC computed independently (setup.ts `sign`).
 */
import { describe, expect, it } from "vitest";
import { FilesSchema } from "../../src/config";
import { checkFileKey, fileAccess, prefixReadable, signedUrl, verifyDownload } from "../../src/files";
import type { Session } from "../../src/shared";
import { FILES_CONFIG, SIGNING_SECRET, sign } from "./setup";

const config = FilesSchema.parse(FILES_CONFIG);

const jwt = (role: string, variables: Record<string, string> = {}): Session => ({
  source: "jwt",
  role,
  variables: { "x-hasura-role": role, ...variables },
});
const user = (id: string): Session => jwt("user", { "x-hasura-user-id": id });

describe("fileAccess", () => {
  it("lets a user read, write and delete under their own rendered prefix only", () => {
    for (const action of ["read", "write", "delete"] as const) {
      expect(fileAccess(config, user("u1"), "uploads/u1/a.txt", action), action).toBe(true);
      expect(fileAccess(config, user("u2"), "uploads/u1/a.txt", action), action).toBe(false);
    }
    // uploads/u1/ does not start uploads/u10/...
    expect(fileAccess(config, user("u1"), "uploads/u10/a.txt", "read")).toBe(false);
  });

  it("follows the first matching rule of the role: public/ is read-only for users and anonymous callers", () => {
    expect(fileAccess(config, user("u1"), "public/a.txt", "read")).toBe(true);
    expect(fileAccess(config, user("u1"), "public/a.txt", "write")).toBe(false);
    const anonymous: Session = { source: "unauthenticated", role: "anonymous", variables: {} };
    expect(fileAccess(config, anonymous, "public/a.txt", "read")).toBe(true);
    expect(fileAccess(config, anonymous, "uploads/u1/a.txt", "read")).toBe(false);
    const auditor = jwt("auditor");
    expect(fileAccess(config, auditor, "uploads/u1/a.txt", "read")).toBe(true);
    expect(fileAccess(config, auditor, "uploads/hidden/a.txt", "read")).toBe(false);
  });

  it("refuses everything without a rule, without a role, and when the session lacks the prefix's variable", () => {
    expect(fileAccess(config, jwt("guest"), "public/a.txt", "read")).toBe(false);
    expect(fileAccess(config, { source: "none", role: null, variables: {} }, "public/a.txt", "read")).toBe(false);
    expect(fileAccess(config, jwt("user"), "uploads/undefined/a.txt", "read")).toBe(false);
    expect(fileAccess(config, jwt("user"), "uploads//a.txt", "read")).toBe(false);
  });

  it("never lets a session variable widen a prefix (a slash, . or .. in the user id)", () => {
    expect(fileAccess(config, user("u1/.."), "uploads/u1/../x", "read")).toBe(false);
    expect(fileAccess(config, user(".."), "uploads/../x", "read")).toBe(false);
    expect(fileAccess(config, user(""), "uploads//x", "read")).toBe(false);
    expect(fileAccess(config, user("a/b"), "uploads/a/b/x", "read")).toBe(false);
  });

  it("lets the admin (admin secret or role admin) do everything", () => {
    const secret: Session = { source: "admin", role: "admin", variables: {} };
    expect(fileAccess(config, secret, "anything/at/all", "delete")).toBe(true);
    expect(fileAccess(config, jwt("admin"), "uploads/u1/a", "write")).toBe(true);
  });
});

describe("prefixReadable", () => {
  it("needs every key under the prefix to be readable", () => {
    expect(prefixReadable(config, user("u1"), "uploads/u1/")).toBe(true);
    expect(prefixReadable(config, user("u1"), "uploads/u1/sub/")).toBe(true);
    expect(prefixReadable(config, user("u1"), "uploads/")).toBe(false);
    expect(prefixReadable(config, user("u1"), "")).toBe(false);
    expect(prefixReadable(config, jwt("auditor"), "uploads/u1/")).toBe(true);
    expect(prefixReadable(config, jwt("auditor"), "uploads/")).toBe(false);
    expect(prefixReadable(config, jwt("auditor"), "uploads/hidden/x/")).toBe(false);
  });
});

describe("checkFileKey", () => {
  it("accepts plain keys and refuses .., ., empty segments, backslashes, encoded slashes and a leading /", () => {
    expect(checkFileKey("uploads/u1/a b ü.txt")).toBe("uploads/u1/a b ü.txt");
    for (const key of ["", "/a", "a//b", "a/", "a/../b", "./a", "a\\b", "a%2Fb", "a%5cb", "a/\u0000"]) {
      expect(() => checkFileKey(key), JSON.stringify(key)).toThrow(
        expect.objectContaining({ code: "INVALID_FILE_KEY" }),
      );
    }
  });
});

describe("signed URLs", () => {
  const now = Date.UTC(2026, 0, 1);
  const exp = now / 1000 + 60;

  it("signedUrl signs <key>\\n<exp> with HMAC-SHA256 and encodes each key segment", async () => {
    const url = await signedUrl("https://api.example.com/", "uploads/u1/a b/ü.txt", 60, SIGNING_SECRET, now);
    expect(url).toBe(
      `https://api.example.com/files/uploads/u1/a%20b/%C3%BC.txt?exp=${exp}&sig=${await sign("uploads/u1/a b/ü.txt", exp)}`,
    );
  });

  it("verifyDownload: ok before exp, expired at exp, forged for another key, secret, exp or malformed input", async () => {
    const key = "uploads/u1/a.txt";
    const sig = await sign(key, exp);
    expect(await verifyDownload(key, String(exp), sig, SIGNING_SECRET, now)).toBe("ok");
    expect(await verifyDownload(key, String(exp), sig.toUpperCase(), SIGNING_SECRET, now)).toBe("ok");
    expect(await verifyDownload(key, String(exp), sig, SIGNING_SECRET, exp * 1000)).toBe("expired");
    expect(await verifyDownload("uploads/u1/b.txt", String(exp), sig, SIGNING_SECRET, now)).toBe("forged");
    expect(await verifyDownload(key, String(exp), sig, "other-secret", now)).toBe("forged");
    expect(await verifyDownload(key, String(exp + 1), sig, SIGNING_SECRET, now)).toBe("forged");
    expect(await verifyDownload(key, `0${exp}`, sig, SIGNING_SECRET, now)).toBe("forged");
    expect(await verifyDownload(key, String(exp), sig.slice(2), SIGNING_SECRET, now)).toBe("forged");
    expect(await verifyDownload(key, "soon", sig, SIGNING_SECRET, now)).toBe("forged");
    expect(await verifyDownload(key, String(exp), sig, "", now)).toBe("forged");
  });
});
