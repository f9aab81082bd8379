/**
 * Checks the layering rule of src/: folders import each other only through their `index.ts`, and no
 * import cycle runs between folders (type-only imports included).
 *
 * Every relative import of every .ts file under the root (src/generated/ skipped as an importer) is
 * listed with TypeScript's own pre-processor (`import`, `import type`, `export ... from`, `import()`,
 * `require()`), resolved to a file (`./x` -> `x.ts` or `x/index.ts`; `.json` files are files too),
 * and checked against two rules. C below is the deepest common directory of the importer A and the
 * imported file B.
 * 1. Deep imports: when B is not directly inside C, the path from C down to B enters a directory D;
 *    B must then be `D/index.ts`.
 * 2. Cycles between folders: the import is an edge from the child of C holding A to the child of C
 *    holding B (each a directory or a file directly in C). A strongly connected component with at
 *    least one directory in it is a cycle between folders. Edges between two plain files of one
 *    directory count only as links inside such a cycle (dir -> a.ts -> b.ts -> dir); a cycle made of
 *    plain files alone is not reported.
 *
 * Usage: node scripts/check-layers.mjs [--root <dir>]   (default: this repository's src/)
 * Exit code: 0 when the layers are clean, 1 when there is a problem, 2 on a usage error.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const DEFAULT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");

/**
 * Lists the TypeScript files under a directory, recursively.
 * @param {string} root absolute directory to walk
 * @param {string[]} skip directory paths relative to `root` whose files are not listed (e.g. `generated`)
 * @returns {string[]} absolute paths of the `.ts` files, sorted
 */
export function listSourceFiles(root, skip = ["generated"]) {
  const skipped = new Set(skip.map((dir) => path.resolve(root, dir)));
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(full) && entry.name !== "node_modules") walk(full);
      } else if (entry.isFile() && entry.name.endsWith(".ts")) {
        files.push(full);
      }
    }
  };
  walk(root);
  return files.sort();
}

/**
 * Lists the module specifiers a source text imports, as TypeScript's pre-processor sees them:
 * static and type-only imports, `export ... from`, dynamic `import()`, `import x = require()`,
 * `require()` and `declare module "..."` augmentations (comments and strings are not matched).
 * @param {string} text the source text of one file
 * @returns {{ specifier: string, line: number }[]} each specifier with its 1-based line
 */
export function readImports(text) {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (pos) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= pos) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((ref) => ({ specifier: ref.fileName, line: lineOf(ref.pos) }));
}

const isFile = (file) => existsSync(file) && statSync(file).isFile();
const isRelative = (specifier) => /^\.\.?(\/|$)/.test(specifier);
/** The directory names of a relative directory path (`""` and `"."` have none). */
const segments = (dir) => dir.split(path.sep).filter((segment) => segment !== "" && segment !== ".");

/**
 * Resolves a relative specifier the way the bundler resolution does for this project:
 * the file itself when it exists with its extension (`.json`, `.ts`), `.js` read as `.ts`,
 * then `x.ts`, `x.tsx`, `x.d.ts`, then `x/index.ts`, `x/index.tsx`, `x/index.d.ts`.
 * @param {string} fromFile absolute path of the importing file
 * @param {string} specifier a relative specifier (`./x`, `../y/z`)
 * @returns {{ file: string, found: boolean }} the absolute file; when none exists (`found` false),
 *   the file it would most likely be (`x.ts`, or the specifier itself when it has an extension)
 */
export function resolveSpecifier(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [];
  if (path.extname(base) !== "") candidates.push(base);
  if (/\.[mc]?js$/.test(base)) candidates.push(base.replace(/js$/, "ts"));
  candidates.push(`${base}.ts`, `${base}.tsx`, `${base}.d.ts`);
  candidates.push(path.join(base, "index.ts"), path.join(base, "index.tsx"), path.join(base, "index.d.ts"));
  const file = candidates.find(isFile);
  if (file !== undefined) return { file, found: true };
  return { file: path.extname(base) === ".json" ? base : `${base.replace(/\.[mc]?js$/, "")}.ts`, found: false };
}

