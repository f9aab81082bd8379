/**
 * Attempts to get a value past a `@check` (issue 19: "attempts to pass a forbidden group through an
 * alias, a fragment, a default value or a list element"): aliases, fragment spreads, inline fragments,
 * nested fragments, fragments on an interface and its implementation, variable and schema defaults,
 * list elements, the same field twice, a second operation of the same document, @include(if: false),
 * GET requests, batching, the fast lane, and the response cache (one session's allowed answer must not
 * be served to a session whose check fails). Every refusal: 403 FORBIDDEN, nothing sent upstream.
 */
import { describe, expect, it } from "vitest";
import { type Answer, ok } from "../fixtures/gateways";
import { type GraphQLBody, uniqueId } from "../helpers";
import { ANALYST_SDL, analyst, forbidden, orgsGateway, orgsOperations } from "./checks-helpers";

describe("@check: the document's shape does not hide a value", () => {
  it("follows aliases, fragment spreads, inline fragments and nested fragments", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    await forbidden(await gw.graphql('{ mine: group(name: "g3") { name } }', undefined, headers), ["mine", "name"], id);
    await forbidden(
      await gw.graphql('query { ...F } fragment F on Query { g: group(name: "g3") { name } }', undefined, headers),
      ["g", "name"],
      id,
    );
    await forbidden(
      await gw.graphql('{ ... on Query { ... { group(name: "g3") { name } } } }', undefined, headers),
      ["group", "name"],
      id,
    );
    await forbidden(
      await gw.graphql(
        `query ($n: String!) { ...A }
         fragment A on Query { org(id: "o1") { ...B } }
         fragment B on Org { x: group(name: $n) { name } }`,
        { n: "g3" },
        headers,
      ),
      ["org", "x", "name"],
      id,
    );
  });

  it("checks a field selected through an interface and through its implementation", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    expect(ok(await gw.graphql('{ scoped(id: "o1") { group(name: "g1") { name } } }', undefined, headers))).toEqual({
      scoped: { group: { name: "g1" } },
    });
    await forbidden(await gw.graphql('{ scoped(id: "o1") { group(name: "g3") { name } } }', undefined, headers), [
      "scoped",
      "group",
      "name",
    ]);
    await forbidden(
      await gw.graphql('{ scoped(id: "o1") { ... on Org { group(name: "g3") { name } } } }', undefined, headers),
      ["scoped", "group", "name"],
    );
    expect(await orgsOperations(id)).toBe(1);
  });

  it("applies a check written on an interface field's argument to the implementations' field too", async () => {
    const id = uniqueId();
    // The check is on the interface only; Org must list the field (GraphQL asks it), without repeating it.
    const gw = orgsGateway(id, {
      analyst: ANALYST_SDL.replace(
        'type Org implements Scoped { id: ID! name: String! group(name: String! @check(in: "{session.x-hasura-group-names}")): Group }',
        "type Org implements Scoped { id: ID! name: String! group(name: String!): Group }",
      ),
    });
    const headers = await analyst();
    await forbidden(
      await gw.graphql('{ scoped(id: "o1") { ... on Org { group(name: "g3") { name } } } }', undefined, headers),
      ["scoped", "group", "name"],
      id,
    );
    await forbidden(
      await gw.graphql('{ org(id: "o1") { group(name: "g3") { name } } }', undefined, headers),
      ["org", "group", "name"],
      id,
    );
    expect(ok(await gw.graphql('{ org(id: "o1") { group(name: "g2") { name } } }', undefined, headers))).toEqual({
      org: { group: { name: "g2" } },
    });
  });

  it("applies a check written on an implementation's field argument when the field is selected through the interface", async () => {
    const id = uniqueId();
    // The check is on Org.group only; Scoped.group (which Org implements) lists the argument without one.
    const gw = orgsGateway(id, {
      analyst: ANALYST_SDL.replace(
        'interface Scoped { group(name: String! @check(in: "{session.x-hasura-group-names}")): Group }',
        "interface Scoped { group(name: String!): Group }",
      ),
    });
    const headers = await analyst();
    await forbidden(
      await gw.graphql('{ scoped(id: "o1") { group(name: "g3") { name } } }', undefined, headers),
      ["scoped", "group", "name"],
      id,
    );
    expect(ok(await gw.graphql('{ scoped(id: "o1") { group(name: "g1") { name } } }', undefined, headers))).toEqual({
      scoped: { group: { name: "g1" } },
    });
  });

  it("with the response cache on, keys an answer selected through an interface by the implementation's check variables", async () => {
    const id = uniqueId();
    const gw = orgsGateway(
      id,
      {
        analyst: ANALYST_SDL.replace(
          'interface Scoped { group(name: String! @check(in: "{session.x-hasura-group-names}")): Group }',
          "interface Scoped { group(name: String!): Group }",
        ),
      },
      { responseCache: { defaultMaxAge: 60 } },
    );
    const query = '{ scoped(id: "o1") { group(name: "g1") { name } } }';
    expect(ok(await gw.graphql(query, undefined, await analyst()))).toEqual({ scoped: { group: { name: "g1" } } });
    await forbidden(await gw.graphql(query, undefined, await analyst({ "x-hasura-group-names": ["g2"] })), [
      "scoped",
      "group",
      "name",
    ]);
    expect(await orgsOperations(id)).toBe(1);
  });

  it("checks input fields nested in mutually recursive input types (OrgFilter.groups: GroupFilter, GroupFilter.org: OrgFilter)", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    const query = "query ($f: OrgFilter) { orgs(filter: $f) { id } }";
    expect(ok(await gw.graphql(query, { f: { groups: { org: { scope: { orgId: "o1" } } } } }, headers))).toEqual({
      orgs: [{ id: "o1" }],
    });
    await forbidden(await gw.graphql(query, { f: { groups: { org: { scope: { orgId: "o9" } } } } }, headers), [
      "orgs",
      "filter",
      "groups",
      "org",
      "scope",
      "orgId",
    ]);
    await forbidden(
      await gw.graphql(
        query,
        { f: { groups: { name: "x", org: { groups: { org: { scope: { groupNames: ["g0"] } } } } } } },
        headers,
      ),
      ["orgs", "filter", "groups", "org", "groups", "org", "scope", "groupNames", 0],
    );
    expect(await orgsOperations(id)).toBe(1);
  });

  it("checks the same field selected twice with different arguments, and a field under @include(if: false)", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    await forbidden(
      await gw.graphql('{ a: group(name: "g1") { name } b: group(name: "g3") { name } }', undefined, headers),
      ["b", "name"],
      id,
    );
    // Values are checked whatever runs: a skipped field is no way around a check.
    await forbidden(
      await gw.graphql('{ me { id } group(name: "g3") @include(if: false) { name } }', undefined, headers),
      ["group", "name"],
      id,
    );
  });

  it("checks variable defaults, schema defaults and list elements", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    await forbidden(
      await gw.graphql('query ($n: [String!]! = ["g1", "g3"]) { groups(names: $n) { name } }', undefined, headers),
      ["groups", "names", 1],
      id,
    );
    await forbidden(
      await gw.graphql('query ($n: String = "g3") { groups(names: ["g1", $n]) { name } }', undefined, headers),
      ["groups", "names", 1],
      id,
    );
    await forbidden(
      await gw.graphql(
        'query ($s: ScopeInput = { groupNames: ["g2", "g0"] }) { reports(filter: { scope: $s }) { id } }',
        undefined,
        headers,
      ),
      ["reports", "filter", "scope", "groupNames", 1],
      id,
    );
    await forbidden(await gw.graphql("mutation { deleteGroup }", undefined, headers), ["deleteGroup", "name"], id);
  });
  it("checks every operation of a document, whichever was run first", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    const document = 'query Safe { me { id } } query Bad { group(name: "g3") { name } }';
    const run = (operationName: string): Promise<Answer> =>
      gw
        .fetch("/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
          body: JSON.stringify({ query: document, operationName }),
        })
        .then(async (res) => ({ status: res.status, body: (await res.json()) as GraphQLBody }));
    expect(ok(await run("Safe"))).toEqual({ me: { id: "u1" } });
    expect(ok(await run("Safe"))).toEqual({ me: { id: "u1" } });
    const before = await orgsOperations(id);
    await forbidden(await run("Bad"), ["group", "name"]);
    expect(await orgsOperations(id)).toBe(before);
  });
});

