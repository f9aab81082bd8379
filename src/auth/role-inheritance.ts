import { type DocumentNode, Kind, print } from "graphql";
import { toJsonPath } from "../config";
import type { ConfigProblem } from "../errors";
import { ADMIN_ROLE } from "./authenticate";

/**
 * Inherited roles and unions of roles (Hasura's inherited roles): a role of `roles` uses what any of
 * its parents may, and a session with several active roles runs as if an inherited role of exactly
 * those existed. Both reduce to a set of roles with permission SDL of their own (the leaves), whose
 * documents are read together (role-grants.ts merges them: a field is visible if any leaf sees it).
 */
export interface RoleInheritance {
  /**
   * The roles with permission SDL a list of roles stands for: each inherited role (without SDL of its
   * own) replaced by its parents, transitively; roles without SDL left out.
   * @param roles - role names (one role, or the active roles of a session)
   * @returns the leaves, sorted, without duplicates (the same array for the same roles: do not change it)
   */
  leaves(roles: readonly string[]): readonly string[];
  /**
   * The first conflict between the presets of a set of leaves: an argument one leaf presets and
   * another presets otherwise or lets the caller choose.
   * @param leaves - from {@link RoleInheritance.leaves}
   * @returns a sentence naming the argument and both roles, or undefined
   */
  conflict(leaves: readonly string[]): string | undefined;
}

/** How many lists of roles {@link RoleInheritance.leaves} remembers. */
const LEAVES_MEMO = 1024;

/** Each argument a role's SDL lists, `Type.field(arg:)` -> its `@preset` printed, or "" when the caller chooses it. */
function argumentsOf(documents: readonly DocumentNode[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const document of documents) {
    for (const definition of document.definitions) {
      if (
        definition.kind !== Kind.OBJECT_TYPE_DEFINITION &&
        definition.kind !== Kind.OBJECT_TYPE_EXTENSION &&
        definition.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
        definition.kind !== Kind.INTERFACE_TYPE_EXTENSION
      ) {
        continue;
      }
      for (const field of definition.fields ?? []) {
        for (const arg of field.arguments ?? []) {
          const preset = arg.directives?.find((directive) => directive.name.value === "preset");
          out.set(
            `${definition.name.value}.${field.name.value}(${arg.name.value}:)`,
            preset === undefined ? "" : print(preset),
          );
        }
      }
    }
  }
  return out;
}

const describe = (preset: string): string => (preset === "" ? "lets the caller choose it" : `presets it as ${preset}`);

/**
 * Reads `roles` against the roles that have permission SDL, and reports what cannot work: a parent
 * that names no role, the admin role in an inheritance (it sees everything already), a cycle, and
 * presets that conflict between the leaves of an inherited role.
 *
 * @param roles - the config's `roles` (role -> `{ inherits }`)
 * @param documents - role -> its permission SDL documents (roles with SDL of their own)
 * @returns the inheritance, and problems located by JSON path
 * @see https://hasura.io/docs/latest/auth/authorization/inherited-roles/
 */
export function readRoleInheritance(
  roles: Readonly<Record<string, { inherits: readonly string[] }>>,
  documents: ReadonlyMap<string, readonly DocumentNode[]>,
): { inheritance: RoleInheritance; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const parents = new Map(Object.entries(roles).map(([role, entry]) => [role, entry.inherits]));
  for (const [role, list] of parents) {
    if (role === ADMIN_ROLE) {
      problems.push({ path: toJsonPath(["roles", role]), message: "admin sees everything; it cannot inherit roles" });
    }
    list.forEach((parent, index) => {
      const path = toJsonPath(["roles", role, "inherits", index]);
      if (parent === ADMIN_ROLE) {
        problems.push({ path, message: "admin sees everything; no role inherits it (give the caller the admin role)" });
      } else if (!documents.has(parent) && !parents.has(parent)) {
        problems.push({
          path,
          message: `no role "${parent}": give it permissions (permissions.${parent} or schemas/permissions/${parent}.graphql) or define it in roles`,
        });
      }
    });
  }
  // Cycles (Hasura refuses them too): a depth-first walk over roles without SDL of their own.
  const state = new Map<string, "walking" | "done">();
  const visit = (role: string, trail: string[]): void => {
    if (documents.has(role) || !parents.has(role) || state.get(role) === "done") return;
    if (state.get(role) === "walking") {
      const cycle = [...trail.slice(trail.indexOf(role)), role];
      problems.push({
        path: toJsonPath(["roles", role, "inherits"]),
        message: `inherited roles form a cycle: ${cycle.join(" -> ")}`,
      });
      return;
    }
    state.set(role, "walking");
    for (const parent of parents.get(role) ?? []) visit(parent, [...trail, role]);
    state.set(role, "done");
  };
  for (const role of parents.keys()) visit(role, []);
  const cyclic = problems.some((problem) => problem.message.startsWith("inherited roles form a cycle"));

  // Asked on every request of a role session: remembered per list of roles (the config never changes in an
  // isolate), at most LEAVES_MEMO entries (a caller may name many combinations; dropped all at once then).
  const memo = new Map<string, readonly string[]>();
  const leaves = (list: readonly string[]): readonly string[] => {
    const key = list.join(",");
    let known = memo.get(key);
    if (known === undefined) {
      if (memo.size >= LEAVES_MEMO) memo.clear();
      known = leavesOf(list);
      memo.set(key, known);
    }
    return known;
  };
  const leavesOf = (list: readonly string[]): string[] => {
    const out = new Set<string>();
    const seen = new Set<string>();
    const add = (role: string): void => {
      if (seen.has(role)) return;
      seen.add(role);
      if (documents.has(role)) out.add(role);
      else for (const parent of parents.get(role) ?? []) add(parent);
    };
    for (const role of list) add(role);
    return [...out].sort();
  };
  const argumentsByRole = new Map<string, Map<string, string>>();
  const conflict = (list: readonly string[]): string | undefined => {
    const first = new Map<string, { role: string; preset: string }>();
    for (const role of list) {
      let args = argumentsByRole.get(role);
      if (args === undefined) {
        args = argumentsOf(documents.get(role) ?? []);
        argumentsByRole.set(role, args);
      }
      for (const [coordinate, preset] of args) {
        const earlier = first.get(coordinate);
        if (earlier === undefined) first.set(coordinate, { role, preset });
        else if (earlier.preset !== preset) {
          return `${coordinate}: role "${earlier.role}" ${describe(earlier.preset)}, role "${role}" ${describe(preset)}`;
        }
      }
    }
    return undefined;
  };
  if (!cyclic) {
    for (const role of parents.keys()) {
      if (documents.has(role)) continue;
      const found = conflict(leaves([role]));
      if (found !== undefined) {
        problems.push({ path: toJsonPath(["roles", role, "inherits"]), message: `presets conflict: ${found}` });
      }
    }
  }
  return { inheritance: { leaves, conflict }, problems };
}
