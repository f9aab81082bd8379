/**
 * Requests the gateway cannot run as sent, each answered with an exact HTTP status and a GraphQL-shaped
 * body carrying a code from the error table, before any upstream call: bad JSON, wrong or missing
 * content types, batched arrays, missing or mistyped parameters, wrong methods. (Oversized bodies are
 * `limits.maxBodyBytes`'s, see docs/security.md.)
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { type GraphQLBody, stats, uniqueId } from "../helpers";

const JSON_HEADERS = { "content-type": "application/json", accept: "application/graphql-response+json" };
const TYPENAME = JSON.stringify({ query: "{ __typename }" });

/** A gateway over test `id`'s accounts remote. */
const gateway = (id: string) => testGateway(id, { remotes: ["accounts"] });

/**
 * Asserts the answer's status, a JSON content type, exactly one error with `code`, and no `data`.
 * @returns the error's message
 */
async function refused(res: Response, status: number, code: string): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type"), text).toMatch(/^application\/(graphql-response\+)?json\b/);
  const body = JSON.parse(text) as GraphQLBody;
  expect(body.data, text).toBeUndefined();
  expect(body.errors, text).toHaveLength(1);
  expect(body.errors?.[0]?.extensions?.code, text).toBe(code);
  return body.errors?.[0]?.message ?? "";
}

/**
 * The CSRF header, for requests browsers could send cross-site without a preflight (no content type,
 * text/plain, multipart, GET): without it they are refused with 403 CSRF_HEADER_REQUIRED before anything
 * else is looked at (test/browser/csrf.test.ts); with it they reach the checks these tests pin.
 */
const CSRF = { "x-graphql-csrf": "1" };

/** POSTs `body` with the JSON headers and `headers` on top. */
const postRaw = (gw: ReturnType<typeof gateway>, body: BodyInit, headers: Record<string, string> = {}) =>
  gw.fetch("/graphql", { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body });

describe("bad request bodies", () => {
  it("answers a body that is not JSON with 400 BAD_REQUEST, with either accept", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    for (const accept of ["application/graphql-response+json", "application/json"]) {
      const message = await refused(await postRaw(gw, '{ "query": ', { accept }), 400, "BAD_REQUEST");
      expect(message).toBe("POST body sent invalid JSON.");
    }
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("answers an empty body with 400 BAD_REQUEST", async () => {
    const gw = gateway(uniqueId());
    expect(await refused(await postRaw(gw, ""), 400, "BAD_REQUEST")).toBe("POST body sent invalid JSON.");
  });

  it("answers a JSON body that is not an object (null, a string) with 400 BAD_REQUEST", async () => {
    const gw = gateway(uniqueId());
    expect(await refused(await postRaw(gw, "null"), 400, "BAD_REQUEST")).toMatch(/expected to be object/);
    expect(await refused(await postRaw(gw, '"{ __typename }"'), 400, "BAD_REQUEST")).toMatch(/expected to be object/);
  });

  it("refuses a batched array body with 400 BAD_REQUEST and runs none of it, with either accept", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    const batch = JSON.stringify([{ query: "{ me { id } }" }, { query: "{ me { name } }" }]);
    for (const accept of ["application/graphql-response+json", "application/json"]) {
      const message = await refused(await postRaw(gw, batch, { accept }), 400, "BAD_REQUEST");
      expect(message, accept).toBe("Batching is not supported.");
    }
    expect(await refused(await postRaw(gw, "[]"), 400, "BAD_REQUEST")).toBe("Batching is not supported.");
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("refuses a multipart body (multipart is off until file uploads) with 400 BAD_REQUEST", async () => {
    const gw = gateway(uniqueId());
    const form = new FormData();
    form.set("map", "{}");
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: { accept: JSON_HEADERS.accept, ...CSRF },
      body: form,
    });
    expect(await refused(res, 400, "BAD_REQUEST")).toBe(
      "multipart/form-data requests (file uploads) are not accepted: send Content-Type: application/json.",
    );
  });
});

