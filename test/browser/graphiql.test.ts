/**
 * GraphiQL's page (docs/security.md, "Requests from browsers"): it carries a Content-Security-Policy
 * that allows what it loads and nothing else; `graphiql: false` turns the page off for everyone (the
 * request is then authenticated like any other).
 */
import { describe, expect, it } from "vitest";
import { asRole, hsAuth, testGateway } from "../fixtures/gateways";
import { type GraphQLBody, stats, uniqueId } from "../helpers";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/** The directives of a Content-Security-Policy value, by name. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(";")
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== "")
      .map((words) => [words[0] as string, words.slice(1)]),
  );
}

/** Whether a CSP source list allows an absolute URL (scheme sources and host/path sources; CSP3 6.7.2). */
const allows = (sources: string[] | undefined, url: string): boolean =>
  (sources ?? []).some((source) => (source.endsWith("/") ? url.startsWith(source) : url === source));

/** `'sha256-...'` of a string, computed here independently of the gateway. */
async function sha256Source(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

describe("GraphiQL's page", () => {
  it("carries a Content-Security-Policy allowing exactly what the page loads; JSON answers carry none", async () => {
    const gw = testGateway(uniqueId(), { remotes: ["accounts"] });
    const page = await gw.fetch("/graphql", { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    const policy = page.headers.get("content-security-policy");
    expect(policy).toBeTruthy();
    const csp = directives(policy ?? "");
    expect(csp.get("default-src")).toEqual(["'none'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'none'"]);
    expect(csp.get("connect-src")).toContain("'self'");
    expect(csp.get("worker-src")).toEqual(["blob:"]);

    // Every inline script by its hash, and no 'unsafe-inline' / 'unsafe-eval' for scripts.
    const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? "");
    expect(inline.length).toBeGreaterThan(0);
    for (const script of inline) expect(csp.get("script-src")).toContain(await sha256Source(script));
    expect(csp.get("script-src")?.some((source) => source.startsWith("'unsafe"))).toBe(false);
    // Every external script, stylesheet, icon and worker bundle the page names.
    const scripts = [...html.matchAll(/<script src=([^\s>]+)>/g)].map((match) => match[1] ?? "");
    const styles = [...html.matchAll(/<link crossorigin rel=stylesheet href=([^\s>]+)>/g)].map((m) => m[1] ?? "");
    const icons = [...html.matchAll(/<link rel=icon href=([^\s>]+)>/g)].map((match) => match[1] ?? "");
    const workers = [...html.matchAll(/"(https:\/\/[^"]+\.js)"/g)].map((match) => match[1] ?? "");
    expect([scripts.length, styles.length, icons.length, workers.length]).toEqual([1, 1, 1, 3]);
    for (const url of scripts) expect(allows(csp.get("script-src"), url), url).toBe(true);
    for (const url of styles) expect(allows(csp.get("style-src"), url), url).toBe(true);
    for (const url of icons) expect(allows(csp.get("img-src"), url), url).toBe(true);
    for (const url of workers) expect(allows(csp.get("connect-src"), url), url).toBe(true);
    // Nothing from the same CDN outside the page's own versioned folder.
    expect(allows(csp.get("script-src"), "https://unpkg.com/evil@1.0.0/x.js")).toBe(false);

    const json = await gw.graphql("{ me { id } }");
    expect(json.status).toBe(200);
    expect(json.headers.get("content-security-policy")).toBeNull();
  });

  it("graphiql: false serves no page, and a browser's GET is authenticated like any request", async () => {
    const strict = { remotes: ["accounts"], auth: hsAuth() };
    // With the page on, the page loads without a token.
    const on = await testGateway(uniqueId(), strict).fetch("/graphql", { headers: { accept: BROWSER_ACCEPT } });
    expect([on.status, on.headers.get("content-type")]).toEqual([200, "text/html"]);

    const id = uniqueId();
    const gw = testGateway(id, { ...strict, graphiql: false });
    const res = await gw.fetch("/graphql", { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as GraphQLBody).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // With a token: still no page (no HTML, no policy).
    const user = await asRole("user", "u-1");
    const withToken = await gw.fetch("/graphql", { headers: { accept: BROWSER_ACCEPT, ...user } });
    expect(withToken.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
    expect(withToken.headers.get("content-security-policy")).toBeNull();
    expect((await stats(id, "accounts")).operations).toBe(0);
  });
});