/**
 * Checks the two layering rules on every `.ts` file under a root directory.
 * @param {string} root the directory to check (e.g. the repository's `src`)
 * @param {{ skip?: string[] }} [options] `skip`: directories under `root` whose files are not checked
 *   as importers (default `["generated"]`); imports into them are still checked
 * @returns {{
 *   root: string,
 *   files: number,
 *   deepImports: { from: string, line: number, specifier: string, target: string, folder: string,
 *     instead: string, insteadFile: string, insteadExists: boolean }[],
 *   cycles: { knot: string[], nodes: string[], edges: { from: string, to: string,
 *     example: { file: string, line: number, specifier: string }, count: number }[] }[],
 *   unresolved: { from: string, line: number, specifier: string, assumed: string }[],
 * }} the findings, with absolute paths. Each cycle is the shortest one through a directory of a
 *   strongly connected component (`knot`, sorted); `nodes` starts and ends with the same node.
 */
export function checkLayers(root, options = {}) {
  const absRoot = path.resolve(root);
  const files = listSourceFiles(absRoot, options.skip ?? ["generated"]);
  const deepImports = [];
  const unresolved = [];
  /** @type {Map<string, Map<string, { example: { file: string, line: number, specifier: string }, count: number }>>} */
  const edges = new Map();
  const directories = new Set();

  for (const from of files) {
    for (const { specifier, line } of readImports(readFileSync(from, "utf8"))) {
      if (!isRelative(specifier)) continue;
      const { file: target, found } = resolveSpecifier(from, specifier);
      if (!found) unresolved.push({ from, line, specifier, assumed: target });
      const targetRel = path.relative(absRoot, target);
      if (targetRel.startsWith("..") || path.isAbsolute(targetRel)) continue; // outside the checked tree

      const fromDirs = segments(path.relative(absRoot, path.dirname(from)));
      const targetDirs = segments(path.dirname(targetRel));
      let depth = 0;
      while (depth < fromDirs.length && depth < targetDirs.length && fromDirs[depth] === targetDirs[depth]) depth++;
      const common = path.join(absRoot, ...fromDirs.slice(0, depth));

      // Rule 1: entering a directory D below the common one lands on D/index.ts.
      if (targetDirs.length > depth) {
        const folder = path.join(common, targetDirs[depth]);
        const insteadFile = path.join(folder, "index.ts");
        if (target !== insteadFile) {
          let instead = path.relative(path.dirname(from), folder).split(path.sep).join("/");
          if (!instead.startsWith(".")) instead = `./${instead}`;
          deepImports.push({
            from,
            line,
            specifier,
            target,
            folder,
            instead,
            insteadFile,
            insteadExists: isFile(insteadFile),
          });
        }
      }

      // Rule 2: an edge between the children of the common directory that hold each end.
      const fromNode = depth < fromDirs.length ? path.join(common, fromDirs[depth]) : from;
      const toNode = targetDirs.length > depth ? path.join(common, targetDirs[depth]) : target;
      if (fromNode === toNode) continue;
      if (fromNode !== from) directories.add(fromNode);
      if (toNode !== target) directories.add(toNode);
      if (!edges.has(fromNode)) edges.set(fromNode, new Map());
      const out = edges.get(fromNode);
      const edge = out.get(toNode);
      if (edge === undefined) out.set(toNode, { example: { file: from, line, specifier }, count: 1 });
      else edge.count++;
    }
  }

  const cycles = [];
  const seen = new Set();
  for (const component of stronglyConnectedComponents(edges)) {
    if (component.length < 2 || !component.some((node) => directories.has(node))) continue;
    const members = new Set(component);
    const knot = [...component].sort();
    for (const start of component.filter((node) => directories.has(node)).sort()) {
      const cycle = shortestCycle(edges, members, start);
      if (cycle === undefined) continue;
      const key = canonicalCycle(cycle);
      if (seen.has(key)) continue;
      seen.add(key);
      cycles.push({
        knot,
        nodes: cycle,
        edges: cycle
          .slice(0, -1)
          .map((node, i) => ({ from: node, to: cycle[i + 1], ...edges.get(node).get(cycle[i + 1]) })),
      });
    }
  }

  return { root: absRoot, files: files.length, deepImports, cycles, unresolved };
}

