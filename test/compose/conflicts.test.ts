import { describe, expect, it } from "vitest";
import { remotesOf, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

describe("conflicts between remote schemas (Hasura's rules)", () => {
  it("reports a root field defined by two remotes as one error naming both and the fix; the first remote still serves", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "conflicting"] });
    const { body } = await gw.graphql(`{ user(id: "1") { name } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ user: { name: "Ada" } });

    const { remotes } = await remotesOf(gw);
    expect(remotes.map((r) => [r.name, r.status])).toEqual([
      ["accounts", "ok"],
      ["conflicting", "error"],
    ]);
    const error = remotes[1]?.lastError;
    expect(error?.code).toBe("SCHEMA_CONFLICT");
    expect(error?.message).toContain("Root field Query.user");
    expect(error?.message).toContain('"accounts"');
    expect(error?.message).toContain('"conflicting"');
    expect(error?.message).toContain('"rootFieldsNamespace"');

    const health = await gw.fetch("/healthz");
    expect(await health.json()).toMatchObject({
      status: "degraded",
      remotes: { accounts: "ok", conflicting: "error" },
    });
  });

  it("reports a type with the same name and a different structure, naming the typeNames fix", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [
        "accounts",
        { name: "conflicting", customization: { fieldNames: [{ parentType: "Query", mapping: { user: "login" } }] } },
      ],
    });
    const error = (await remotesOf(gw)).remotes[1]?.lastError;
    expect(error?.code).toBe("SCHEMA_CONFLICT");
    expect(error?.message).toContain("Type User");
    expect(error?.message).toContain("different structure");
    expect(error?.message).toContain('"typeNames"');
  });

  it("composes once the customization resolves both conflicts", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: [
        "accounts",
        {
          name: "conflicting",
          customization: {
            typeNames: { prefix: "C_" },
            fieldNames: [{ parentType: "Query", mapping: { user: "cUser" } }],
          },
        },
      ],
    });
    const { body } = await gw.graphql(`{ user(id: "1") { name } cUser(id: "2") { __typename login } whoami }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      user: { name: "Ada" },
      cUser: { __typename: "C_User", login: "login2" },
      whoami: "conflicting",
    });
    expect((await remotesOf(gw)).remotes.every((r) => r.status === "ok")).toBe(true);
  });

  it("merges types with the same name and identical structure", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });
    const { body } = await gw.graphql(`{ me { role } productRoles }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { role: "ADMIN" }, productRoles: ["ADMIN"] });
    expect((await remotesOf(gw)).remotes.every((r) => r.status === "ok")).toBe(true);
  });
});

describe("large schemas", () => {
  it("composes and serves a remote with 1,200+ types next to another remote", async () => {
    const id = uniqueId();
    const gw = testGateway(id, {
      remotes: ["big", { name: "accounts", customization: { typeNames: { prefix: "A_" } } }],
    });
    const { body } = await gw.graphql(
      `{ t0 { id name } me { name } t: __type(name: "T1199") { name fields { name } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.t0).toEqual({ id: "0", name: "zero" });
    expect(body.data?.me).toEqual({ name: "Ada" });
    expect(body.data?.t).toMatchObject({ name: "T1199" });
    const sdl = await (await gw.admin("/admin/schema", "GET")).text();
    expect(sdl.match(/^type T\d+ /gm)?.length).toBe(1200);
  });
});
