/**
 * The service bindings schemas/gateway.json names (`binding` of a remote or a service) against the
 * `[[services]]` of wrangler.toml: a binding that is not declared there is an error naming it, so
 * `npm run check` (wrangler's build step runs check-config.mjs) fails before a deploy whose gateway
 * would fail at startup. Only the top-level `[[services]]` are read (wrangler does not inherit them into
 * `[env.*]`). Internal helper of check-config.mjs; wrangler.toml is parsed with smol-toml (the parser
 * wrangler uses).
 */
import { parse } from "smol-toml";
import { readWranglerToml } from "./wrangler-toml.mjs";

/**
 * Reads the service bindings a wrangler.toml declares.
 * @param {string} text the text of wrangler.toml
 * @returns {Map<string, string | undefined>} the Worker (`service`) each `binding` calls, by binding name
 * @throws {Error} when the text is not TOML (smol-toml's TomlError, with line and column)
 */
export function readServiceBindings(text) {
  return serviceBindingsOf(parse(text));
}

/** The service bindings of a parsed wrangler.toml (see {@link readServiceBindings}). */
function serviceBindingsOf(config) {
  const bindings = new Map();
  const list = Array.isArray(config.services) ? config.services : [];
  for (const entry of list) {
    if (typeof entry?.binding !== "string") continue;
    bindings.set(entry.binding, typeof entry.service === "string" ? entry.service : undefined);
  }
  return bindings;
}

/**
 * The service bindings a validated config names, each with the JSON path of its `binding` key.
 * @param {{ remotes?: ReadonlyArray<{ binding?: string }>, services?: ReadonlyArray<{ binding?: string }> }} config
 *   the validated config (or the raw one: only `binding` strings are read)
 * @returns {{ path: string, binding: string }[]} in config order
 */
export function bindingReferences(config) {
  const references = [];
  for (const key of ["remotes", "services"]) {
    const list = Array.isArray(config?.[key]) ? config[key] : [];
    list.forEach((entry, index) => {
      if (typeof entry?.binding === "string")
        references.push({ path: `$.${key}[${index}].binding`, binding: entry.binding });
    });
  }
  return references;
}

/**
 * Compares the service bindings a config names with the `[[services]]` of a wrangler.toml.
 * @param {ReadonlyArray<{ path: string, binding: string }>} references what the config names (see bindingReferences)
 * @param {string} text the text of wrangler.toml
 * @param {string} file how the wrangler.toml is named in messages
 * @returns {{ path: string, message: string }[]} one problem per binding not declared, located at its
 *   `binding` key; one for `file` when it is not TOML
 */
export function serviceBindingProblems(references, text, file = "wrangler.toml") {
  if (references.length === 0) return [];
  const read = readWranglerToml(text, file);
  if ("problem" in read) return [read.problem];
  const bindings = serviceBindingsOf(read.config);
  return references
    .filter((reference) => !bindings.has(reference.binding))
    .map((reference) => ({
      path: reference.path,
      message: `service binding ${reference.binding} is not declared in ${file}: add [[services]] with binding = "${reference.binding}" and service = "<the Worker it calls>"`,
    }));
}
