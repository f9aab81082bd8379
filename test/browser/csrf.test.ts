/**
 * CSRF prevention (docs/security.md, "Requests from browsers"): a request a browser may send cross-site
 * without a CORS preflight (no Content-Type, or form-urlencoded, multipart or text/plain; every GET)
 * needs one of the CSRF headers, else 403 CSRF_HEADER_REQUIRED before anything runs; multipart is
 * refused even with one (file uploads are off).
 */
import { describe, expect, it } from "vitest";
import { asRole, HS_SECRET, testGateway } from "../fixtures/gateways";
import { type GraphQLBody, stats, uniqueId } from "../helpers";

/** Test `id`'s accounts remote (its Mutation.rename counts as an operation in its stats). */
const ACCOUNTS = { remotes: ["accounts"] };
const RENAME = 'mutation { rename(id: "1", name: "Mallory") { name } }';

/** Status, code of the first error, and the body. */
async function answer(res: Response): Promise<{ status: number; code: unknown; body: GraphQLBody }> {
  const body = (await res.json()) as GraphQLBody;
  return { status: res.status, code: body.errors?.[0]?.extensions?.code, body };
}

/** A POST /graphql with `body` and `headers` as given (a string body alone would get text/plain). */
const postRaw = (body: BodyInit, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { accept: "application/json", ...headers },
  body,
});

describe("CSRF prevention", () => {
  it("refuses the mutation of a cross-site HTML form (application/x-www-form-urlencoded) with 403 CSRF_HEADER_REQUIRED", async () => {
    const id = uniqueId();
    const gw = testGateway(id, ACCOUNTS);
    const res = await gw.fetch("/graphql", postRaw(new URLSearchParams({ query: RENAME })));
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const { status, code, body } = await answer(res);
    expect(status).toBe(403);
    expect(code).toBe("CSRF_HEADER_REQUIRED");
    expect(body.errors?.[0]?.message).toContain("x-graphql-csrf");
    expect(body.data).toBeUndefined();
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("refuses text/plain (any case, with parameters) and a POST without Content-Type", async () => {
    const id = uniqueId();
    const gw = testGateway(id, ACCOUNTS);
    const json = JSON.stringify({ query: RENAME });
    for (const contentType of ["text/plain", "Text/Plain; charset=utf-8"]) {
      const refused = await answer(await gw.fetch("/graphql", postRaw(json, { "content-type": contentType })));
      expect([refused.status, refused.code], contentType).toEqual([403, "CSRF_HEADER_REQUIRED"]);
    }
    // A byte body gets no default Content-Type.
    const untyped = await answer(await gw.fetch("/graphql", postRaw(new TextEncoder().encode(json))));
    expect([untyped.status, untyped.code]).toEqual([403, "CSRF_HEADER_REQUIRED"]);
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("refuses multipart/form-data: 403 without a CSRF header, 400 BAD_REQUEST with one (uploads are off)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, ACCOUNTS);
    const form = () => {
      const data = new FormData();
      data.set("operations", JSON.stringify({ query: RENAME }));
      data.set("map", "{}");
      return data;
    };
    const refused = await answer(await gw.fetch("/graphql", postRaw(form())));
    expect([refused.status, refused.code]).toEqual([403, "CSRF_HEADER_REQUIRED"]);
    const withHeader = await answer(await gw.fetch("/graphql", postRaw(form(), { "x-graphql-csrf": "1" })));
    expect([withHeader.status, withHeader.code]).toEqual([400, "BAD_REQUEST"]);
    expect(withHeader.body.errors?.[0]?.message).toContain("multipart/form-data");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it.each([["x-graphql-csrf"], ["apollo-require-preflight"], ["x-graphql-yoga-csrf"]])(
    "accepts a form-urlencoded POST carrying %s (a header no page can set cross-site without a preflight)",
    async (header) => {
      const id = uniqueId();
      const gw = testGateway(id, ACCOUNTS);
      const res = await gw.fetch("/graphql", postRaw(new URLSearchParams({ query: RENAME }), { [header]: "1" }));
      const { status, body } = await answer(res);
      expect(status).toBe(200);
      expect(body).toEqual({ data: { rename: { name: "Mallory" } } });
      expect((await stats(id, "accounts")).operations).toBe(1);
    },
  );

  it("accepts application/json without a CSRF header (a browser preflights it)", async () => {
    const gw = testGateway(uniqueId(), ACCOUNTS);
    const res = await gw.fetch(
      "/graphql",
      postRaw(JSON.stringify({ query: "{ me { id } }" }), { "content-type": "application/json; charset=utf-8" }),
    );
    expect(await answer(res)).toEqual({ status: 200, code: undefined, body: { data: { me: { id: "1" } } } });
  });

  it("guards GET like Yoga and Apollo: 403 without a CSRF header or a non-simple Content-Type, 200 with either", async () => {
    const id = uniqueId();
    const gw = testGateway(id, ACCOUNTS);
    const url = `/graphql?${new URLSearchParams({ query: "{ me { id } }" })}`;
    const refused = await answer(await gw.fetch(url, { headers: { accept: "application/json" } }));
    expect([refused.status, refused.code]).toEqual([403, "CSRF_HEADER_REQUIRED"]);
    expect((await stats(id, "accounts")).operations).toBe(0);

    const withHeader = await gw.fetch(url, {
      headers: { accept: "application/json", "apollo-require-preflight": "1" },
    });
    expect(await answer(withHeader)).toEqual({ status: 200, code: undefined, body: { data: { me: { id: "1" } } } });
    const asJson = await gw.fetch(url, { headers: { accept: "application/json", "content-type": "application/json" } });
    expect(await answer(asJson)).toEqual({ status: 200, code: undefined, body: { data: { me: { id: "1" } } } });
  });

  it("refuses a form POST authenticated by a cookie JWT (the issue's attack) before any upstream call", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      ...ACCOUNTS,
      auth: { jwt: { secret: HS_SECRET, algorithms: ["HS256"], header: { type: "Cookie", name: "session" } } },
    });
    const token = (await asRole("user", "u-1")).authorization?.replace(/^Bearer /, "") ?? "";
    const cookie = { cookie: `session=${token}` };
    const refused = await answer(await gw.fetch("/graphql", postRaw(new URLSearchParams({ query: RENAME }), cookie)));
    expect([refused.status, refused.code]).toEqual([403, "CSRF_HEADER_REQUIRED"]);
    expect((await stats(id, "accounts")).operations).toBe(0);
    // The same cookie from the gateway's own page (JSON, so preflighted cross-site) works.
    const res = await gw.fetch(
      "/graphql",
      postRaw(JSON.stringify({ query: "{ me { id } }" }), { ...cookie, "content-type": "application/json" }),
    );
    expect(await answer(res)).toEqual({ status: 200, code: undefined, body: { data: { me: { id: "1" } } } });
  });
});
