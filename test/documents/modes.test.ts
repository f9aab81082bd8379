/**
 * Trusted documents on /graphql (docs/schema-lifecycle.md): each `trustedDocuments.mode`, the
 * GraphQL over HTTP `documentId` and Apollo's `extensions.persistedQuery` forms over POST and GET, unknown
 * ids, Apollo's APQ registration (allow only, never trusted), the fast lane in "require" mode, and role
 * schemas applying to stored documents.
 */
import { describe, expect, it } from "vitest";
import { fastLaneCounters } from "../../src/fastlane";
import { ADMIN_HEADERS, asRole, hsAuth } from "../fixtures/gateways";
import { stats, uniqueId } from "../helpers";
import { apollo, codes, documentsGateway, get, post, push, sha256 } from "./helpers";

const ME = "query Me { me { id name } }";
const USER = "query User($id: ID!) { user(id: $id) { id name } }";
const RENAME = 'mutation Rename { rename(id: "2", name: "Grace H") { id name } }';

/** A gateway in `mode` with ME, USER and RENAME stored; returns it and their hashes. */
async function stocked(mode: "off" | "allow" | "require", more = {}, options = {}) {
  const id = uniqueId();
  const gw = documentsGateway(id, mode, more, options);
  const hashes = { me: await sha256(ME), user: await sha256(USER), rename: await sha256(RENAME) };
  const pushed = await push(gw, { [`sha256:${hashes.me}`]: ME, [hashes.user]: USER, [hashes.rename]: RENAME });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
  return { id, gw, hashes };
}

/** A "require" gateway with role `user` (no `User.email`) and a stored document selecting `me { email }`. */
async function withRoleDocument() {
  const text = "query Mine { me { id name email } }";
  const { gw } = await stocked("require", {
    auth: hsAuth(),
    permissions: { user: { accounts: "type Query { me: User } type User { id: ID! name: String! }" } },
  });
  const hash = await sha256(text);
  expect((await push(gw, { [hash]: text })).status).toBe(200);
  return { gw, hash };
}

describe('mode "off"', () => {
  it("runs queries as before and knows no documentId (400) and no Apollo hash alone (400), even with documents stored", async () => {
    const { gw, hashes } = await stocked("off");
    expect((await post(gw, { query: ME })).body.data.me).toEqual({ id: "1", name: "Ada" });
    const byId = await post(gw, { documentId: `sha256:${hashes.me}` });
    expect(byId.status).toBe(400);
    expect(byId.body.errors[0].message).toMatch(/documentId/);
    const byHash = await post(gw, { extensions: apollo(hashes.me) });
    expect(byHash.status).toBe(400);
    expect(byHash.body.data).toBeUndefined();
  });
});

