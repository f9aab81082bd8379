/**
 * Hasura's remote schema customization (typeNames, fieldNames, rootFieldsNamespace) of the accounts
 * remote, next to the products remote.
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

describe("customization: typeNames", () => {
  it("prefixes and suffixes every type but built-in scalars, introspection and root types", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [{ name: "accounts", customization: { typeNames: { prefix: "Acc_", suffix: "_T" } } }, "products"],
    });
    const { body } = await gw.graphql(`{
      me { __typename name role }
      user: __type(name: "Acc_User_T") { name }
      scalar: __type(name: "Acc_DateTime_T") { kind }
      string: __type(name: "String") { name }
      renamedString: __type(name: "Acc_String_T") { name }
      __schema { queryType { name } }
    }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      me: { __typename: "Acc_User_T", name: "Ada", role: "ADMIN" },
      user: { name: "Acc_User_T" },
      scalar: { kind: "SCALAR" },
      string: { name: "String" },
      renamedString: null,
      __schema: { queryType: { name: "Query" } },
    });
  });

  it("maps exact names, winning over the prefix, and keeps input types and variables working", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [
        { name: "accounts", customization: { typeNames: { prefix: "Acc_", mapping: { User: "Member" } } } },
        "products",
      ],
    });
    const { body } = await gw.graphql(
      `query($f: Acc_UserFilter) { users(filter: $f) { __typename name } search(term: "x") { __typename ... on Member { name } ... on Acc_Org { title } } }`,
      { f: { role: "MEMBER" } },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      users: [
        { __typename: "Member", name: "Grace" },
        { __typename: "Member", name: "Linus" },
      ],
      search: [
        { __typename: "Member", name: "Grace" },
        { __typename: "Acc_Org", title: "Initech" },
      ],
    });
  });
});

describe("customization: fieldNames", () => {
  it("renames root fields by prefix and fields of a type by mapping", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [
        {
          name: "accounts",
          customization: {
            fieldNames: [
              { parentType: "Query", prefix: "acc_" },
              { parentType: "User", mapping: { name: "fullName" } },
            ],
          },
        },
        "products",
      ],
    });
    const { body } = await gw.graphql(`{ acc_me { id fullName } acc_user(id: "2") { fullName } products { upc } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      acc_me: { id: "1", fullName: "Ada" },
      acc_user: { fullName: "Grace" },
      products: [{ upc: "p1" }, { upc: "p2" }, { upc: "p3" }],
    });
    const old = await gw.graphql("{ me { id } }");
    expect(old.body.errors?.[0]?.message).toMatch(/Cannot query field "me" on type "Query"/);
  });
});

describe("customization: rootFieldsNamespace", () => {
  it("puts every query and mutation root field under one field", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [{ name: "accounts", customization: { rootFieldsNamespace: "acc" } }, "products"],
    });
    const query = await gw.graphql(`{ acc { me { name } user(id: "3") { name } } products(limit: 1) { upc } }`);
    expect(query.body.errors).toBeUndefined();
    expect(query.body.data).toEqual({
      acc: { me: { name: "Ada" }, user: { name: "Linus" } },
      products: [{ upc: "p1" }],
    });
    const mutation = await gw.graphql(`mutation { acc { rename(id: "2", name: "Hopper") { id name } } }`);
    expect(mutation.body.errors).toBeUndefined();
    expect(mutation.body.data).toEqual({ acc: { rename: { id: "2", name: "Hopper" } } });
    const types = await gw.graphql(
      `{ q: __type(name: "acc_query") { kind } m: __type(name: "acc_mutation") { kind } }`,
    );
    expect(types.body.data).toEqual({ q: { kind: "OBJECT" }, m: { kind: "OBJECT" } });
  });

  it("combines namespace, type and field customization", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [
        {
          name: "accounts",
          customization: {
            rootFieldsNamespace: "acc",
            typeNames: { prefix: "A_" },
            fieldNames: [
              { parentType: "User", suffix: "_x" },
              { parentType: "Node", suffix: "_x" },
              { parentType: "Org", suffix: "_x" },
            ],
          },
        },
        "products",
      ],
    });
    const { body } = await gw.graphql(`{ acc { me { __typename id_x name_x } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ acc: { me: { __typename: "A_User", id_x: "1", name_x: "Ada" } } });
  });
});

describe("customization that breaks the schema", () => {
  it("leaves the remote out with INVALID_CUSTOMIZATION instead of failing requests", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [
        { name: "accounts", customization: { fieldNames: [{ parentType: "User", mapping: { id: "userId" } }] } },
        "products",
      ],
    });
    const { body } = await gw.graphql("{ products(limit: 1) { upc } }");
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ products: [{ upc: "p1" }] });
    const res = await gw.admin("/admin/remotes", "GET");
    const { remotes } = (await res.json()) as {
      remotes: Array<{ name: string; status: string; lastError: { code: string; message: string } | null }>;
    };
    const accounts = remotes.find((r) => r.name === "accounts");
    expect(accounts?.status).toBe("error");
    expect(accounts?.lastError?.code).toBe("INVALID_CUSTOMIZATION");
    expect(accounts?.lastError?.message).toContain("Interface field Node.id expected but User does not provide it");
  });
});