describe("content types", () => {
  it("refuses application/xml with 415 UNSUPPORTED_MEDIA_TYPE naming the type", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    const message = await refused(
      await postRaw(gw, "<query>{ __typename }</query>", { "content-type": "application/xml" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    expect(message).toBe('Content-Type "application/xml" is not supported: send the request as application/json.');
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("refuses text/plain carrying a JSON body with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const gw = gateway(uniqueId());
    const res = await postRaw(gw, TYPENAME, { "content-type": "text/plain;charset=UTF-8", ...CSRF });
    expect(await refused(res, 415, "UNSUPPORTED_MEDIA_TYPE")).toMatch(/"text\/plain" is not supported/);
  });

  it("refuses a POST without a content type with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const gw = gateway(uniqueId());
    // A string body gets text/plain from the Request constructor; a stream gets no content type.
    const body = new Blob([TYPENAME]).stream();
    const res = await gw.fetch("/graphql", { method: "POST", headers: { accept: JSON_HEADERS.accept, ...CSRF }, body });
    expect(await refused(res, 415, "UNSUPPORTED_MEDIA_TYPE")).toBe(
      "The request has no Content-Type: send it as application/json.",
    );
  });
});

describe("parameters", () => {
  it("answers a POST without a query with 400 BAD_REQUEST, with either accept", async () => {
    const gw = gateway(uniqueId());
    for (const accept of ["application/graphql-response+json", "application/json"]) {
      const res = await postRaw(gw, JSON.stringify({ variables: {} }), { accept });
      expect(await refused(res, 400, "BAD_REQUEST"), accept).toBe("Must provide query string.");
    }
  });

  it("answers a GET without a query with 400 BAD_REQUEST", async () => {
    const gw = gateway(uniqueId());
    const res = await gw.fetch("/graphql", { headers: { accept: "application/json", ...CSRF } });
    expect(await refused(res, 400, "BAD_REQUEST")).toBe("Must provide query string.");
  });

  it("answers a query that is not a string with 400 BAD_REQUEST", async () => {
    const gw = gateway(uniqueId());
    const res = await postRaw(gw, JSON.stringify({ query: { kind: "Document" } }));
    expect(await refused(res, 400, "BAD_REQUEST")).toBe('Expected "query" param to be a string, but given object.');
  });

  it("answers variables that are not an object (a string, an array) with 400 BAD_REQUEST", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    for (const [variables, kind] of [
      ['{"v":"x"}', "string"],
      [["x"], "array"],
    ] as const) {
      const res = await postRaw(gw, JSON.stringify({ query: "query($v: String!) { echo(value: $v) }", variables }));
      expect(await refused(res, 400, "BAD_REQUEST")).toBe(
        `Expected "variables" param to be empty or an object, but given ${kind}.`,
      );
    }
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("answers GET variables that are not valid JSON with 400 BAD_REQUEST, not a masked 200", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    const params = new URLSearchParams({ query: "query($v: String!) { echo(value: $v) }", variables: '{"v": ' });
    const res = await gw.fetch(`/graphql?${params}`, { headers: { accept: JSON_HEADERS.accept, ...CSRF } });
    expect(await refused(res, 400, "BAD_REQUEST")).toMatch(/^Could not read the request's GraphQL parameters: /);
    expect((await stats(id, "accounts")).operations).toBe(0);
  });
});

describe("methods", () => {
  it("refuses a mutation over GET with 405 METHOD_NOT_ALLOWED and Allow: POST", async () => {
    const id = uniqueId();
    const gw = gateway(id);
    const params = new URLSearchParams({ query: 'mutation { rename(id: "1", name: "X") { name } }' });
    const res = await gw.fetch(`/graphql?${params}`, { headers: { accept: JSON_HEADERS.accept, ...CSRF } });
    expect(res.headers.get("allow")).toBe("POST");
    expect(await refused(res, 405, "METHOD_NOT_ALLOWED")).toBe(
      "Can only perform a mutation operation from a POST request.",
    );
    expect((await stats(id, "accounts")).operations).toBe(0);
  });

  it("refuses PUT, PATCH and DELETE on /graphql with 405 METHOD_NOT_ALLOWED and Allow: GET, POST", async () => {
    const gw = gateway(uniqueId());
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const res = await gw.fetch("/graphql", { method, headers: JSON_HEADERS, body: TYPENAME });
      expect(res.headers.get("allow"), method).toBe("GET, POST");
      expect(await refused(res, 405, "METHOD_NOT_ALLOWED")).toBe(`/graphql takes GET and POST, not ${method}.`);
    }
  });
});
