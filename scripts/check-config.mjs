/**
 * Validates schemas/gateway.json against the gateway's config schema (src/config, zod) and checks
 * that schemas/gateway.schema.json is up to date. Runs as wrangler's custom build step, so
 * `wrangler deploy --dry-run` (npm run check), `wrangler deploy` and `wrangler dev` fail on a bad config.
 * It also checks schemas/**\/*.graphql: REST fields against the services (@rest targets, template
 * arguments) and the syntax of role permission files (schemas/permissions/<role>.graphql).
 * `{{env.X}}` references are checked for syntax only: variables and secrets are known at run time.
 * The `rateLimits` rules are checked against the `[[ratelimits]]` bindings of wrangler.toml (declared,
 * same limit and period; see check-rate-limits.mjs), the service bindings of remotes and services
 * (`binding`) against its `[[services]]` (declared; see check-service-bindings.mjs), and `events.triggers`
 * against its queue and service bindings (check-trigger-bindings.mjs).
 *
 * Usage: node scripts/check-config.mjs [path/to/gateway.json] [--wrangler path/to/wrangler.toml]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { rateLimitProblems } from "./check-rate-limits.mjs";
import { bindingReferences, serviceBindingProblems } from "./check-service-bindings.mjs";
import { triggerBindingProblems } from "./check-trigger-bindings.mjs";
import { readModules, readSchemaFiles } from "./gen-schema-files.mjs";
import { loadConfigModule } from "./load-config-module.mjs";
import { readWranglerToml } from "./wrangler-toml.mjs";

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { wrangler: { type: "string", default: "wrangler.toml" } },
});
const path = positionals[0] ?? "schemas/gateway.json";
let raw;
try {
  raw = JSON.parse(readFileSync(path, "utf8"));
} catch (error) {
  console.error(`✘ ${path}: ${error.message}`);
  process.exit(1);
}
const { checkConfigStructure, GatewayConfigSchema, buildSchemaFiles, ConfigError, applyModules } =
  await loadConfigModule();
// The modules the config lists, merged in as the Worker merges them (their SDL joins schemas/*.graphql).
let schemaFiles = readSchemaFiles();
/** Points a problem of a module's entry at its module.json (identity without modules). */
let locate = (problem) => problem;
if (path === "schemas/gateway.json") {
  try {
    const applied = applyModules(raw, readModules(), schemaFiles);
    raw = applied.config;
    schemaFiles = applied.schemaFiles;
    locate = applied.locate;
  } catch (error) {
    const list = error instanceof ConfigError ? error.problems : [{ path: "modules", message: error.message }];
    console.error("✘ the modules of schemas/gateway.json are invalid:");
    for (const problem of list) console.error(`  ${problem.path}: ${problem.message}`);
    process.exit(1);
  }
}
let problems = checkConfigStructure(raw);
if (problems.length === 0) {
  // The rules against the bindings that count them: declared in wrangler.toml, same limit and period;
  // the service bindings of remotes and services: declared in wrangler.toml; the triggers' queue and bindings.
  const parsed = GatewayConfigSchema.parse(raw);
  const { rateLimits, events } = parsed;
  const services = bindingReferences(parsed);
  let wrangler = "";
  try {
    wrangler = readFileSync(options.wrangler, "utf8");
  } catch (error) {
    if (rateLimits.length > 0 || services.length > 0 || events.triggers.length > 0)
      problems = [{ path: options.wrangler, message: error.message }];
  }
  // Not TOML at all: one problem, not one per check that reads the file.
  const toml = problems.length === 0 && wrangler !== "" ? readWranglerToml(wrangler, options.wrangler) : undefined;
  if (toml !== undefined && "problem" in toml) problems = [toml.problem];
  if (problems.length === 0) {
    problems = [
      ...rateLimitProblems(rateLimits, wrangler, options.wrangler),
      ...serviceBindingProblems(services, wrangler, options.wrangler).map(locate),
      ...triggerBindingProblems(events.triggers, wrangler, options.wrangler).map(locate),
    ];
  }
}
if (problems.length === 0 && path === "schemas/gateway.json") {
  // The SDL files against the services (unknown service/endpoint, missing arguments) and the role
  // permission files (syntax), each problem located as file:line:column.
  const config = GatewayConfigSchema.parse(raw);
  try {
    buildSchemaFiles(config, schemaFiles);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
}
if (problems.length > 0) {
  console.error(`✘ ${path === "schemas/gateway.json" ? "the gateway config or schemas/*.graphql" : path} is invalid:`);
  for (const problem of problems) console.error(`  ${problem.path}: ${problem.message}`);
  process.exit(1);
}
const { z } = await import("zod");
const schemaPath = "schemas/gateway.schema.json";
const expected = `${JSON.stringify(z.toJSONSchema(GatewayConfigSchema, { io: "input" }), null, 2)}\n`;
let current = "";
try {
  current = readFileSync(schemaPath, "utf8");
} catch {}
if (path === "schemas/gateway.json" && current !== expected) {
  console.error(`✘ ${schemaPath} is out of date: run npm run gen:schema`);
  process.exit(1);
}
console.log(`✔ ${path} is valid`);