describe("@check: every way in", () => {
  it("checks GET requests", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const headers = await analyst();
    const get = async (query: string, variables?: Record<string, unknown>): Promise<Answer> => {
      const params = new URLSearchParams({ query });
      if (variables !== undefined) params.set("variables", JSON.stringify(variables));
      const res = await gw.fetch(`/graphql?${params}`, {
        headers: { accept: "application/graphql-response+json", "x-graphql-csrf": "1", ...headers },
      });
      return { status: res.status, body: (await res.json()) as GraphQLBody };
    };
    await forbidden(await get('{ group(name: "g3") { name } }'), ["group", "name"], id);
    await forbidden(await get("query ($n: String!) { group(name: $n) { name } }", { n: "g3" }), ["group", "name"], id);
    expect(ok(await get('{ group(name: "g1") { name } }'))).toEqual({ group: { name: "g1" } });
  });

  it("runs no batched operation (batching is off: the array is refused whole)", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id);
    const res = await gw.fetch("/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json",
        ...(await analyst()),
      },
      body: JSON.stringify([{ query: '{ group(name: "g1") { name } }' }, { query: '{ group(name: "g3") { name } }' }]),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await orgsOperations(id)).toBe(0);
  });

  it("with the fast lane on, checks a repeated document with other variables and for another session", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id, undefined, { execution: { fastLane: true } });
    const query = "query ($n: String!) { group(name: $n) { name } }";
    const headers = await analyst();
    for (let i = 0; i < 3; i++) {
      expect(ok(await gw.graphql(query, { n: "g1" }, headers))).toEqual({ group: { name: "g1" } });
    }
    const before = await orgsOperations(id);
    await forbidden(await gw.graphql(query, { n: "g3" }, headers), ["group", "name"]);
    const other = await analyst({ "x-hasura-group-names": ["g3"] });
    await forbidden(await gw.graphql(query, { n: "g1" }, other), ["group", "name"]);
    expect(await orgsOperations(id)).toBe(before);
  });

  it("with the response cache on, never serves one session's allowed answer to a session whose check fails", async () => {
    const id = uniqueId();
    const gw = orgsGateway(id, undefined, { responseCache: { defaultMaxAge: 60 } });
    const query = '{ group(name: "g1") { name } }';
    const ask = async (headers: Record<string, string>) => {
      const res = await gw.fetch("/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
        body: JSON.stringify({ query }),
      });
      return { status: res.status, xCache: res.headers.get("x-cache"), body: (await res.json()) as GraphQLBody };
    };
    const member = await analyst();
    const first = await ask(member);
    expect(first.body).toEqual({ data: { group: { name: "g1" } } });
    expect(first.xCache).toBe("MISS");
    expect((await ask(member)).xCache).toBe("HIT");
    // Same role, same document, same (no) variables: only the session's groups differ.
    const outsider = await analyst({ "x-hasura-group-names": ["g2"] });
    await forbidden(await ask(outsider), ["group", "name"]);
    // And the Postgres form of the same list is a session of its own that passes.
    const postgres = await analyst({ "x-hasura-group-names": "{g1}" });
    expect((await ask(postgres)).body).toEqual({ data: { group: { name: "g1" } } });
    expect(await orgsOperations(id)).toBe(2);
  });
});
