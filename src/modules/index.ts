/**
 * modules/: reusable pieces of backend (Graphcool's modules). A module is a folder, or an npm package
 * holding one, with a `module.json` (remotes, services, `events.triggers`, permissions) and its `*.graphql`
 * files; `modules` in schemas/gateway.json lists them, the build bundles them
 * (scripts/gen-schema-files.mjs), and the gateway merges them into its config before validating it
 * (apply.ts), namespacing their upstreams as `<module>_<name>`.
 */
export { type AppliedModules, applyModules, type ModuleSchemaFile } from "./apply";
export {
  defaultModuleName,
  MODULE_NAME,
  type ModuleBundle,
  type ModuleManifest,
  ModuleManifestSchema,
} from "./manifest";
