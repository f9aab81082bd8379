/**
 * Inherited roles (config `roles`) and several active roles at once (issue 19, "Several roles at once,
 * and inherited roles"): what an inherited role sees (introspection and validation), nested inheritance,
 * an inherited role with SDL of its own (it uses only its own), the config problems (cycles, unknown
 * parents, admin, conflicting presets), several active roles from the `x-hasura-role: a,b` header and
 * from the `x-hasura-roles` claim (ROLE_NOT_ALLOWED, INVALID_CLAIMS), the role forwarded upstream, a
 * union whose presets conflict (500 INVALID_PERMISSIONS), admin in a union, and `@check`s in a union.
 * Real upstream: the `orgs` fixture.
 */
import { describe, expect, it } from "vitest";
import { asRole, type Entry, ok, startupProblems } from "../fixtures/gateways";
import { stats, type TestGateway, uniqueId, upstreamOperations } from "../helpers";
import { ANALYST_SDL, analyst, forbidden, orgsGateway, orgsOperations } from "./checks-helpers";

const USER_SDL = "type Query { me: User } type User { id: ID! }";
const AUDITOR_SDL = "type Query { auditLog: [String!]! }";
/** Lists group(name:) without a check. */
const VIEWER_SDL = "type Query { group(name: String!): Group } type Group { name: String! }";
/** Presets org(id:): conflicts with analyst, which lets the caller choose it (under a check). */
const ORG_ADMIN_SDL =
  'type Query { org(id: ID! @preset(value: "x-hasura-org-id")): Org } type Org { id: ID! name: String! }';
/** Lists createReport and ReportInput.groupName without a check. */
const REPORTER_SDL =
  "type Mutation { createReport(input: ReportInput!): Report } type Report { id: ID! } input ReportInput { groupName: String! }";
/** Checks org(id:) against another session variable than analyst does. */
const HOME_SDL = 'type Query { org(id: ID! @check(eq: "{session.x-hasura-home-org}")): Org } type Org { id: ID! }';

const PERMISSIONS = {
  user: USER_SDL,
  auditor: AUDITOR_SDL,
  analyst: ANALYST_SDL,
  viewer: VIEWER_SDL,
  "org-admin": ORG_ADMIN_SDL,
  reporter: REPORTER_SDL,
  home: HOME_SDL,
  lead: USER_SDL,
};
const ROLES = {
  manager: { inherits: ["user", "auditor"] },
  director: { inherits: ["manager", "viewer"] },
  // lead has SDL of its own: it uses only that (Hasura's override).
  lead: { inherits: ["auditor"] },
};

/** The gateway of these tests (test `id`'s orgs remote), with more config keys. */
const rolesGateway = (id: string, more: Entry = {}): TestGateway =>
  orgsGateway(id, PERMISSIONS, { roles: ROLES, ...more });

/** A token allowed `allowed` (first: default), with the analyst's session variables and more claims. */
function token(allowed: string[], claims: Entry = {}): Promise<Record<string, string>> {
  return asRole(allowed[0] as string, "u1", {
    "x-hasura-allowed-roles": allowed,
    "x-hasura-group-names": ["g1", "g2"],
    "x-hasura-org-id": "o1",
    ...claims,
  });
}

/** The Query fields (sorted) and whether Mutation exists, by introspection. */
async function visible(
  gw: TestGateway,
  headers: Record<string, string>,
): Promise<{ query: string[]; mutation: boolean }> {
  const data = ok(
    await gw.graphql("{ __schema { queryType { fields { name } } mutationType { name } } }", undefined, headers),
  ) as { __schema: { queryType: { fields: Array<{ name: string }> }; mutationType: { name: string } | null } };
  return {
    query: data.__schema.queryType.fields.map((field) => field.name).sort(),
    mutation: data.__schema.mutationType !== null,
  };
}

