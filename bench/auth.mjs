/**
 * CPU cost of authenticating one request (issue 4's closing note): the gateway's own authenticator
 * (src/auth, bundled with esbuild as the Worker bundles it) verifying a JWT and reading its Hasura
 * claims, per algorithm, measured with process.cpuUsage over N calls in Node 20 (WebCrypto; workerd
 * uses BoringSSL for the same primitives). JWKS keys come from a real JWK Set endpoint on loopback,
 * fetched once. "distinct tokens" signs a new token per call (no verification cache can help);
 * "same token" replays one token, as a browser session does.
 *
 * Then the cost of the role features of issue 19, in the same bundle: building the schema of an
 * inherited role and of a union of active roles (ms, once per role set per isolate), and enforcing
 * `@check`s on an operation with variables, a list and a nested input (µs per request; the walk of
 * an operation without checked arguments is skipped after its first run).
 *
 * Usage: node bench/auth.mjs [--calls N]   (default 3000 per row)
 */
import { createServer } from "node:http";
import { createRequire } from "node:module";
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
// The graphql the bundle imports (the root's; bench/ has its own node_modules): one realm for both.
const { buildSchema, parse } = createRequire(join(root, "package.json"))("graphql");
const { createAuthenticator, AuthSchema, createPermissionSet, enforceRoleChecks, GatewayConfigSchema } = await import(
  pathToFileURL(outfile).href
);

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

// --- Auth webhook (issue 19): a loopback hook answering with max-age=300 -------------------------------
const hook = createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
  res.end(JSON.stringify({ "x-hasura-role": "user", "x-hasura-user-id": req.headers.authorization?.slice(7) ?? "" }));
});
await new Promise((resolve) => hook.listen(0, "127.0.0.1", resolve));
const hooked = createAuthenticator({
  auth: AuthSchema.parse({ webhook: { url: `http://127.0.0.1:${hook.address().port}/auth` } }),
});
async function hookCpu(tokens) {
  const headers = tokens.map((t) => new Headers({ authorization: `Bearer ${t}`, "user-agent": "bench" }));
  const start = process.cpuUsage();
  const t0 = performance.now();
  for (const h of headers) await hooked.authenticate(h, undefined);
  const cpu = process.cpuUsage(start);
  return { cpuMs: (cpu.user + cpu.system) / 1000 / headers.length, wallMs: (performance.now() - t0) / headers.length };
}
const hookCalls = Math.min(calls, 500);
const misses = await hookCpu(Array.from({ length: hookCalls }, (_, i) => `miss-${i}`));
await hookCpu(["hit"]);
const hits = await hookCpu(Array(calls).fill("hit"));
hook.close();
console.log("");
console.log("| auth webhook (loopback hook, max-age=300) | CPU ms per request | wall ms per request |");
console.log("|---|---|---|");
console.log(
  `| cache miss (a hook call each, distinct tokens) | ${misses.cpuMs.toFixed(4)} | ${misses.wallMs.toFixed(3)} |`,
);
console.log(`| cache hit (same token) | ${hits.cpuMs.toFixed(4)} | ${hits.wallMs.toFixed(3)} |`);

