/**
 * CPU cost of authenticating one request (issue 4's closing note): the gateway's own authenticator
 * (src/auth, bundled with esbuild as the Worker bundles it) verifying a JWT and reading its Hasura
 * claims, per algorithm, measured with process.cpuUsage over N calls in Node 20 (WebCrypto; workerd
 * uses BoringSSL for the same primitives). JWKS keys come from a real JWK Set endpoint on loopback,
 * fetched once. "distinct tokens" signs a new token per call (no verification cache can help);
 * "same token" replays one token, as a browser session does.
 *
 * Usage: node bench/auth.mjs [--calls N]   (default 3000 per row)
 */
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { exportJWK, generateKeyPair, SignJWT } from "jose";

const calls = Number(process.argv[process.argv.indexOf("--calls") + 1]) || 3000;
const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = join(root, "node_modules/.cache/junction/auth-module.mjs");
await build({
  stdin: {
    contents: 'export * from "./src/auth/index.ts"; export * from "./src/config/index.ts";',
    resolveDir: root,
    loader: "ts",
  },
  bundle: true,
  packages: "external",
  format: "esm",
  platform: "neutral",
  outfile,
  logLevel: "silent",
});
const { createAuthenticator, AuthSchema } = await import(pathToFileURL(outfile).href);

const SECRET = "bench-secret-0123456789-0123456789-0123456789";
const claims = {
  "https://hasura.io/jwt/claims": {
    "x-hasura-allowed-roles": ["user", "editor"],
    "x-hasura-default-role": "user",
    "x-hasura-user-id": "42",
  },
};
const keys = {};
for (const alg of ["RS256", "ES256", "EdDSA"]) {
  const pair = await generateKeyPair(alg, { extractable: true });
  keys[alg] = { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid: alg, alg } };
}
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=3600" });
  res.end(JSON.stringify({ keys: Object.values(keys).map((k) => k.jwk) }));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const jwksUrl = `http://127.0.0.1:${server.address().port}/jwks`;

const auth = AuthSchema.parse({
  jwt: { jwksUrl, secret: SECRET, algorithms: ["HS256", "RS256", "ES256", "EdDSA"], audience: "bench" },
});
const authenticator = createAuthenticator({ auth });

const sign = (alg, i) =>
  new SignJWT({ ...claims, n: i })
    .setProtectedHeader(alg === "HS256" ? { alg } : { alg, kid: alg })
    .setAudience("bench")
    .setExpirationTime("1h")
    .sign(alg === "HS256" ? new TextEncoder().encode(SECRET) : keys[alg].privateKey);

async function cpuPerCall(tokens) {
  const headers = tokens.map((t) => new Headers(t === null ? {} : { authorization: `Bearer ${t}` }));
  for (let i = 0; i < Math.min(200, headers.length); i++) await authenticator.authenticate(headers[i], undefined); // warm-up
  const start = process.cpuUsage();
  const t0 = performance.now();
  for (const h of headers) await authenticator.authenticate(h, undefined);
  const cpu = process.cpuUsage(start);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / headers.length, wallMs: (performance.now() - t0) / headers.length };
}

const rows = [];
for (const alg of ["HS256", "RS256", "ES256", "EdDSA"]) {
  const distinct = [];
  for (let i = 0; i < calls; i++) distinct.push(await sign(alg, i));
  const one = distinct[0];
  const d = await cpuPerCall(distinct);
  const s = await cpuPerCall(Array(calls).fill(one));
  rows.push({ alg, distinctCpuMs: +d.cpuMs.toFixed(4), sameTokenCpuMs: +s.cpuMs.toFixed(4) });
}
server.close();
console.log(`| algorithm | CPU ms per request, distinct tokens | CPU ms per request, same token |`);
console.log(`|---|---|---|`);
for (const r of rows) console.log(`| ${r.alg} | ${r.distinctCpuMs} | ${r.sameTokenCpuMs} |`);
console.log(`(${calls} calls per cell, Node ${process.version}, ${(await import("node:os")).cpus()[0].model})`);