describe("inherited roles", () => {
  it("see what any parent sees, through nested inheritance, and validate against it", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    expect(await visible(gw, await asRole("manager"))).toEqual({ query: ["auditLog", "me"], mutation: false });
    expect(await visible(gw, await asRole("director"))).toEqual({
      query: ["auditLog", "group", "me"],
      mutation: false,
    });
    const manager = await asRole("manager");
    expect(ok(await gw.graphql("{ me { id } auditLog }", undefined, manager))).toEqual({
      me: { id: "u1" },
      auditLog: ["created"],
    });
    const refused = await gw.graphql('{ group(name: "g1") { name } }', undefined, manager);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.message).toMatch(/Cannot query field "group" on type "Query"/);
    expect(ok(await gw.graphql('{ group(name: "any") { name } }', undefined, await asRole("director")))).toEqual({
      group: { name: "any" },
    });
  });

  it("an inherited role with SDL of its own uses only its own", async () => {
    const gw = rolesGateway(uniqueId());
    expect(await visible(gw, await asRole("lead"))).toEqual({ query: ["me"], mutation: false });
  });

  it("cycles, unknown parents and admin in an inheritance are startup problems listing each", async () => {
    const gw = orgsGateway(uniqueId(), PERMISSIONS, {
      roles: {
        a: { inherits: ["b"] },
        b: { inherits: ["a", "user"] },
        c: { inherits: ["user", "nobody"] },
        d: { inherits: ["admin"] },
        admin: { inherits: ["user"] },
      },
    });
    const problems = await startupProblems(gw);
    const text = problems.map((problem) => `${problem.path}: ${problem.message}`).join("\n");
    expect(text).toMatch(/roles\.\w+\.inherits: inherited roles form a cycle: (a -> b -> a|b -> a -> b)/);
    expect(text).toMatch(/roles\.c\.inherits\[1\]: no role "nobody"/);
    expect(text).toMatch(/roles\.d\.inherits\[0\]: admin sees everything/);
    expect(text).toMatch(/roles\.admin: admin sees everything; it cannot inherit roles/);
  });

  it("presets that differ between parents (or one presets and the other lets the caller choose) are a startup problem naming both roles", async () => {
    const gw = orgsGateway(uniqueId(), PERMISSIONS, {
      roles: { mixed: { inherits: ["analyst", "org-admin"] } },
    });
    const problems = await startupProblems(gw);
    expect(problems).toContainEqual({
      path: "$.roles.mixed.inherits",
      message: expect.stringMatching(
        /presets conflict: Query\.org\(id:\): role "analyst" lets the caller choose it, role "org-admin" presets it as @preset\(value: "x-hasura-org-id"\)/,
      ),
    });
  });
});

describe("@check config problems", () => {
  it("a malformed @check, @check with @preset on one argument, or @check on a field is a startup problem located in its SDL", async () => {
    const gw = orgsGateway(uniqueId(), {
      both: 'type Query { group(name: String! @check(in: "{session.x-hasura-group-names}") @preset(value: "g1")): Group } type Group { name: String! }',
      twoOps:
        'type Query { group(name: String! @check(in: "{session.x-hasura-a}", eq: "{session.x-hasura-b}")): Group } type Group { name: String! }',
      noSession: 'type Query { group(name: String! @check(in: "g1")): Group } type Group { name: String! }',
      notHasura: 'type Query { group(name: String! @check(eq: "{session.user}")): Group } type Group { name: String! }',
      onField:
        'type Query { group(name: String!): Group @check(eq: "{session.x-hasura-org-id}") } type Group { name: String! }',
      input: 'input ScopeInput { orgId: ID @check(is: "{session.x-hasura-org-id}") }',
      user: USER_SDL,
    });
    const problems = (await startupProblems(gw)).map((problem) => `${problem.path}: ${problem.message}`);
    const expected: Array<[string, RegExp]> = [
      ["both", /Query\.group\(name:\) has both @preset and @check/],
      ["twoOps", /@check on Query\.group\(name:\) needs exactly one of in: or eq:/],
      ["noSession", /@check on Query\.group\(name:\): in must be "\{session\.x-hasura-\.\.\.\}"/],
      ["notHasura", /@check on Query\.group\(name:\): eq must be "\{session\.x-hasura-\.\.\.\}"/],
      ["onField", /@check on Query\.group: it goes on an argument or an input field, not on a field/],
      ["input", /@check on ScopeInput\.orgId needs exactly one of in: or eq:/],
    ];
    for (const [role, message] of expected) {
      const found = problems.filter((problem) => problem.startsWith(`$.permissions.${role}.orgs: `));
      expect(found.length, `${role}: ${problems.join("\n")}`).toBeGreaterThan(0);
      expect(found.join("\n"), role).toMatch(message);
    }
    expect(problems.some((problem) => problem.includes(".user."))).toBe(false);
  });
});