describe('mode "allow"', () => {
  it("runs sent queries and stored documents by documentId (sha256:<hex> or bare hex) and by Apollo's sha256Hash, over POST and GET", async () => {
    const { gw, hashes } = await stocked("allow");
    expect((await post(gw, { query: '{ user(id: "3") { name } }' })).body.data.user.name).toBe("Linus");
    for (const documentId of [`sha256:${hashes.user}`, hashes.user, `SHA256:${hashes.user.toUpperCase()}`]) {
      const res = await post(gw, { documentId, variables: { id: "2" }, operationName: "User" });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.user).toEqual({ id: "2", name: "Grace" });
    }
    const apolloPost = await post(gw, { extensions: apollo(hashes.me) });
    expect(apolloPost.body.data.me.name).toBe("Ada");
    const byGet = await get(gw, { documentId: `sha256:${hashes.user}`, variables: { id: "3" } });
    expect(byGet.status, JSON.stringify(byGet.body)).toBe(200);
    expect(byGet.body.data.user.name).toBe("Linus");
    const apolloGet = await get(gw, { extensions: apollo(hashes.me) });
    expect(apolloGet.body.data.me.name).toBe("Ada");
  });

  it("answers an unknown id with 404 PERSISTED_QUERY_NOT_FOUND naming it, for both forms", async () => {
    const { gw } = await stocked("allow");
    const unknown = await sha256("query Nope { me { id } }");
    for (const body of [{ documentId: `sha256:${unknown}` }, { extensions: apollo(unknown) }]) {
      const res = await post(gw, body);
      expect(res.status).toBe(404);
      expect(codes(res.body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
      expect(res.body.errors[0].extensions.documentId).toBe(`sha256:${unknown}`);
      expect(res.body.data).toBeUndefined();
    }
    const opaque = await get(gw, { documentId: "relay-0123abcd" });
    expect(opaque.status).toBe(404);
    expect(codes(opaque.body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
  });

  it("refuses malformed ids, a query with documentId, and two ids that differ, with 400 BAD_REQUEST", async () => {
    const { gw, hashes } = await stocked("allow");
    const cases = [
      { documentId: "sha256:1234" },
      { documentId: "has spaces" },
      { extensions: { persistedQuery: { version: 2, sha256Hash: hashes.me } } },
      { query: ME, documentId: `sha256:${hashes.me}` },
      { documentId: `sha256:${hashes.me}`, extensions: apollo(hashes.user) },
    ];
    for (const body of cases) {
      const res = await post(gw, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(codes(res.body), JSON.stringify(body)).toEqual(["BAD_REQUEST"]);
    }
  });

  it("registers an Apollo APQ text (hash verified) and runs it by hash afterwards; a wrong hash registers nothing", async () => {
    const { gw } = await stocked("allow");
    const text = '{ user(id: "2") { name } }';
    const hash = await sha256(text);
    expect((await post(gw, { extensions: apollo(hash) })).status).toBe(404);
    const wrong = await post(gw, { query: text, extensions: apollo(await sha256("{ me { id } }")) });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toMatch(/not the SHA-256 of the query/);
    const registered = await post(gw, { query: text, extensions: apollo(hash) });
    expect(registered.body.data.user.name).toBe("Grace");
    const byHash = await post(gw, { extensions: apollo(hash) });
    expect(byHash.status).toBe(200);
    expect(byHash.body.data.user.name).toBe("Grace");
  });
});

describe("cold start", () => {
  it("runs a document over two remotes as the first request of an isolate (never against one remote's own schema)", async () => {
    const kvPrefix = `${uniqueId("kv")}:`;
    const id = uniqueId();
    const spec = { remotes: ["accounts", "products"] };
    const text = "query Both { me { name } products(limit: 1) { upc } }";
    const hash = await sha256(text);
    expect((await push(documentsGateway(id, "require", spec, { kvPrefix }), { [hash]: text })).status).toBe(200);
    // A fresh app (a new isolate's): its first request names the document.
    const fresh = documentsGateway(id, "require", spec, { kvPrefix });
    const res = await post(fresh, { documentId: `sha256:${hash}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({ me: { name: "Ada" }, products: [{ upc: "p1" }] });
  });
});

describe('mode "require"', () => {
  it("refuses every sent query with 400 PERSISTED_QUERY_ONLY over POST and GET, without the fast lane and without an upstream call", async () => {
    const { id, gw } = await stocked("require");
    const before = { ...fastLaneCounters };
    for (let i = 0; i < 3; i++) {
      const res = await post(gw, { query: ME });
      expect(res.status).toBe(400);
      expect(codes(res.body)).toEqual(["PERSISTED_QUERY_ONLY"]);
      expect(res.body.data).toBeUndefined();
    }
    const byGet = await get(gw, { query: ME });
    expect(byGet.status).toBe(400);
    expect(codes(byGet.body)).toEqual(["PERSISTED_QUERY_ONLY"]);
    // The text of a stored document, sent as a query, is a query all the same.
    expect(codes((await post(gw, { query: ME, extensions: apollo(await sha256(ME)) })).body)).toEqual([
      "PERSISTED_QUERY_ONLY",
    ]);
    // The lane read the bodies and gave every one to Yoga: it answered none and called no remote.
    expect(fastLaneCounters.served).toBe(before.served);
    expect(fastLaneCounters.handedOff).toBe(before.handedOff);
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("runs stored documents by documentId and Apollo hash over POST and GET; unknown ids are 404; a mutation over GET is 405", async () => {
    const { gw, hashes } = await stocked("require");
    expect((await post(gw, { documentId: `sha256:${hashes.me}` })).body.data.me.name).toBe("Ada");
    expect((await post(gw, { extensions: apollo(hashes.user), variables: { id: "3" } })).body.data.user.name).toBe(
      "Linus",
    );
    expect((await get(gw, { documentId: hashes.user, variables: { id: "2" } })).body.data.user.name).toBe("Grace");
    const unknown = await post(gw, { documentId: `sha256:${await sha256("{ me { id } }")}` });
    expect(unknown.status).toBe(404);
    expect(codes(unknown.body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    const nothing = await post(gw, { variables: {} });
    expect(nothing.status).toBe(400);
    expect(codes(nothing.body)).toEqual(["BAD_REQUEST"]);
    const mutationByGet = await get(gw, { documentId: `sha256:${hashes.rename}` });
    expect(mutationByGet.status).toBe(405);
    const mutation = await post(gw, { documentId: `sha256:${hashes.rename}` });
    expect(mutation.body.data.rename).toEqual({ id: "2", name: "Grace H" });
  });

  it("refuses APQ registration, and never runs a text registered with APQ (in allow mode, same KV)", async () => {
    const kvPrefix = `${uniqueId("kv")}:`;
    const id = uniqueId();
    const allow = documentsGateway(id, "allow", {}, { kvPrefix });
    const require = documentsGateway(id, "require", {}, { kvPrefix });
    const text = '{ user(id: "3") { id name } }';
    const hash = await sha256(text);
    expect((await post(allow, { query: text, extensions: apollo(hash) })).status).toBe(200);
    expect((await post(allow, { extensions: apollo(hash) })).body.data.user.name).toBe("Linus");
    for (const body of [{ extensions: apollo(hash) }, { documentId: `sha256:${hash}` }]) {
      const res = await post(require, body);
      expect(res.status).toBe(404);
      expect(codes(res.body)).toEqual(["PERSISTED_QUERY_NOT_FOUND"]);
    }
    const registration = await post(require, { query: text, extensions: apollo(hash) });
    expect(codes(registration.body)).toEqual(["PERSISTED_QUERY_ONLY"]);
  });

  it("validates stored documents against the caller's role schema: a field the role cannot see is refused, the admin runs it", async () => {
    const { gw, hash } = await withRoleDocument();
    const user = await asRole("user", "u-1");
    const refused = await post(gw, { documentId: `sha256:${hash}` }, user);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].message).toMatch(/Cannot query field "email"/);
    expect(refused.body.data).toBeUndefined();
    const allowed = await post(gw, { documentId: `sha256:${hash}` }, ADMIN_HEADERS);
    expect(allowed.status).toBe(200);
    expect(allowed.body.data.me).toEqual({ id: "1", name: "Ada", email: "ada@example.com" });
    expect((await post(gw, { documentId: `sha256:${await sha256(ME)}` }, user)).body.data.me.name).toBe("Ada");
  });

  it("the fast lane serves a stored document from its second run (both id forms), with the answer Yoga gives", async () => {
    const { id, gw, hashes } = await stocked("require");
    const first = await post(gw, { documentId: `sha256:${hashes.user}`, variables: { id: "2" } });
    expect(first.body.data.user.name).toBe("Grace");
    const before = { ...fastLaneCounters };
    const second = await post(gw, { documentId: hashes.user, variables: { id: "3" } });
    const third = await post(gw, { extensions: apollo(hashes.user), variables: { id: "1" } });
    expect(second.body).toEqual({ data: { user: { id: "3", name: "Linus" } } });
    expect(third.body).toEqual({ data: { user: { id: "1", name: "Ada" } } });
    expect(fastLaneCounters.served - before.served).toBe(2);
    expect((await stats(id, "accounts")).operations).toBe(3);
    // Still refused, lane or not: a sent query, an unknown id, a malformed one.
    expect(codes((await post(gw, { query: USER, variables: { id: "2" } })).body)).toEqual(["PERSISTED_QUERY_ONLY"]);
    const unknown = await post(gw, { documentId: `sha256:${await sha256("{ me { name } }")}` });
    expect([unknown.status, codes(unknown.body)]).toEqual([404, ["PERSISTED_QUERY_NOT_FOUND"]]);
    expect(codes((await post(gw, { documentId: "sha256:nothex" })).body)).toEqual(["BAD_REQUEST"]);
    expect(fastLaneCounters.served - before.served).toBe(2);
    expect((await stats(id, "accounts")).operations).toBe(3);
  });

  it("the fast lane never serves a document to a role that may not run it", async () => {
    const { gw, hash } = await withRoleDocument();
    // The admin's runs record a lane decision for the admin's schema.
    for (let i = 0; i < 2; i++) expect((await post(gw, { documentId: hash }, ADMIN_HEADERS)).status).toBe(200);
    const user = await asRole("user", "u-1");
    for (let i = 0; i < 2; i++) {
      const refused = await post(gw, { documentId: hash }, user);
      expect(refused.status).toBe(400);
      expect(refused.body.errors[0].message).toMatch(/Cannot query field "email"/);
    }
  });
});
