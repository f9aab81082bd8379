/**
 * An operation one remote can answer entirely goes to it as written, without stitching's planning
 * and re-execution (use-passthrough); anything else (several remotes, customization, introspection)
 * is composed as before. Either way the client sees the same answer.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { control, uniqueId, upstreamOperations } from "../helpers";

const ONE_REMOTE =
  'query Me($id: ID!) { a: user(id: $id) { ...F } search(term: "a") { __typename ... on Org { title } } } fragment F on User { name }';

/** Test `id`'s accounts and products remotes. */
const TWO_REMOTES = { remotes: ["accounts", "products"] };

describe("operations one remote answers alone", () => {
  it("are sent to it as written, in one call, with the answer returned as is", async () => {
    const id = uniqueId();
    const { status, body } = await testGateway(id, TWO_REMOTES).graphql(ONE_REMOTE, { id: "1" });
    expect(status).toBe(200);
    expect(body).toEqual({
      data: { a: { name: "Ada" }, search: [{ __typename: "User" }, { __typename: "Org", title: "Initech" }] },
    });
    expect(await upstreamOperations(id, "accounts")).toEqual([{ query: ONE_REMOTE, variables: { id: "1" } }]);
  });

  it("keep composition's error shape when the remote is down: each root field null, located, with serviceName", async () => {
    const id = uniqueId();
    const gw = testGateway(id, TWO_REMOTES);
    expect((await gw.graphql('{ user(id: "1") { name } }')).status).toBe(200);
    await control(id, "accounts", { mode: "reset" });
    const { body } = await gw.graphql('{ a: user(id: "1") { name } me { name } }');
    expect(body.data).toEqual({ a: null, me: null });
    expect(body.errors?.map((error) => [error.path, error.extensions?.code, error.extensions?.serviceName])).toEqual([
      [["a"], "UPSTREAM_UNAVAILABLE", "accounts"],
      [["me"], "UPSTREAM_UNAVAILABLE", "accounts"],
    ]);
  });
});

describe("operations that need composition", () => {
  it("are planned by stitching when they span two remotes", async () => {
    const id = uniqueId();
    const query = '{ user(id: "1") { name } products(limit: 1) { name } }';
    const { body } = await testGateway(id, TWO_REMOTES).graphql(query);
    expect(body).toEqual({ data: { user: { name: "Ada" }, products: [{ name: "Table" }] } });
    const [received] = await upstreamOperations(id, "accounts");
    expect(received?.query).not.toBe(query);
    expect(received?.query).not.toContain("products");
  });

  it("are planned by stitching for a remote with customization (the client uses the gateway's names)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [{ name: "accounts", customization: { typeNames: { prefix: "Acc_" } } }, "products"],
    });
    const query = '{ user(id: "1") { __typename name } }';
    const { body } = await gw.graphql(query);
    expect(body).toEqual({ data: { user: { __typename: "Acc_User", name: "Ada" } } });
    expect((await upstreamOperations(id, "accounts"))[0]?.query).not.toBe(query);
  });

  it("answer introspection of the gateway's schema, not the remote's", async () => {
    const id = uniqueId();
    const { body } = await testGateway(id, TWO_REMOTES).graphql(
      '{ __type(name: "Product") { name } user(id: "1") { name } }',
    );
    expect(body).toEqual({ data: { __type: { name: "Product" }, user: { name: "Ada" } } });
  });
});
