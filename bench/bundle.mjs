/**
 * What the deployed Worker bundles and why: builds src/index.ts the way `wrangler deploy --minify` does
 * (esbuild, ESM, target es2024, the workerd/worker/browser conditions, keepNames as wrangler's default,
 * NODE_ENV "production", wrangler.toml's [alias]) with esbuild's metafile, and prints the gzip size, the
 * packages and files by output bytes, and why the biggest packages are in (their first importer).
 *
 *   npm run bench:bundle                # summary: gzip, top packages, top files
 *   npm run bench:bundle -- --top 40    # more rows
 *   npm run bench:bundle -- --json      # the breakdown as JSON (what bench/run.mjs stores)
 *   npm run bench:bundle -- --wrangler  # also wrangler's dry run, for comparison
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { parse } from "smol-toml";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * esbuild options that reproduce wrangler 4.86's deploy bundle (wrangler-dist/cli.js, `buildOptions`):
 * target es2024, `.js` loaded as jsx, conditions workerd/worker/browser, platform browser, keepNames
 * (wrangler.toml `keep_names`, default true), the NODE_ENV defines, and wrangler.toml's [alias] resolved
 * from the project root. No node compat plugin: wrangler.toml sets no `nodejs_compat` flag.
 */
export function wranglerLikeOptions() {
  const toml = parse(readFileSync(join(ROOT, "wrangler.toml"), "utf8"));
  const alias = Object.fromEntries(
    Object.entries(toml.alias ?? {}).map(([from, to]) => [from, join(ROOT, String(to))]),
  );
  const production = JSON.stringify("production");
  return {
    entryPoints: [join(ROOT, String(toml.main))],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: join(ROOT, "dist/bench/metafile"),
    format: "esm",
    target: "es2024",
    supported: { "import-source": true },
    loader: { ".js": "jsx", ".mjs": "jsx", ".cjs": "jsx" },
    platform: "browser", // esbuild's default, which wrangler keeps: package.json "browser" maps apply
    mainFields: ["browser", "module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "__STATIC_CONTENT_MANIFEST"],
    alias,
    keepNames: toml.keep_names ?? true,
    minify: true,
    metafile: true,
    define: {
      "process.env.NODE_ENV": production,
      "global.process.env.NODE_ENV": production,
      "globalThis.process.env.NODE_ENV": production,
    },
    logLevel: "error",
  };
}

/** `node_modules/@scope/name/...` → `@scope/name`; anything else → `src` or its top folder. */
function packageOf(path) {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0) return path.startsWith("src/") ? `src/${path.split("/")[1]}` : path.split("/")[0];
  const rest = path.slice(at + "node_modules/".length).split("/");
  return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
}

/** The installed version of the package an input path belongs to (its nearest package.json with a name). */
function versionOf(path) {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0) return "";
  const rest = path.slice(at + "node_modules/".length).split("/");
  const dir = path.slice(0, at + "node_modules/".length) + rest.slice(0, rest[0].startsWith("@") ? 2 : 1).join("/");
  try {
    return JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")).version ?? "";
  } catch {
    return "";
  }
}

/**
 * Builds the Worker with esbuild's metafile and sums the output bytes (minified, before gzip) per package
 * and per input file.
 * @returns `{ bytes, gzipBytes, gzipKiB, packages: [{ name, versions, bytes, files, importedBy }], files: [{ path, bytes }] }`
 */
export async function bundleBreakdown() {
  // wrangler.toml's [build] command writes src/generated/ before every bundle.
  const gen = spawnSync("node", ["scripts/gen-schema-files.mjs"], { cwd: ROOT, encoding: "utf8" });
  if (gen.status !== 0) throw new Error(gen.stderr || gen.stdout);
  const result = await build(wranglerLikeOptions());
  const out = result.outputFiles.find((f) => f.path.endsWith(".js"));
  const meta = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
  const packages = new Map();
  const files = [];
  for (const [path, { bytesInOutput }] of Object.entries(meta.inputs)) {
    files.push({ path, bytes: bytesInOutput });
    const name = packageOf(path);
    const entry = packages.get(name) ?? { name, versions: new Set(), bytes: 0, files: 0, importedBy: new Set() };
    entry.bytes += bytesInOutput;
    entry.files += 1;
    const version = versionOf(path);
    if (version) entry.versions.add(version);
    packages.set(name, entry);
  }
  // Why a package is in: the packages (or src folders) that import it.
  for (const [path, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      const target = packages.get(packageOf(imp.path));
      if (target && packageOf(path) !== target.name) target.importedBy.add(packageOf(path));
    }
  }
  const gzipBytes = gzipSync(out.contents).length;
  return {
    bytes: out.contents.length,
    gzipBytes,
    gzipKiB: +(gzipBytes / 1024).toFixed(1),
    packages: [...packages.values()]
      .map((p) => ({ ...p, versions: [...p.versions], importedBy: [...p.importedBy].sort() }))
      .sort((a, b) => b.bytes - a.bytes),
    files: files.sort((a, b) => b.bytes - a.bytes),
  };
}

/** The breakdown as markdown tables (top `top` packages and files). */
export function breakdownTable(b, top = 25) {
  const kib = (n) => (n / 1024).toFixed(1);
  const lines = [
    `esbuild metafile: ${b.gzipKiB} KiB gzip, ${kib(b.bytes)} KiB minified (${b.bytes} bytes)`,
    "",
    "| package | versions | minified KiB | share | files | imported by |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const p of b.packages.slice(0, top))
    lines.push(
      `| ${p.name} | ${p.versions.join(", ")} | ${kib(p.bytes)} | ${((100 * p.bytes) / b.bytes).toFixed(1)}% | ${p.files} | ${p.importedBy.slice(0, 4).join(", ")}${p.importedBy.length > 4 ? ", ..." : ""} |`,
    );
  lines.push("", "| file | minified KiB |", "| --- | --- |");
  for (const f of b.files.slice(0, top)) lines.push(`| ${f.path} | ${kib(f.bytes)} |`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const top = args.includes("--top") ? Number(args[args.indexOf("--top") + 1]) : 25;
  const b = await bundleBreakdown();
  if (args.includes("--json")) console.log(JSON.stringify(b, null, 2));
  else console.log(breakdownTable(b, top));
  if (args.includes("--wrangler")) {
    const { bundleSize } = await import("./lib.mjs");
    const w = bundleSize();
    console.log(`\nwrangler deploy --dry-run --minify: ${w.gzipKiB} KiB gzip (${w.bytes} bytes raw)`);
  }
}
