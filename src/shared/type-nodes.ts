import { Kind, type OperationDefinitionNode, type TypeNode } from "graphql";

/**
 * The named type of a type as written in a document or SDL, wrappers removed (`[Upload!]!` -> `Upload`).
 * @param type - a type node (of a variable definition, a field or an argument)
 * @returns the named type's name
 * @see https://spec.graphql.org/October2021/#sec-Type-References
 */
export function namedTypeName(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedTypeName(type.type);
}

/**
 * Whether an operation declares a variable of the `Upload` scalar (or a list of it). Such variables hold
 * the gateway's file tokens until its Upload scalar turns them into file references (src/files), so the
 * operation must run where that scalar runs, never be sent upstream as written.
 * @param operation - one operation of a document
 */
export function declaresUploadVariable(operation: OperationDefinitionNode): boolean {
  return (operation.variableDefinitions ?? []).some((definition) => namedTypeName(definition.type) === "Upload");
}
