/**
 * The type-node helpers every folder shares: the named type of a written type, and the Upload rule that
 * keeps operations with file variables away from the passthrough and the query plans.
 */
import { type OperationDefinitionNode, parse, parseType } from "graphql";
import { describe, expect, it } from "vitest";
import { declaresUploadVariable, namedTypeName } from "../../src/shared";

const operation = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

describe("type nodes", () => {
  it("namedTypeName strips every list and non-null wrapper", () => {
    expect(namedTypeName(parseType("Upload"))).toBe("Upload");
    expect(namedTypeName(parseType("[[Upload!]]!"))).toBe("Upload");
  });

  it("declaresUploadVariable finds an Upload variable at any depth of wrappers, and nothing else", () => {
    expect(declaresUploadVariable(operation("mutation ($f: Upload!) { a(f: $f) }"))).toBe(true);
    expect(declaresUploadVariable(operation("mutation ($x: ID, $fs: [Upload!]!) { a(f: $fs) }"))).toBe(true);
    expect(declaresUploadVariable(operation("query ($u: Uploads, $id: ID!) { a(id: $id) }"))).toBe(false);
    expect(declaresUploadVariable(operation("{ a }"))).toBe(false);
  });
});
