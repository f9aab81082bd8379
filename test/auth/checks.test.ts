/**
 * `@check(in: | eq:)` on arguments and input fields of role SDL (issue 19, "Attribute checks on
 * arguments"): values given as variables, literals, nested input fields and list elements; defaults;
 * nulls; mutations; the session list formats (JSON-array claim, Postgres array, plain string); a missing
 * session variable; the path of a refusal; nothing sent upstream on refusal; a preset and a check on
 * the same field. Real upstream: the `orgs` fixture, whose fields echo their arguments.
 */
import { describe, expect, it } from "vitest";
import { ok } from "../fixtures/gateways";
import { uniqueId, upstreamOperations } from "../helpers";
import { analyst, forbidden, orgsGateway, orgsOperations } from "./checks-helpers";

describe("@check on arguments", () => {
  it("lets through values the session allows, as literals and variables", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    expect(ok(await gw.graphql('{ group(name: "g1") { name } }', undefined, headers))).toEqual({
      group: { name: "g1" },
    });
    expect(ok(await gw.graphql("query ($n: String!) { group(name: $n) { name } }", { n: "g2" }, headers))).toEqual({
      group: { name: "g2" },
    });
    expect(ok(await gw.graphql('{ org(id: "o1") { id } }', undefined, headers))).toEqual({ org: { id: "o1" } });
    expect(await orgsOperations(id)).toBe(3);
  });

  it("refuses a literal or a variable outside the session's list with 403 FORBIDDEN at the argument's path, before any upstream call", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    await forbidden(await gw.graphql('{ group(name: "g3") { name } }', undefined, headers), ["group", "name"], id);
    await forbidden(
      await gw.graphql("query ($n: String!) { group(name: $n) { name } }", { n: "g3" }, headers),
      ["group", "name"],
      id,
    );
    await forbidden(await gw.graphql('{ org(id: "o2") { id } }', undefined, headers), ["org", "id"], id);
    const res = await gw.graphql('{ group(name: "g3") { name } }', undefined, headers);
    expect(res.body.errors?.[0]?.message).toBe("The value of Query.group(name:) is not allowed for this session.");
  });

  it("refuses the whole operation when one field fails, even if the others pass", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    await forbidden(
      await gw.graphql(
        '{ me { id } ok: group(name: "g1") { name } bad: group(name: "g9") { name } }',
        undefined,
        await analyst(),
      ),
      ["bad", "name"],
      id,
    );
  });

  it("checks arguments of nested fields, with the field's response path", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    expect(ok(await gw.graphql('{ org(id: "o1") { group(name: "g2") { name orgId } } }', undefined, headers))).toEqual({
      org: { group: { name: "g2", orgId: "o1" } },
    });
    await forbidden(await gw.graphql('{ org(id: "o1") { group(name: "g3") { name } } }', undefined, headers), [
      "org",
      "group",
      "name",
    ]);
    await forbidden(
      await gw.graphql('{ mine: org(id: "o1") { theirs: group(name: "g3") { name } } }', undefined, headers),
      ["mine", "theirs", "name"],
    );
    expect(await orgsOperations(id)).toBe(1);
  });

  it("checks every element of a list argument and names the failing index", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    expect(ok(await gw.graphql('{ groups(names: ["g1", "g2"]) { name } }', undefined, headers))).toEqual({
      groups: [{ name: "g1" }, { name: "g2" }],
    });
    await forbidden(await gw.graphql('{ groups(names: ["g1", "g2", "g7"]) { name } }', undefined, headers), [
      "groups",
      "names",
      2,
    ]);
    await forbidden(
      await gw.graphql("query ($names: [String!]!) { groups(names: $names) { name } }", { names: ["g7"] }, headers),
      ["groups", "names", 0],
    );
    // A single value given for a list argument is coerced to a one-element list (GraphQL input coercion).
    await forbidden(await gw.graphql('{ groups(names: "g7") { name } }', undefined, headers), ["groups", "names", 0]);
    // An empty list has no element to fail.
    expect(ok(await gw.graphql("{ groups(names: []) { name } }", undefined, headers))).toEqual({ groups: [] });
    expect(await orgsOperations(id)).toBe(2);
  });

  it("a null value fails; an optional argument left out is not checked", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    // ScopeInput.orgId is nullable: null is in no list and equals no session variable.
    await forbidden(
      await gw.graphql("{ reports(filter: { scope: { orgId: null } }) { id } }", undefined, headers),
      ["reports", "filter", "scope", "orgId"],
      id,
    );
    await forbidden(
      await gw.graphql("query ($o: ID) { reports(filter: { scope: { orgId: $o } }) { id } }", { o: null }, headers),
      ["reports", "filter", "scope", "orgId"],
      id,
    );
    // Left out at every level: nothing to check.
    const data = ok(
      await gw.graphql("{ a: reports { id } b: reports(filter: { scope: {} }) { id } }", undefined, headers),
    );
    expect(data).toEqual({ a: [{ id: "null" }], b: [{ id: '{"scope":{}}' }] });
    // A variable declared but not given (no default): the input field is absent, not null.
    expect(
      ok(await gw.graphql("query ($o: ID) { reports(filter: { scope: { orgId: $o } }) { id } }", {}, headers)),
    ).toEqual({ reports: [{ id: '{"scope":{}}' }] });
  });

  it("applies a schema argument default and a variable default like any value", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    // deleteGroup(name: String! = "default"): "default" is not among g1, g2.
    await forbidden(await gw.graphql("mutation { deleteGroup }", undefined, headers), ["deleteGroup", "name"], id);
    await forbidden(
      await gw.graphql('query ($n: String! = "g9") { group(name: $n) { name } }', {}, headers),
      ["group", "name"],
      id,
    );
    expect(
      ok(await gw.graphql('query ($n: String! = "g9") { group(name: $n) { name } }', { n: "g1" }, headers)),
    ).toEqual({ group: { name: "g1" } });
    const withDefault = await analyst({ "x-hasura-group-names": ["g1", "default"] });
    expect(ok(await gw.graphql("mutation { deleteGroup }", undefined, withDefault))).toEqual({ deleteGroup: true });
  });
});

