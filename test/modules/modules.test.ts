/**
 * Modules (docs/modules.md): a module's remotes, services and permissions merged into the project's
 * config before validation, namespaced `<module>_<name>` unless `"namespace": false`, its SDL joining the
 * project's with `@rest(service:)` / `@join(remote:)` of its own upstreams renamed, and every clash named.
 * Real loopback upstreams: the accounts and products remotes and the REST echo service.
 */
import { describe, expect, it } from "vitest";
import type { ModuleBundle } from "../../src/modules";
import { ok, problemsOf, remotesOf, testGateway } from "../fixtures/gateways";
import { remoteUrl, restUrl, uniqueId } from "../helpers";

/** A module bundle as scripts/gen-schema-files.mjs writes it. */
function bundle(dir: string, manifest: Record<string, unknown>, files: Record<string, string> = {}): ModuleBundle {
  return {
    dir,
    entry: dir,
    manifest,
    files: Object.entries(files).map(([name, sdl]) => ({ path: `${dir}/${name}`, sdl })),
  };
}

/** The echo module: a REST service `echo` and a remote `people` (the accounts fixture), joined. */
function echoModule(id: string, extra: Record<string, unknown> = {}): ModuleBundle {
  return bundle(
    "modules/echo",
    {
      services: [
        { name: "echo", url: restUrl(id), endpoints: { user: { method: "GET", path: "/echo/user/{args.id}" } } },
      ],
      remotes: [{ name: "people", url: remoteUrl(id, "accounts") }],
      ...extra,
    },
    {
      "echo.graphql": `
scalar JSON
type EchoCall { method: String! path: String! query: JSON }
extend type Query {
  echoUser(id: ID!): EchoCall @rest(service: "echo", endpoint: "user")
}
extend type EchoCall {
  person: User @join(remote: "people", field: "user", args: { id: "1" })
}
`,
    },
  );
}

