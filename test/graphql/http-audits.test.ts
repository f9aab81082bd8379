/**
 * The GraphQL over HTTP conformance audits of graphql-http (`serverAudits`), each its own test, against
 * the gateway app over one remote fixture (the audits query `{ __typename }`). Every MUST and SHOULD
 * audit must answer `ok`; MAY audits run too and may `warn` (the ones that do are listed below).
 * @see https://graphql.github.io/graphql-over-http/draft/
 */
import { serverAudits } from "graphql-http";
import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

const gw = testGateway(uniqueId("audit"), { remotes: ["accounts"] });

/** graphql-http's fetch: the audit's URL and init, sent to the app in this isolate. */
const fetchFn = (input: string | URL, init?: RequestInit): Promise<Response> => {
  const url = new URL(String(input));
  return gw.fetch(`${url.pathname}${url.search}`, init);
};

const audits = serverAudits({ url: "http://gateway.test/graphql", fetchFn });

describe("GraphQL over HTTP audits (graphql-http serverAudits)", () => {
  it("has graphql-http 1.23.1's full list (61 audits: 13 MUST, 23 SHOULD, 25 MAY)", () => {
    const level = (prefix: string) => audits.filter((audit) => audit.name.startsWith(prefix)).length;
    expect([audits.length, level("MUST "), level("SHOULD ")]).toEqual([61, 13, 23]);
  });

  for (const audit of audits) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn();
      const reason = result.status === "ok" ? "" : `${result.reason} (status ${result.response.status})`;
      if (audit.name.startsWith("MAY")) {
        expect(["ok", "warn", "notice"], reason).toContain(result.status);
      } else {
        expect(result.status, reason).toBe("ok");
      }
    });
  }
});