/** Tarjan's algorithm over an adjacency map; returns the components (arrays of nodes). */
function stronglyConnectedComponents(edges) {
  const nodes = new Set(edges.keys());
  for (const out of edges.values()) for (const node of out.keys()) nodes.add(node);
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let counter = 0;
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), index.get(next)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** The shortest path start -> ... -> start inside one component (breadth-first), or undefined. */
function shortestCycle(edges, members, start) {
  const previous = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of [...(edges.get(node)?.keys() ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)) path.unshift(at);
        path.unshift(start);
        return path;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** The same cycle gives the same key whichever node it starts from. */
function canonicalCycle(cycle) {
  const ring = cycle.slice(0, -1);
  const first = ring.indexOf([...ring].sort()[0]);
  return [...ring.slice(first), ...ring.slice(0, first)].join("\0");
}

/**
 * Writes the findings of {@link checkLayers} as text, paths shown from the root's parent
 * (`src/app.ts:3`).
 * @param {ReturnType<typeof checkLayers>} result the findings
 * @returns {{ ok: boolean, text: string, warnings: string }} `ok` when there is no deep import and no
 *   cycle; `text` the report (or the one-line success); `warnings` the unresolved imports, if any
 */
export function formatReport(result) {
  const show = (file) => path.relative(path.dirname(result.root), file).split(path.sep).join("/");
  const warnings = result.unresolved
    .map((u) => `? ${show(u.from)}:${u.line} "${u.specifier}" not found; checked as ${show(u.assumed)}`)
    .join("\n");
  const { deepImports, cycles } = result;
  if (deepImports.length === 0 && cycles.length === 0) {
    return { ok: true, text: `✔ layers: ${result.files} files, no deep import, no cycle between folders`, warnings };
  }
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const lines = [
    `✘ layers: ${result.files} files, ${plural(deepImports.length, "deep import")}, ${plural(cycles.length, "cycle")} between folders`,
  ];
  if (deepImports.length > 0) {
    lines.push("", "Deep imports (a folder is imported only through its index.ts):");
    for (const d of deepImports) {
      const missing = d.insteadExists ? "" : ` (${show(d.insteadFile)} does not exist yet)`;
      lines.push(
        `  ${show(d.from)}:${d.line} "${d.specifier}" reaches ${show(d.target)} inside ${show(d.folder)}/: ` +
          `import "${d.instead}" (${show(d.insteadFile)}) instead${missing}`,
      );
    }
  }
  if (cycles.length > 0) {
    lines.push("", "Cycles between folders (type-only imports included):");
    let knot = "";
    for (const cycle of cycles) {
      const members = cycle.knot.map(show).join(", ");
      if (members !== knot) {
        knot = members;
        lines.push(`  ${members} import each other; the shortest cycle through each folder:`);
      }
      lines.push(`    ${cycle.nodes.map(show).join(" -> ")}`);
      for (const edge of cycle.edges) {
        const more = edge.count > 1 ? ` (+${edge.count - 1} more)` : "";
        lines.push(
          `      ${show(edge.from)} -> ${show(edge.to)}: ${show(edge.example.file)}:${edge.example.line} "${edge.example.specifier}"${more}`,
        );
      }
    }
  }
  return { ok: false, text: lines.join("\n"), warnings };
}

/**
 * Runs the check from the command line: `--root <dir>` (default: the repository's src/).
 * @param {string[]} args the command-line arguments after the script
 * @returns {number} the exit code: 0 clean, 1 problems, 2 usage error
 */
export function main(args) {
  let root = DEFAULT_ROOT;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--root" && args[i + 1] !== undefined) root = path.resolve(args[++i]);
    else if (args[i].startsWith("--root=")) root = path.resolve(args[i].slice("--root=".length));
    else {
      console.error(`usage: node scripts/check-layers.mjs [--root <dir>] (unknown argument: ${args[i]})`);
      return 2;
    }
  }
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    console.error(`✘ layers: ${root} is not a directory`);
    return 2;
  }
  const report = formatReport(checkLayers(root));
  if (report.warnings !== "") console.error(report.warnings);
  (report.ok ? console.log : console.error)(report.text);
  return report.ok ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