describe("modules", () => {
  it("merges a module's service and remote, namespaced, with its SDL's @rest and @join renamed", async () => {
    const id = uniqueId("mod");
    const gw = testGateway(id, { modules: ["modules/echo"], remotes: ["products"] }, { modules: [echoModule(id)] });
    const data = ok(await gw.graphql('{ echoUser(id: "7") { path person { name } } products(limit: 1) { upc } }'));
    expect(data).toEqual({ echoUser: { path: "/echo/user/7", person: { name: "Ada" } }, products: [{ upc: "p1" }] });
    const status = await remotesOf(gw);
    expect(status.remotes.map((remote) => remote.name).sort()).toEqual(["echo_people", "products"]);
  });

  it('keeps the names as written with "namespace": false, and names a clash with the project', async () => {
    const id = uniqueId("mod");
    const plain = testGateway(
      id,
      { modules: ["modules/echo"], remotes: ["products"] },
      { modules: [echoModule(id, { namespace: false })] },
    );
    expect((await remotesOf(plain)).remotes.map((remote) => remote.name).sort()).toEqual(["people", "products"]);
    const clash = testGateway(
      id,
      { modules: ["modules/echo"], remotes: [{ name: "people", url: remoteUrl(id, "products") }] },
      { modules: [echoModule(id, { namespace: false })] },
    );
    const problems = await problemsOf(await clash.fetch("/healthz"));
    expect(problems).toContainEqual({
      path: "modules/echo/module.json $.remotes[0].name",
      message: 'module "echo": remote "people" clashes with a name of schemas/gateway.json',
    });
  });

  it("names the module, both files and the type when a module defines a type the project defines too", async () => {
    const id = uniqueId("mod");
    const gw = testGateway(
      id,
      { modules: ["modules/echo"] },
      { modules: [echoModule(id)], files: { "schemas/own.graphql": "type EchoCall { id: ID! }" } },
    );
    const problems = await problemsOf(await gw.fetch("/healthz"));
    expect(problems).toContainEqual({
      path: "modules/echo/echo.graphql:3:1",
      message:
        "module modules/echo: type EchoCall is defined both in schemas/own.graphql and in modules/echo/echo.graphql",
    });
  });

  it("locates a missing {{env.X}} and a bad entry in the module's module.json", async () => {
    const id = uniqueId("mod");
    const missing = bundle("modules/pay", { services: [{ name: "stripe", url: "{{env.STRIPE_URL}}", endpoints: {} }] });
    const gw = testGateway(id, { modules: ["modules/pay"] }, { modules: [missing] });
    const problems = await problemsOf(await gw.fetch("/healthz"));
    expect(problems.map((problem) => problem.path)).toEqual(["modules/pay/module.json $.services[0].url"]);
    expect(problems[0]?.message).toMatch(/STRIPE_URL/);

    const bad = bundle("modules/pay", { services: [{ name: "stripe", url: "ftp://x", endpoints: {} }], colour: 1 });
    const invalid = testGateway(id, { modules: ["modules/pay"] }, { modules: [bad] });
    expect((await problemsOf(await invalid.fetch("/healthz"))).map((problem) => problem.path)).toEqual([
      "modules/pay/module.json $",
    ]);
  });

  it("refuses a listed module that is not bundled, and two modules of one name", async () => {
    const id = uniqueId("mod");
    const none = testGateway(id, { modules: ["modules/ghost"] }, { modules: [] });
    const problems = await problemsOf(await none.fetch("/healthz"));
    expect(problems[0]?.path).toBe("$.modules[0]");
    expect(problems[0]?.message).toMatch(/modules\/ghost.*not bundled/);
    const twice = testGateway(
      id,
      { modules: ["modules/a", "vendor/a"] },
      { modules: [bundle("modules/a", {}), { ...bundle("vendor/a", {}), entry: "vendor/a" }] },
    );
    expect((await problemsOf(await twice.fetch("/healthz")))[0]?.message).toBe(
      'modules modules/a and vendor/a are both named "a"',
    );
  });

  it("keeps file:line:column of a module's SDL after renaming, and applies the module's permissions by local name", async () => {
    const id = uniqueId("mod");
    const broken = bundle(
      "modules/echo",
      { services: [{ name: "echo", url: restUrl(id), endpoints: {} }] },
      {
        "echo.graphql":
          'type T { a: String }\nextend type Query {\n  x: T @rest(service: "echo", endpoint: "nope")\n}\n',
      },
    );
    const gw = testGateway(id, { modules: ["modules/echo"] }, { modules: [broken] });
    const problems = await problemsOf(await gw.fetch("/healthz"));
    expect(problems[0]?.path).toMatch(/^modules\/echo\/echo\.graphql:3:\d+$/);
    expect(problems[0]?.message).toMatch(/echo_echo/);

    const withRoles = echoModule(id, {
      permissions: { member: { people: "type Query { me: User } type User { id: ID! name: String! }" } },
    });
    const roles = testGateway(
      id,
      {
        modules: ["modules/echo"],
        auth: { jwt: { secret: "junction-auth-tests-hmac-secret-0123456789", algorithms: ["HS256"] } },
      },
      { modules: [withRoles] },
    );
    const admin = await roles.graphql(
      "{ me { name } }",
      {},
      { "x-admin-secret": "test-admin-secret", "x-hasura-role": "member" },
    );
    expect(ok(admin)).toEqual({ me: { name: "Ada" } });
    // users is in the module's remote but not in the member role's SDL.
    const hidden = await roles.graphql(
      "{ users { id } }",
      {},
      { "x-admin-secret": "test-admin-secret", "x-hasura-role": "member" },
    );
    expect(hidden.status).toBe(400);
    expect(hidden.body.errors?.[0]?.message).toMatch(/Cannot query field "users"/);
    expect(ok(await roles.graphql("{ users { id } }", {}, { "x-admin-secret": "test-admin-secret" }))).toEqual({
      users: [{ id: "1" }, { id: "2" }, { id: "3" }],
    });
  });
});
