/**
 * `npm run schema:check` (also run by `npm run check`): composes the gateway schema from
 * schemas/snapshots/*.graphql and schemas/*.graphql with the Worker's composition code, and checks it
 * against the committed schemas/composed.graphql with the deprecation policy (src/lifecycle, the same check
 * the reload guard runs): every change classified breaking / dangerous / safe by graphql-inspector; a
 * removal passes only after the date its deprecation names; other breaking changes only when listed in
 * schemas/allowed-changes.json; every @deprecated reason in the policy's format, new ones dated at least
 * `deprecation.minimumDays` ahead; every trusted document of schemas/documents/*.json still valid. It also
 * fails when schemas/composed.graphql is not the composed schema (the check passed: write it).
 *
 * Usage: node scripts/schema-check.mjs [--write] [--json] [--today YYYY-MM-DD]
 *   --write   writes schemas/composed.graphql when the check passes (commit it)
 *   --json    prints the report as JSON (for CI)
 *   --today   the date the policy counts from (default: today, UTC)
 *   --root    the project directory (default: this repository; for tests)
 * Exit code: 0 when the check passes, 1 when it fails, 2 on a usage error.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildSchema } from "graphql";
import { COMPOSED_FILE, composeFromSnapshots, ROOT, readDocuments } from "./lifecycle.mjs";

/**
 * Runs the check.
 * @param {{ root?: string, write?: boolean, today?: string }} [options]
 * @returns {Promise<{ ok: boolean, summary: string, changes: object[], deprecations: object[], documents: object[], problems: string[], written: boolean, upToDate: boolean }>}
 */
export async function runSchemaCheck(options = {}) {
  const root = options.root ?? ROOT;
  const composed = await composeFromSnapshots({ root });
  const { module, config } = composed;
  const today = options.today ?? module.utcDay();
  const committedPath = join(root, COMPOSED_FILE);
  const committed = existsSync(committedPath) ? readFileSync(committedPath, "utf8") : null;
  const problems = [...composed.problems];
  let previous = null;
  if (committed === null) {
    if (!options.write)
      problems.push(`${COMPOSED_FILE} does not exist yet: run npm run schema:check -- --write and commit it`);
  } else {
    try {
      previous = buildSchema(committed);
    } catch (error) {
      problems.push(`${COMPOSED_FILE} is not a valid schema: ${error.message}`);
    }
  }
  const report = await module.checkSchema(previous, composed.schema, {
    deprecation: config.deprecation,
    today,
    allowedChanges: composed.allowedChanges,
    documents: readDocuments(root),
  });
  const upToDate = committed === composed.sdl;
  const passed = report.ok && problems.length === 0;
  let written = false;
  if (options.write && passed && !upToDate) {
    writeFileSync(committedPath, composed.sdl);
    written = true;
  } else if (passed && !upToDate && !options.write) {
    problems.push(
      `${COMPOSED_FILE} is not the composed schema (the check passed): run npm run schema:check -- --write and commit it`,
    );
  }
  const ok = passed && problems.length === 0;
  const summary = `${ok ? "✔ schema check passed" : "✘ schema check failed"}: ${report.summary.replace(/^(passed|failed): /, "")}${problems.length > 0 ? `, ${problems.length} other problem(s)` : ""}${written ? `; wrote ${COMPOSED_FILE}` : ""}`;
  return { ...report, ok, summary, problems, written, upToDate: upToDate || written, today };
}

/** The report as lines for a terminal. */
export function formatReport(report) {
  const lines = [];
  const mark = (change) => (change.ok ? (change.level === "breaking" ? "✔" : "•") : "✘");
  for (const change of report.changes) {
    lines.push(`  ${mark(change)} ${change.level.padEnd(9)} ${change.type} ${change.path}: ${change.message}`);
    if (change.why) lines.push(`      ${change.why}`);
  }
  if (report.deprecations.length > 0) lines.push("  deprecations:");
  for (const problem of report.deprecations) lines.push(`  ✘ ${problem.coordinate}: ${problem.message}`);
  if (report.documents.length > 0) lines.push("  trusted documents:");
  for (const problem of report.documents) lines.push(`  ✘ ${problem.id} (${problem.source}): ${problem.message}`);
  for (const problem of report.problems) lines.push(`  ✘ ${problem}`);
  lines.push(report.summary);
  return lines;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  let args;
  try {
    args = parseArgs({
      options: {
        write: { type: "boolean" },
        json: { type: "boolean" },
        today: { type: "string" },
        root: { type: "string" },
      },
    }).values;
    if (args.today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(args.today))
      throw new Error("--today must be YYYY-MM-DD");
  } catch (error) {
    console.error(`✘ ${error.message}\nUsage: npm run schema:check [-- --write] [--json] [--today YYYY-MM-DD]`);
    process.exit(2);
  }
  try {
    const report = await runSchemaCheck({ write: args.write, today: args.today, root: args.root });
    if (args.json) console.log(JSON.stringify(report, null, 2));
    else for (const line of formatReport(report)) (report.ok ? console.log : console.error)(line);
    process.exit(report.ok ? 0 : 1);
  } catch (error) {
    const problems = error.problems?.map((problem) => `\n  ${problem.path}: ${problem.message}`).join("") ?? "";
    if (args.json)
      console.log(
        JSON.stringify({ ok: false, summary: `✘ schema check failed: ${error.message}${problems}` }, null, 2),
      );
    else console.error(`✘ schema check failed: ${error.message}${problems}`);
    process.exit(1);
  }
}
