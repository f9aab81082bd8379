import { type ASTNode, type DocumentNode, GraphQLError, getLocation, parse, Source } from "graphql";
import type { ConfigProblem } from "./gateway-error";

/**
 * Where a node parsed from a named `Source` stands, as `file:line:column` (for example
 * `schemas/orders.graphql:12:3`); `"schemas"` for a node without location.
 * @param node - an AST node parsed with `new Source(sdl, name)`
 */
export function nodeLocation(node: ASTNode | undefined): string {
  const loc = node?.loc;
  if (!loc) return "schemas";
  const { line, column } = getLocation(loc.source, loc.start);
  return `${loc.source.name}:${line}:${column}`;
}

/**
 * Where a GraphQL error (syntax, SDL validation, schema validation) stands, as `file:line:column`:
 * from its own locations and source, else from its first node.
 * @param error - a graphql-js error about SDL parsed from named sources
 */
export function errorLocation(error: GraphQLError): string {
  const location = error.locations?.[0];
  const source = error.source ?? error.nodes?.[0]?.loc?.source;
  if (location && source) return `${source.name}:${location.line}:${location.column}`;
  return nodeLocation(error.nodes?.[0]);
}

/**
 * Parses one SDL text so every later node and error can name its place.
 * @param sdl - the SDL text
 * @param name - the name locations use: a file path, or a JSON path for inline SDL
 * @returns the document, or the syntax error as a config problem located `name:line:column`
 * @throws whatever `parse` throws that is not a GraphQLError
 */
export function parseSdl(sdl: string, name: string): { document: DocumentNode } | { problem: ConfigProblem } {
  try {
    return { document: parse(new Source(sdl, name)) };
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return { problem: { path: errorLocation(error), message: error.message } };
  }
}