describe("several active roles", () => {
  it("x-hasura-role: a,b runs against the union and forwards the sorted role names upstream", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const headers = { ...(await token(["user", "auditor", "viewer"])), "x-hasura-role": "user, auditor" };
    expect(await visible(gw, headers)).toEqual({ query: ["auditLog", "me"], mutation: false });
    expect(ok(await gw.graphql("{ me { id } auditLog }", undefined, headers))).toEqual({
      me: { id: "u1" },
      auditLog: ["created"],
    });
    const [sent] = await upstreamOperations(id, "orgs");
    expect(sent?.query).toContain("auditLog");
    expect((await stats(id, "orgs")).lastHeaders["x-hasura-role"]).toBe("auditor,user");
  });

  it("each role of the header must be allowed: 403 ROLE_NOT_ALLOWED naming it", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const res = await gw.graphql("{ me { id } }", undefined, {
      ...(await token(["user", "auditor"])),
      "x-hasura-role": "user,viewer",
    });
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("ROLE_NOT_ALLOWED");
    expect(res.body.errors?.[0]?.message).toContain('"viewer"');
    expect(await orgsOperations(id)).toBe(0);
  });

  it("the x-hasura-roles claim makes several roles active when no header names one; a role outside the allowed ones is 401 INVALID_CLAIMS", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const both = await token(["user", "auditor", "viewer"], { "x-hasura-roles": ["auditor", "user"] });
    expect(await visible(gw, both)).toEqual({ query: ["auditLog", "me"], mutation: false });
    // The header still wins over the claim.
    expect(await visible(gw, { ...both, "x-hasura-role": "viewer" })).toEqual({ query: ["group"], mutation: false });
    const outside = await token(["user"], { "x-hasura-roles": ["user", "auditor"] });
    const res = await gw.graphql("{ me { id } }", undefined, outside);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("INVALID_CLAIMS");
    expect(await orgsOperations(id)).toBe(0);
  });

  it("a union of an inherited role and another role sees what their leaves see", async () => {
    const gw = rolesGateway(uniqueId());
    const headers = { ...(await token(["manager", "viewer"])), "x-hasura-role": "manager,viewer" };
    expect(await visible(gw, headers)).toEqual({ query: ["auditLog", "group", "me"], mutation: false });
  });

  it("a union whose presets conflict is 500 INVALID_PERMISSIONS naming both roles, without an upstream call", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const headers = { ...(await token(["analyst", "org-admin"])), "x-hasura-role": "org-admin,analyst" };
    const res = await gw.graphql('{ org(id: "o1") { id } }', undefined, headers);
    expect(res.status).toBe(500);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("INVALID_PERMISSIONS");
    expect(res.body.errors?.[0]?.message).toMatch(/role "analyst"/);
    expect(res.body.errors?.[0]?.message).toMatch(/role "org-admin"/);
    expect(await orgsOperations(id)).toBe(0);
  });

  it("admin among the active roles sees the whole schema", async () => {
    const gw = rolesGateway(uniqueId());
    const headers = { ...(await token(["user", "admin"])), "x-hasura-role": "user,admin" };
    const seen = await visible(gw, headers);
    expect(seen.mutation).toBe(true);
    expect(seen.query).toEqual(["auditLog", "group", "groups", "me", "org", "orgGroup", "orgs", "reports", "scoped"]);
    expect(ok(await gw.graphql('{ group(name: "g9") { name } }', undefined, headers))).toEqual({
      group: { name: "g9" },
    });
  });
});

