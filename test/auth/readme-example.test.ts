/**
 * The README's "Who may do what" example, run as written: its claims, its three permission files and
 * its refused answer are read from README.md itself, so the example cannot drift from what the gateway
 * does. A real loopback remote (kind `integrates`) answers; tokens are HS256 JWTs signed here.
 */
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import readme from "../../README.md?raw";
import { HS_SECRET, hsAuth, ok, testGateway } from "../fixtures/gateways";
import { stats, uniqueId } from "../helpers";

const section = readme.slice(readme.indexOf("## Who may do what"), readme.indexOf("## Performance"));
const blocks = [...section.matchAll(/```(json|graphql)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));
const claims = JSON.parse(blocks[0]?.text ?? "{}") as Record<string, Record<string, unknown>>;
/** `# schemas/permissions/<role>.graphql` comments split the SDL block into files. */
const files = Object.fromEntries(
  (blocks[1]?.text ?? "")
    .split(/^# /m)
    .filter((part) => part.trim() !== "")
    .map((part) => {
      const [path, ...sdl] = part.split("\n");
      return [path?.trim() as string, sdl.join("\n")];
    }),
);
const refusal = JSON.parse(blocks[2]?.text ?? "{}") as { errors: unknown[] };

async function token(extra: Record<string, unknown> = {}): Promise<Record<string, string>> {
  const namespace = Object.keys(claims)[0] as string;
  const jwt = await new SignJWT({ [namespace]: { ...claims[namespace], ...extra } })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(new TextEncoder().encode(HS_SECRET));
  return { authorization: `Bearer ${jwt}` };
}

describe("README: who may do what", () => {
  it("has the claims, three role files and the refusal the test reads", () => {
    expect(Object.keys(files).sort()).toEqual([
      "schemas/permissions/group-analyst.graphql",
      "schemas/permissions/org-admin.graphql",
      "schemas/permissions/user.graphql",
    ]);
    expect(refusal.errors).toHaveLength(1);
  });

  it("runs the allowed query against the union of the three roles, and refuses another group as the README shows", async () => {
    const id = uniqueId("readme");
    const gw = testGateway(id, { remotes: ["integrates"], auth: hsAuth() }, { files });
    const headers = await token();
    const allowed = await gw.graphql('{ me { name } group(name: "alpha") { findings { title } } }', {}, headers);
    expect(ok(allowed)).toEqual({ me: { name: "Ada" }, group: { findings: [{ title: "Finding of alpha" }] } });
    const before = (await stats(id, "integrates")).operations;

    const refused = await gw.graphql('{ me { name } group(name: "gamma") { findings { title } } }', {}, headers);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(refusal);
    // The README's ways around it: a variable with a default, a fragment, an alias; each refused alike.
    const ways = [
      'query($name: String! = "gamma") { me { name } group(name: $name) { name } }',
      '{ ...G me { name } } fragment G on Query { group(name: "gamma") { name } }',
      '{ me { name } g: group(name: "gamma") { name } }',
    ];
    for (const query of ways) {
      const res = await gw.graphql(query, {}, headers);
      expect(res.status, query).toBe(403);
      expect(res.body.errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
    }
    expect(await gw.graphql('{ g: group(name: "gamma") { name } }', {}, headers)).toMatchObject({
      body: { errors: [{ extensions: { path: ["g", "name"] } }] },
    });
    // Nothing refused reached the remote.
    expect((await stats(id, "integrates")).operations).toBe(before);

    // The organization check (eq) and the mutation's input field check.
    expect(ok(await gw.graphql('{ organization(id: "acme") { name } }', {}, headers))).toEqual({
      organization: { name: "Org acme" },
    });
    expect((await gw.graphql('{ organization(id: "other") { name } }', {}, headers)).status).toBe(403);
    const add = 'mutation($g: String!) { addFinding(input: { groupName: $g, title: "XSS" }) { id } }';
    expect(ok(await gw.graphql(add, { g: "beta" }, headers))).toEqual({ addFinding: { id: "beta-2" } });
    const other = await gw.graphql(add, { g: "gamma" }, headers);
    expect(other.status).toBe(403);
    expect(other.body.errors?.[0]?.extensions?.path).toEqual(["addFinding", "input", "groupName"]);
  });

  it("with one active role (x-hasura-role: user) the union is gone: group is not in the schema", async () => {
    const gw = testGateway(uniqueId("readme"), { remotes: ["integrates"], auth: hsAuth() }, { files });
    const res = await gw.graphql(
      '{ group(name: "alpha") { name } }',
      {},
      { ...(await token()), "x-hasura-role": "user" },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toMatch(/Cannot query field "group"/);
    const two = await gw.graphql(
      '{ me { name } group(name: "alpha") { name } }',
      {},
      { ...(await token()), "x-hasura-role": "user,group-analyst" },
    );
    expect(ok(two)).toEqual({ me: { name: "Ada" }, group: { name: "alpha" } });
  });
});
