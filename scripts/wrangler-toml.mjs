/**
 * Reads wrangler.toml for the checks of check-config.mjs (rate limits, service bindings, event
 * triggers), with smol-toml (the parser wrangler uses), and says the same thing for a file that is not
 * TOML whichever check meets it first.
 */
import { parse } from "smol-toml";

/**
 * Parses a wrangler.toml.
 * @param {string} text the file's text
 * @param {string} file how the file is named in messages
 * @returns {{ config: Record<string, unknown> } | { problem: { path: string, message: string } }} the parsed
 *   file, or one problem naming `file` with smol-toml's first message line (it carries line and column)
 */
export function readWranglerToml(text, file = "wrangler.toml") {
  try {
    return { config: parse(text) };
  } catch (error) {
    return { problem: { path: file, message: `not valid TOML: ${error.message.split("\n")[0]}` } };
  }
}