describe("several active roles and per-role settings", () => {
  it("introspection disabled for one of the active roles stays disabled for the union", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id, { introspection: { disabledForRoles: ["user"] } });
    const allowed = await token(["user", "auditor"]);
    const query = "{ __schema { queryType { fields { name } } } }";
    expect((await gw.graphql(query, undefined, { ...allowed, "x-hasura-role": "auditor" })).status).toBe(200);
    const alone = await gw.graphql(query, undefined, { ...allowed, "x-hasura-role": "user" });
    expect(alone.status).toBe(400);
    const union = await gw.graphql(query, undefined, { ...allowed, "x-hasura-role": "user,auditor" });
    expect(union.status, JSON.stringify(union.body)).toBe(400);
    expect(union.body.errors?.[0]?.extensions?.code).toBe(alone.body.errors?.[0]?.extensions?.code);
    expect(union.body.data ?? null).toBeNull();
  });

  it("a limit one active role lowers is not raised back by adding another role", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id, { limits: { roles: { user: { maxAliases: 1 } } } });
    const allowed = await token(["user", "auditor"]);
    const query = "{ a: me { id } b: me { id } }";
    const alone = await gw.graphql(query, undefined, { ...allowed, "x-hasura-role": "user" });
    expect(alone.status).toBe(400);
    const union = await gw.graphql(query, undefined, { ...allowed, "x-hasura-role": "user,auditor" });
    expect(union.status, JSON.stringify(union.body)).toBe(400);
    expect(union.body.errors?.[0]?.extensions?.code).toBe(alone.body.errors?.[0]?.extensions?.code);
    expect(await orgsOperations(id)).toBe(0);
  });
});

describe("@check in a union of roles", () => {
  it("an argument one role lists without a check is not checked; an argument every listing role checks is", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const withViewer = { ...(await token(["analyst", "viewer"])), "x-hasura-role": "analyst,viewer" };
    expect(ok(await gw.graphql('{ group(name: "g9") { name } }', undefined, withViewer))).toEqual({
      group: { name: "g9" },
    });
    // groups(names:) is listed by analyst only: still checked.
    await forbidden(await gw.graphql('{ groups(names: ["g9"]) { name } }', undefined, withViewer), [
      "groups",
      "names",
      0,
    ]);
    const withUser = { ...(await token(["analyst", "user"])), "x-hasura-role": "analyst,user" };
    await forbidden(await gw.graphql('{ group(name: "g9") { name } }', undefined, withUser), ["group", "name"]);
    expect(await orgsOperations(id)).toBe(1);
  });

  it("input field checks always apply, even with a role that lists the input field without one", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const headers = { ...(await token(["analyst", "reporter"])), "x-hasura-role": "analyst,reporter" };
    await forbidden(
      await gw.graphql('mutation { createReport(input: { groupName: "g9" }) { id } }', undefined, headers),
      ["createReport", "input", "groupName"],
      id,
    );
    expect(
      ok(await gw.graphql('mutation { createReport(input: { groupName: "g2" }) { id } }', undefined, headers)),
    ).toEqual({ createReport: { id: '{"groupName":"g2"}' } });
  });

  it("a value passes if it passes any role's check", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id);
    const headers = {
      ...(await token(["analyst", "home"], { "x-hasura-home-org": "o7" })),
      "x-hasura-role": "home,analyst",
    };
    expect(ok(await gw.graphql('{ a: org(id: "o1") { id } b: org(id: "o7") { id } }', undefined, headers))).toEqual({
      a: { id: "o1" },
      b: { id: "o7" },
    });
    await forbidden(await gw.graphql('{ org(id: "o9") { id } }', undefined, headers), ["org", "id"]);
    expect(await orgsOperations(id)).toBe(1);
  });

  it("the response cache keeps the answers of a union apart from a single role's", async () => {
    const id = uniqueId();
    const gw = rolesGateway(id, { responseCache: { defaultMaxAge: 60 } });
    const union = { ...(await token(["analyst", "viewer"])), "x-hasura-role": "analyst,viewer" };
    expect(ok(await gw.graphql('{ group(name: "g9") { name } }', undefined, union))).toEqual({ group: { name: "g9" } });
    await forbidden(await gw.graphql('{ group(name: "g9") { name } }', undefined, await analyst()), ["group", "name"]);
    expect(await orgsOperations(id)).toBe(1);
  });
});
