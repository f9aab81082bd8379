import type { Plugin } from "graphql-yoga";

/**
 * Where Yoga's GraphiQL page (graphql-yoga 5.24.1) loads its code from: its stylesheet, its script and
 * the three Monaco editor worker bundles, all under this one versioned CDN folder. Upgrading
 * graphql-yoga may change the version: test/browser/graphiql.test.ts checks every URL of the page
 * against the policy.
 */
export const GRAPHIQL_CDN = "https://unpkg.com/@graphql-yoga/graphiql@4.5.1/";

/** The page's icon, the one image it loads from elsewhere. */
export const GRAPHIQL_FAVICON =
  "https://raw.githubusercontent.com/graphql-hive/graphql-yoga/main/packages/render-graphiql/favicon.ico";

/** The inline scripts of an HTML page (`<script>` elements without `src`), as written. */
function inlineScripts(html: string): string[] {
  const scripts: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc\s*=/i.test(match[1] ?? "")) scripts.push(match[2] ?? "");
  }
  return scripts;
}

/** `'sha256-<base64>'`, a CSP hash source for one inline script (CSP Level 3, section 2.3.1). */
async function hashSource(script: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(script)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

/**
 * The Content-Security-Policy of the GraphiQL page, allowing what that page needs and nothing else:
 * its own inline scripts by hash, the script and stylesheet of {@link GRAPHIQL_CDN}, `fetch` of the
 * worker bundles there and of the GraphQL endpoint itself (`'self'`), workers from the `blob:` URLs
 * the page makes of those bundles, fonts and icons inlined as `data:` in the stylesheet, the favicon,
 * and inline styles (the editor adds `<style>` elements). No plugin, no `<base>`, no form target, and
 * no framing (`frame-ancestors 'none'`, against clickjacking).
 *
 * @param html - the page as rendered (its inline scripts are hashed)
 * @returns the header value
 * @see https://www.w3.org/TR/CSP3/
 */
export async function graphiqlContentSecurityPolicy(html: string): Promise<string> {
  const hashes = await Promise.all(inlineScripts(html).map(hashSource));
  return [
    "default-src 'none'",
    `script-src ${[...hashes, GRAPHIQL_CDN].join(" ")}`,
    `style-src 'unsafe-inline' ${GRAPHIQL_CDN}`,
    "font-src data:",
    `img-src data: ${GRAPHIQL_FAVICON}`,
    `connect-src 'self' ${GRAPHIQL_CDN}`,
    "worker-src blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Yoga plugin: puts a `Content-Security-Policy` ({@link graphiqlContentSecurityPolicy}) on the GraphiQL
 * page, the one `text/html` answer of the GraphQL endpoint; GraphQL answers (JSON) get none. The policy
 * is computed from the page once and kept while the page stays the same.
 *
 * @returns the plugin
 */
export function useGraphiQLContentSecurityPolicy(): Plugin {
  let cached: { html: string; policy: string } | undefined;
  return {
    async onResponse({ response }) {
      if (!response.headers.get("content-type")?.toLowerCase().startsWith("text/html")) return;
      const html = await response.clone().text();
      if (cached?.html !== html) cached = { html, policy: await graphiqlContentSecurityPolicy(html) };
      response.headers.set("content-security-policy", cached.policy);
    },
  };
}
