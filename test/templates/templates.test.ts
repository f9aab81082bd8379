/**
 * The template functions' fail-closed rules (docs/rest.md "Templates"), as pure functions: query values
 * keep `""`, a `{session.x}` without a value throws MISSING_SESSION_VARIABLE, a path segment that renders
 * empty, `.` or `..` (also spelled `%2e`) throws INVALID_ARGUMENT.
 */
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../src/errors";
import { renderPathTemplate, renderQueryValues, renderTemplate, type TemplateScope } from "../../src/templates";

/** The code of the GatewayError `run` throws. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof GatewayError ? error.code : `not a GatewayError: ${String(error)}`;
  }
  return undefined;
}

const scope = (args: Record<string, unknown>, session: Record<string, unknown> = {}): TemplateScope => ({
  args,
  session,
});

describe("renderQueryValues", () => {
  it('keeps "" and omits undefined and null, also inside lists', () => {
    expect(renderQueryValues("{args.userId}", scope({ userId: "" }))).toEqual([""]);
    expect(renderQueryValues("{args.userId}", scope({}))).toEqual([]);
    expect(renderQueryValues("{args.userId}", scope({ userId: null }))).toEqual([]);
    expect(renderQueryValues("{args.ids}", scope({ ids: ["a", "", null, "b"] }))).toEqual(["a", "", "b"]);
  });
});

describe("{session.x}", () => {
  it("without a value throws MISSING_SESSION_VARIABLE (text, query value, path)", () => {
    expect(codeOf(() => renderTemplate("user:{session.user-id}", scope({})))).toBe("MISSING_SESSION_VARIABLE");
    expect(codeOf(() => renderQueryValues("{session.user-id}", scope({})))).toBe("MISSING_SESSION_VARIABLE");
    expect(codeOf(() => renderPathTemplate("/u/{session.user-id}", scope({}, { "user-id": null })))).toBe(
      "MISSING_SESSION_VARIABLE",
    );
    expect(renderTemplate("user:{session.user-id}", scope({}, { "user-id": "" }))).toBe("user:");
  });
});

describe("renderPathTemplate", () => {
  it("refuses a segment that renders empty, . or .. (also %2e spellings made with the template's text)", () => {
    for (const id of ["", ".", "..", undefined, null]) {
      expect(
        codeOf(() => renderPathTemplate("/orders/{args.id}", scope({ id }))),
        String(id),
      ).toBe("INVALID_ARGUMENT");
    }
    expect(codeOf(() => renderPathTemplate("/orders/%2e{args.id}", scope({ id: "." })))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => renderPathTemplate("/orders/.{args.id}", scope({ id: "." })))).toBe("INVALID_ARGUMENT");
  });

  it("encodes values so that / and %2e%2e stay inside one ordinary segment", () => {
    expect(renderPathTemplate("/orders/{args.id}/items", scope({ id: "a/../b" }))).toBe("/orders/a%2F..%2Fb/items");
    expect(renderPathTemplate("/orders/{args.id}", scope({ id: "%2e%2e" }))).toBe("/orders/%252e%252e");
    expect(renderPathTemplate("/orders/{args.a}.{args.b}", scope({ a: "x", b: "json" }))).toBe("/orders/x.json");
  });
});