describe("@check on input fields", () => {
  it("checks input fields of mutation inputs, nested inputs and lists of inputs, with input field names and indexes in the path", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    const create = "mutation ($input: ReportInput!) { createReport(input: $input) { id groupName } }";
    const allowed = {
      groupName: "g1",
      tags: ["anything"],
      scope: { orgId: "o1", groupNames: ["g2"] },
      targets: [{ orgId: "o1" }, { groupNames: ["g1", "g2"] }],
    };
    const data = ok(await gw.graphql(create, { input: allowed }, headers)) as { createReport: { id: string } };
    expect(JSON.parse(data.createReport.id)).toEqual(allowed);
    await forbidden(await gw.graphql(create, { input: { ...allowed, groupName: "g3" } }, headers), [
      "createReport",
      "input",
      "groupName",
    ]);
    await forbidden(await gw.graphql(create, { input: { ...allowed, scope: { orgId: "o2" } } }, headers), [
      "createReport",
      "input",
      "scope",
      "orgId",
    ]);
    await forbidden(
      await gw.graphql(create, { input: { ...allowed, scope: { groupNames: ["g1", "g2", "g3"] } } }, headers),
      ["createReport", "input", "scope", "groupNames", 2],
    );
    await forbidden(
      await gw.graphql(create, { input: { ...allowed, targets: [{ orgId: "o1" }, { groupNames: ["g5"] }] } }, headers),
      ["createReport", "input", "targets", 1, "groupNames", 0],
    );
    // The same as literals.
    await forbidden(
      await gw.graphql(
        'mutation { r: createReport(input: { groupName: "g1", targets: [{ orgId: "o1" }, { orgId: "o9" }] }) { id } }',
        undefined,
        headers,
      ),
      ["r", "input", "targets", 1, "orgId"],
    );
    expect(await orgsOperations(id)).toBe(1);
  });

  it("checks an input field through a query argument's input object (reports(filter: { scope }))", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    expect(
      ok(
        await gw.graphql(
          '{ reports(filter: { scope: { orgId: "o1", groupNames: ["g1"] } }) { id } }',
          undefined,
          headers,
        ),
      ),
    ).toEqual({ reports: [{ id: '{"scope":{"orgId":"o1","groupNames":["g1"]}}' }] });
    await forbidden(
      await gw.graphql(
        "query ($f: ReportFilter) { reports(filter: $f) { id } }",
        { f: { scope: { groupNames: ["g0"] } } },
        headers,
      ),
      ["reports", "filter", "scope", "groupNames", 0],
    );
    expect(await orgsOperations(id)).toBe(1);
  });
});

describe("session list formats and missing variables", () => {
  it("reads a JSON-array claim, a Postgres array literal (quoted elements too) and a plain string as lists", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const query = "query ($n: String!) { group(name: $n) { name } }";
    const postgres = await analyst({ "x-hasura-group-names": '{g1,"team b","x,y"}' });
    expect(ok(await gw.graphql(query, { n: "team b" }, postgres))).toEqual({ group: { name: "team b" } });
    expect(ok(await gw.graphql(query, { n: "x,y" }, postgres))).toEqual({ group: { name: "x,y" } });
    await forbidden(await gw.graphql(query, { n: "x" }, postgres), ["group", "name"]);
    await forbidden(await gw.graphql(query, { n: '"team b"' }, postgres), ["group", "name"]);
    const plain = await analyst({ "x-hasura-group-names": "g1" });
    expect(ok(await gw.graphql(query, { n: "g1" }, plain))).toEqual({ group: { name: "g1" } });
    await forbidden(await gw.graphql(query, { n: "g" }, plain), ["group", "name"]);
    const json = await analyst({ "x-hasura-group-names": ["a b", "c"] });
    expect(ok(await gw.graphql(query, { n: "a b" }, json))).toEqual({ group: { name: "a b" } });
    // The JSON text of the list itself is not an element.
    await forbidden(await gw.graphql(query, { n: '["a b","c"]' }, json), ["group", "name"]);
  });

  it("eq compares text; a missing session variable fails the check (403), never lets it through", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const noOrg = await analyst({ "x-hasura-org-id": undefined });
    await forbidden(await gw.graphql('{ org(id: "o1") { id } }', undefined, noOrg), ["org", "id"], id);
    const noGroups = await analyst({ "x-hasura-group-names": undefined });
    await forbidden(await gw.graphql('{ group(name: "") { name } }', undefined, noGroups), ["group", "name"], id);
    // eq is not "in": a list-valued variable is compared as its text.
    const listOrg = await analyst({ "x-hasura-org-id": ["o1"] });
    await forbidden(await gw.graphql('{ org(id: "o1") { id } }', undefined, listOrg), ["org", "id"], id);
  });
});

describe("@check with @preset", () => {
  it("fills the preset argument and checks the other one of the same field", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    expect(ok(await gw.graphql('{ orgGroup(name: "g2") { name orgId } }', undefined, headers))).toEqual({
      orgGroup: { name: "g2", orgId: "o1" },
    });
    const [sent] = await upstreamOperations(id, "orgs");
    expect(sent?.variables).toEqual({ orgId: "o1", name: "g2" });
    await forbidden(await gw.graphql('{ orgGroup(name: "g3") { name } }', undefined, headers), ["orgGroup", "name"]);
    expect(await orgsOperations(id)).toBe(1);
  });
});
