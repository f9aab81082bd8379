import * as z from "zod";
import { toJsonPath } from "../config";
import type { ConfigProblem } from "../errors";

/**
 * One module as the build bundles it (scripts/gen-schema-files.mjs): where it came from, its
 * `module.json` as written, and its SDL files.
 */
export interface ModuleBundle {
  /** The module's folder relative to the project root, e.g. `modules/stripe` or `node_modules/@acme/auth`. */
  dir: string;
  /** The entry of `modules` in schemas/gateway.json that names it (`modules/stripe`, `@acme/junction-module-auth`). */
  entry: string;
  /** `module.json`, parsed, not validated. */
  manifest: unknown;
  /** Its `*.graphql` files, paths relative to the project root. */
  files: ReadonlyArray<{ path: string; sdl: string }>;
}

/** The name of a module: a prefix of upstream names, so the same characters (`[a-z][a-z0-9_]*`). */
export const MODULE_NAME = /^[a-z][a-z0-9_]*$/;

/** A list of config entries (remotes, services, triggers), each validated with the gateway's config after merging. */
const entries = z.array(z.record(z.string(), z.unknown())).default([]);

/**
 * `module.json`: a fragment with the keys of `schemas/gateway.json` a module may bring, plus its name and
 * whether its upstreams are namespaced. Entries are validated as part of the merged config (their JSON
 * paths then point into this file).
 */
export const ModuleManifestSchema = z
  .object({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(MODULE_NAME, "must match [a-z][a-z0-9_]* (it prefixes the module's upstream names)")
      .optional()
      .describe("The module's name; default the folder's name (lower-cased, other characters as _)."),
    description: z.string().optional(),
    namespace: z
      .boolean()
      .default(true)
      .describe("Name the module's remotes, services and triggers <module>_<name> (false: as written)."),
    remotes: entries,
    services: entries,
    events: z.object({ triggers: entries }).strict().optional(),
    permissions: z
      .record(z.string(), z.record(z.string(), z.string()))
      .optional()
      .describe("Per role, per remote or service of the module (local names): the SDL the role may query."),
  })
  .strict();

/** A validated `module.json`. */
export type ModuleManifest = z.output<typeof ModuleManifestSchema>;

/**
 * The default name of a module: its folder's (or package's) last segment, lower-cased, other characters
 * as `_`, a leading digit or `_` prefixed with `m`.
 * @param dir - the module's folder
 * @returns a name matching {@link MODULE_NAME}
 */
export function defaultModuleName(dir: string): string {
  const last = dir.split("/").filter(Boolean).pop() ?? "module";
  const name = last.toLowerCase().replace(/[^a-z0-9_]/g, "_");
  return /^[a-z]/.test(name) ? name : `m${name}`;
}

/**
 * Validates a module's `module.json`.
 * @param bundle - the module
 * @returns the manifest, or problems located `<dir>/module.json $.path`
 */
export function readManifest(bundle: ModuleBundle): { manifest: ModuleManifest } | { problems: ConfigProblem[] } {
  const parsed = ModuleManifestSchema.safeParse(bundle.manifest);
  if (parsed.success) return { manifest: parsed.data };
  return {
    problems: parsed.error.issues.map((issue) => ({
      path: `${bundle.dir}/module.json ${toJsonPath(issue.path as Array<string | number>)}`,
      message: issue.message,
    })),
  };
}
