/**
 * graphql-armor's limits (docs/security.md "Operation limits"): `limits.maxDepth` (15), `maxAliases`
 * (50), `maxDirectives` (50), `maxTokens` (1000), `maxCost` (20000). An operation over one is refused in
 * parsing or validation, before any upstream call, with HTTP 400 and `extensions { code, limit, max,
 * actual }`; the defaults let GraphiQL's own introspection query through. Regressions for armor's known
 * bypasses: a fragment named like an introspection field, depth through fragments, and fragments that
 * each spread the next twice (linear time).
 */
import { getIntrospectionQuery } from "graphql";
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { stats, uniqueId } from "../helpers";
import { idAliases, passed, refused, tokens, typeChain } from "./setup";

describe("defaults", () => {
  it("let GraphiQL's introspection query through, with and without descriptions and every option", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts", "products"] });
    for (const descriptions of [false, true]) {
      const query = getIntrospectionQuery({
        descriptions,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      });
      const data = passed(await gw.graphql(query));
      expect((data.__schema as { queryType: { name: string } }).queryType.name).toBe("Query");
    }
  });
});

describe("maxDepth", () => {
  it("defaults to 15: an introspection chain 16 deep is refused, 15 runs", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"] });
    refused(await gw.graphql(typeChain(16)), 400, {
      code: "DEPTH_LIMIT_EXCEEDED",
      limit: "maxDepth",
      max: 15,
      actual: 16,
    });
    refused(await gw.graphql(typeChain(18)), 400, { code: "DEPTH_LIMIT_EXCEEDED", max: 15, actual: 18 });
    expect(passed(await gw.graphql(typeChain(15))).__type).toEqual({ ofType: null });
  });

  it("counts depth through fragments, and a fragment named __schema is no bypass", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"], limits: { maxDepth: 4 } });
    // __schema(1) types(2) fields(3) type(4) name(5), through two fragments.
    const viaFragments =
      "{ __schema { ...T } } fragment T on __Schema { types { ...F } } fragment F on __Type { fields { type { name } } }";
    refused(await gw.graphql(viaFragments), 400, { code: "DEPTH_LIMIT_EXCEEDED", max: 4, actual: 5 });
    // Armor once skipped anything named __schema: a fragment so named hides nothing.
    const named = `{ ...__schema } fragment __schema on Query { me { id } ${typeChain(5).slice(1, -1)} }`;
    refused(await gw.graphql(named), 400, { code: "DEPTH_LIMIT_EXCEEDED", max: 4, actual: 5 });
    passed(await gw.graphql(`{ ...__schema } fragment __schema on Query { ${typeChain(4).slice(1, -1)} }`));
    expect((await stats(id, "accounts")).operations).toBe(0);
  });
});

describe("maxAliases", () => {
  it("defaults to 50: 51 aliases are refused, 50 run", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"] });
    refused(await gw.graphql(idAliases(51)), 400, {
      code: "ALIAS_LIMIT_EXCEEDED",
      limit: "maxAliases",
      max: 50,
      actual: 51,
    });
    refused(await gw.graphql(idAliases(100)), 400, { code: "ALIAS_LIMIT_EXCEEDED", actual: 100 });
    expect(passed(await gw.graphql(idAliases(50))).me).toMatchObject({ a0: "1", a49: "1" });
  });
});

describe("maxDirectives", () => {
  it("defaults to 50: 51 directives are refused, 50 run", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"] });
    const directives = (n: number) => `{ ${"__typename @include(if: true) ".repeat(n)}}`;
    refused(await gw.graphql(directives(51)), 400, {
      code: "DIRECTIVE_LIMIT_EXCEEDED",
      limit: "maxDirectives",
      max: 50,
      actual: 51,
    });
    refused(await gw.graphql(directives(60)), 400, { code: "DIRECTIVE_LIMIT_EXCEEDED", actual: 60 });
    expect(passed(await gw.graphql(directives(50))).__typename).toBe("Query");
  });
});

describe("maxTokens", () => {
  it("defaults to 1000: 1001 tokens are refused by the parser, 1000 run", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts"] });
    refused(await gw.graphql(tokens(1001)), 400, {
      code: "TOKEN_LIMIT_EXCEEDED",
      limit: "maxTokens",
      max: 1000,
      actual: 1001,
    });
    // An 18,000-token document: the parser stops at the ceiling.
    refused(await gw.graphql(tokens(18000)), 400, { code: "TOKEN_LIMIT_EXCEEDED", max: 1000 });
    expect((await stats(id, "accounts")).operations).toBe(0);
    expect(passed(await gw.graphql(tokens(1000))).me).toEqual({ id: "1" });
  });
});

describe("maxCost", () => {
  it("refuses an operation over the cost (armor's: objects 2, scalars 1, x1.5 per level), runs one at it", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"], limits: { maxCost: 5 } });
    // me: 2 + 1.5 * (1 + 1) = 5; with a third scalar 6.5.
    passed(await gw.graphql("{ me { id name } }"));
    refused(await gw.graphql("{ me { id name email } }"), 400, {
      code: "COST_LIMIT_EXCEEDED",
      limit: "maxCost",
      max: 5,
      actual: 6.5,
    });
  });

  it("stays linear on fragments that each spread the next twice (cost 2^40 computed in one pass)", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"] });
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Query { __typename }`
        : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    const started = Date.now();
    const res = await gw.graphql(`{ ...F0 } ${fragments.join(" ")}`);
    refused(res, 400, { code: "COST_LIMIT_EXCEEDED", limit: "maxCost", max: 20000 });
    expect(res.body.errors?.[0]?.extensions?.actual as number).toBeGreaterThan(2 ** 30);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
