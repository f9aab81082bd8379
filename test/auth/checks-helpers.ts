/**
 * The setup of the @check tests (test/auth/checks*.test.ts, roles.test.ts): the `orgs` fixture remote
 * (its fields echo their arguments), role SDL with `@check`s, tokens whose claims carry the group and
 * organization session variables, and the assertion of a refusal (403 FORBIDDEN at a path, nothing sent
 * upstream).
 */
import { expect } from "vitest";
import { type Answer, asRole, type Entry, hsAuth, testGateway } from "../fixtures/gateways";
import { stats, type TestGateway } from "../helpers";

/** The analyst role: groups and organizations checked against the session, reports by scope. */
export const ANALYST_SDL = `
type Query {
  group(name: String! @check(in: "{session.x-hasura-group-names}")): Group
  groups(names: [String!]! @check(in: "{session.x-hasura-group-names}")): [Group!]!
  org(id: ID! @check(eq: "{session.x-hasura-org-id}")): Org
  orgGroup(orgId: ID! @preset(value: "x-hasura-org-id"), name: String! @check(in: "{session.x-hasura-group-names}")): Group
  scoped(id: ID! @check(eq: "{session.x-hasura-org-id}")): Scoped
  orgs(filter: OrgFilter): [Org!]!
  reports(filter: ReportFilter): [Report!]!
  me: User
}
type Mutation {
  createReport(input: ReportInput!): Report
  deleteGroup(name: String! @check(in: "{session.x-hasura-group-names}")): Boolean
}
interface Scoped { group(name: String! @check(in: "{session.x-hasura-group-names}")): Group }
type Org implements Scoped { id: ID! name: String! group(name: String! @check(in: "{session.x-hasura-group-names}")): Group }
type Group { name: String! orgId: ID! }
type Report { id: ID! groupName: String! }
type User { id: ID! }
input ReportInput { groupName: String! @check(in: "{session.x-hasura-group-names}") }
input ScopeInput {
  orgId: ID @check(eq: "{session.x-hasura-org-id}")
  groupNames: [String!] @check(in: "{session.x-hasura-group-names}")
}
`;

/** A gateway over test `id`'s orgs remote with JWT auth and the roles given (role -> SDL for orgs). */
export function orgsGateway(
  id: string,
  permissions: Record<string, string> = { analyst: ANALYST_SDL },
  more: Entry = {},
): TestGateway {
  return testGateway(id, {
    remotes: ["orgs"],
    auth: hsAuth(),
    permissions: Object.fromEntries(Object.entries(permissions).map(([role, sdl]) => [role, { orgs: sdl }])),
    ...more,
  });
}

/** The analyst's token: member of groups g1 and g2 (a JSON-array claim), of organization o1; more claims win. */
export function analyst(claims: Entry = {}): Promise<Record<string, string>> {
  return asRole("analyst", "u1", { "x-hasura-group-names": ["g1", "g2"], "x-hasura-org-id": "o1", ...claims });
}

/** How many operations test `id`'s orgs remote has received. */
export async function orgsOperations(id: string): Promise<number> {
  return (await stats(id, "orgs")).operations;
}

/**
 * Asserts a refusal by a check: 403, no data, one error FORBIDDEN at `path`, and (with `id`) that the
 * orgs remote received no operation.
 */
export async function forbidden(res: Answer, path: Array<string | number>, id?: string, label = ""): Promise<void> {
  const text = `${label} ${res.status} ${JSON.stringify(res.body)}`;
  expect(res.status, text).toBe(403);
  expect(res.body.data ?? null, text).toBeNull();
  expect(res.body.errors?.length, text).toBe(1);
  expect(res.body.errors?.[0]?.extensions?.code, text).toBe("FORBIDDEN");
  expect(res.body.errors?.[0]?.extensions?.path, text).toEqual(path);
  if (id !== undefined) expect(await orgsOperations(id), `${label}: upstream operations`).toBe(0);
}
