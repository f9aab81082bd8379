/**
 * How upstream failures reach the client: each failure mode of a remote becomes a GraphQL error with
 * a stable UPSTREAM_* code and `serviceName` on the failed field only, the other remote's data stays
 * intact (partial data), and nothing of the upstream body leaks.
 */
import { describe, expect, it } from "vitest";
import { post, testGateway } from "../fixtures/gateways";
import { control, type GraphQLBody, type TestGateway, uniqueId } from "../helpers";

const CROSS_QUERY = "{ me { id } products { upc } }";
const ALL_PRODUCTS = [{ upc: "p1" }, { upc: "p2" }, { upc: "p3" }];

/** Test `id`'s accounts, products and errors remotes. */
const THREE_REMOTES = { remotes: ["accounts", "products", "errors"] };

/** POSTs a query and returns the raw response text (headers included) next to the parsed body. */
async function rawGraphql(
  gw: TestGateway,
  query: string,
): Promise<{ status: number; text: string; body: GraphQLBody }> {
  const { status, headers, text, body } = await post(gw, query);
  const headerText = [...headers].map(([name, value]) => `${name}: ${value}`).join("\n");
  return { status, text: `${headerText}\n\n${text}`, body };
}

describe("upstream failures become coded GraphQL errors with partial data", () => {
  it("a remote slower than its timeoutMs fails its fields with UPSTREAM_TIMEOUT and the other remote still answers", async () => {
    const id = uniqueId();
    // Only ordinary operations are slow: introspection (introspectionMode) stays fast.
    await control(id, "accounts", { mode: "slow", delayMs: 2000 });
    const gw = testGateway(id, { remotes: [{ name: "accounts", timeoutMs: 300 }, "products", "errors"] });

    const started = Date.now();
    const { status, body } = await gw.graphql(CROSS_QUERY);
    const elapsed = Date.now() - started;

    expect(status).toBe(200);
    expect(body.data).toEqual({ me: null, products: ALL_PRODUCTS });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({
      path: ["me"],
      extensions: { code: "UPSTREAM_TIMEOUT", serviceName: "accounts" },
    });
    // The gateway gave up at the timeout instead of waiting the upstream's 2 s out.
    expect(elapsed).toBeLessThan(1500);
  });

  it.each([
    { mode: "reset", code: "UPSTREAM_UNAVAILABLE", status: undefined },
    { mode: "500", code: "UPSTREAM_UNAVAILABLE", status: 500 },
    { mode: "500-json", code: "UPSTREAM_UNAVAILABLE", status: 500 },
    { mode: "html", code: "UPSTREAM_INVALID_RESPONSE", status: 200 },
    { mode: "invalid-json", code: "UPSTREAM_INVALID_RESPONSE", status: 200 },
    { mode: "404", code: "UPSTREAM_HTTP_ERROR", status: 404 },
  ])(
    "upstream mode $mode -> $code (extensions.status $status), other remote intact",
    async ({ mode, code, status }) => {
      const id = uniqueId();
      const gw = testGateway(id, THREE_REMOTES);
      // First query in mode ok: the schema is loaded and the remote works.
      const healthy = await gw.graphql(CROSS_QUERY);
      expect(healthy.body).toEqual({ data: { me: { id: "1" }, products: ALL_PRODUCTS } });

      await control(id, "accounts", { mode });
      const { status: httpStatus, body } = await gw.graphql(CROSS_QUERY);

      expect(httpStatus).toBe(200);
      expect(body.data).toEqual({ me: null, products: ALL_PRODUCTS });
      expect(body.errors).toHaveLength(1);
      const error = body.errors?.[0];
      expect(error?.path).toEqual(["me"]);
      expect(error?.extensions?.code).toBe(code);
      expect(error?.extensions?.serviceName).toBe("accounts");
      expect(error?.extensions?.status).toBe(status);
    },
  );

  it("never leaks the upstream body, secrets or stack traces, whatever the failure", async () => {
    const id = uniqueId();
    const gw = testGateway(id, THREE_REMOTES);
    expect((await gw.graphql(CROSS_QUERY)).body.errors).toBeUndefined();

    for (const mode of ["reset", "500", "500-json", "html", "invalid-json", "404"]) {
      await control(id, "accounts", { mode });
      const { text, body } = await rawGraphql(gw, CROSS_QUERY);
      // The failure really happened (otherwise the check below proves nothing).
      expect(body.errors?.[0]?.extensions?.serviceName, mode).toBe("accounts");
      const lower = text.toLowerCase();
      for (const forbidden of ["secret", "hunter2", "<html", "db.js", "stack", "oops", "not here", "login required"]) {
        expect(lower, `mode ${mode} leaks "${forbidden}"`).not.toContain(forbidden);
      }
    }
  });
});

describe("upstream GraphQL errors are relayed", () => {
  it("keeps message, path and extensions of a root field error and adds serviceName", async () => {
    const id = uniqueId();
    // Since issue 12 only `code` passes by default: `detail` is listed to keep this test's subject.
    const gw = testGateway(id, {
      remotes: ["accounts", "products", { name: "errors", exposeErrorExtensions: ["detail"] }],
    });
    const { status, body } = await gw.graphql("{ fails products { upc } }");

    expect(status).toBe(200);
    expect(body.data).toEqual({ fails: null, products: ALL_PRODUCTS });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.message).toBe("kaboom");
    expect(body.errors?.[0]?.path).toEqual(["fails"]);
    expect(body.errors?.[0]?.extensions).toEqual({ code: "FAIL_CODE", detail: 42, serviceName: "errors" });
  });

  it("puts nested errors at their full paths (including list indexes) and keeps sibling data", async () => {
    const id = uniqueId();
    const gw = testGateway(id, THREE_REMOTES);
    const { body } = await gw.graphql("{ nested { ok bad list { id value } } me { id } }");

    expect(body.data).toEqual({
      nested: {
        ok: "fine",
        bad: null,
        list: [
          { id: "a", value: "x" },
          { id: "b", value: null },
        ],
      },
      me: { id: "1" },
    });
    const byPath = new Map((body.errors ?? []).map((error) => [JSON.stringify(error.path), error]));
    expect([...byPath.keys()].sort()).toEqual(
      [JSON.stringify(["nested", "bad"]), JSON.stringify(["nested", "list", 1, "value"])].sort(),
    );
    expect(byPath.get(JSON.stringify(["nested", "bad"]))).toMatchObject({
      message: "bad child",
      extensions: { serviceName: "errors" },
    });
    expect(byPath.get(JSON.stringify(["nested", "list", 1, "value"]))).toMatchObject({
      message: "item broke",
      extensions: { serviceName: "errors" },
    });
  });
});

// Masking of unexpected (non-GraphQL, non-gateway) errors is not tested here: with real upstreams
// there is no natural way to make the gateway itself throw an unexpected error (every upstream
// failure, transport or body, is turned into a coded UPSTREAM_* error by the executor).