// --- Roles and checks (issue 19) -------------------------------------------------------------------
const ORG_SDL = `
type Query { group(name: String!): Group  groups(names: [String!]!): [Group!]!  org(id: ID!): Org  me: User }
type Mutation { createReport(input: ReportInput!): Report }
type Org { id: ID! name: String! group(name: String!): Group }
type Group { name: String! orgId: ID! reports: [Report!]! }
type Report { id: ID! groupName: String! }
type User { id: ID! name: String! }
input ReportInput { groupName: String!  tags: [String!]  scope: ScopeInput }
input ScopeInput { orgId: ID  groupNames: [String!] }
${Array.from({ length: 200 }, (_, i) => `type Filler${i} { id: ID! a: String b: Int }`).join("\n")}
extend type Query { ${Array.from({ length: 200 }, (_, i) => `filler${i}: Filler${i}`).join(" ")} }
`;
const full = buildSchema(ORG_SDL);
const config = GatewayConfigSchema.parse({
  auth: { jwt: { secret: SECRET, algorithms: ["HS256"] } },
  roles: { manager: { inherits: ["user", "group-analyst"] } },
  permissions: {
    user: { app: "type Query { me: User } type User { id: ID! name: String! }" },
    "org-admin": {
      app: `type Query { org(id: ID! @check(eq: "{session.x-hasura-org-id}")): Org }
        type Org { id: ID! name: String! group(name: String!): Group } type Group { name: String! orgId: ID! }`,
    },
    "group-analyst": {
      app: `type Query { group(name: String! @check(in: "{session.x-hasura-group-names}")): Group
          groups(names: [String!]! @check(in: "{session.x-hasura-group-names}")): [Group!]! }
        type Mutation { createReport(input: ReportInput!): Report }
        input ReportInput { groupName: String! @check(in: "{session.x-hasura-group-names}") }
        input ScopeInput { groupNames: [String!] @check(in: "{session.x-hasura-group-names}") }
        type Group { name: String! orgId: ID! reports: [Report!]! } type Report { id: ID! groupName: String! }`,
    },
  },
});
const session = (role, roles) => ({
  source: "jwt",
  role,
  ...(roles === undefined ? {} : { roles }),
  variables: { "x-hasura-role": role, "x-hasura-org-id": "o1", "x-hasura-group-names": "{g1,g2,g3}" },
});
const buildMs = (role, roles) => {
  const { permissions, problems } = createPermissionSet({ config });
  if (problems.length > 0) throw new Error(JSON.stringify(problems));
  const t0 = performance.now();
  const schema = permissions.schemaFor(full, session(role, roles));
  return { ms: performance.now() - t0, schema };
};
const inherited = buildMs("manager");
const union = buildMs("group-analyst,org-admin,user", ["group-analyst", "org-admin", "user"]);
const document = parse(
  `mutation($input: ReportInput!) { a: createReport(input: $input) { id } b: createReport(input: { groupName: "g2", scope: { groupNames: ["g1", "g3"] } }) { id } }`,
);
const query = parse(
  `query($g: String!) { group(name: $g) { name } groups(names: ["g1", "g2"]) { name } org(id: "o1") { name } me { id } }`,
);
const checkUs = (schema, doc, variables) => {
  const s = session("group-analyst,org-admin,user", ["group-analyst", "org-admin", "user"]);
  for (let i = 0; i < 500; i++) enforceRoleChecks(schema, doc, undefined, variables, s);
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) enforceRoleChecks(schema, doc, undefined, variables, s);
  const cpu = process.cpuUsage(start);
  return ((cpu.user + cpu.system) / calls).toFixed(2);
};
// The walk must refuse what it should, or its cost means nothing.
try {
  enforceRoleChecks(union.schema, query, undefined, { g: "g9" }, session("x,y", ["x", "y"]));
  throw new Error("the @check walk let a forbidden group through");
} catch (error) {
  if (error.code !== "FORBIDDEN") throw error;
}
const mutationUs = checkUs(union.schema, document, {
  input: { groupName: "g1", tags: ["x"], scope: { groupNames: ["g2"] } },
});
const queryUs = checkUs(union.schema, query, { g: "g3" });
console.log("");
console.log("| role feature (400-type schema) | cost |");
console.log("|---|---|");
console.log(`| build the schema of an inherited role (2 parents), once per isolate | ${inherited.ms.toFixed(1)} ms |`);
console.log(`| build the schema of a union of 3 active roles, once per isolate | ${union.ms.toFixed(1)} ms |`);
console.log(`| @check walk, query with 4 root fields (variable, list literal, eq) | ${queryUs} µs CPU |`);
console.log(`| @check walk, mutation with 2 nested inputs and lists | ${mutationUs} µs CPU |`);
