import {
  type ArgumentNode,
  type DocumentNode,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  TypeInfo,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from "graphql";
import { ErrorCode, ValidationError } from "../errors";
import { introspects, rootSelections, type Session } from "../shared";
import { enforceChecks } from "./role-checks";
import { literalFor, type Preset } from "./role-grants";
import { restrictedSchemaInfo } from "./role-schema";

/**
 * Prepares an operation validated against a role schema that has `@preset` arguments: data operations
 * run against the role's executable schema (the role schema plus the preset arguments) with the presets
 * written into the document; introspection-only operations run against the role schema as given, so
 * preset arguments stay invisible. Operations of roles without presets run against the role schema as given.
 *
 * @param roleSchema - a schema from {@link PermissionSet.schemaFor}
 * @param document - the validated document
 * @param operationName - the operation to run
 * @param session - supplies session variables for presets
 * @returns the schema and document to execute, or undefined to execute as given
 * @throws GatewayError `BAD_REQUEST` (400) for introspection mixed with data fields (roles with presets);
 *   `MISSING_SESSION_VARIABLE` (400) for a preset whose session variable is absent or does not fit
 */
export function prepareRoleExecution(
  roleSchema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  session: Session | undefined,
): { schema: GraphQLSchema; document: DocumentNode } | undefined {
  const info = restrictedSchemaInfo(roleSchema);
  // Without presets the role schema is what runs: nothing to prepare.
  if (info === undefined || info.presets.size === 0) return undefined;
  // GetOperation (GraphQL spec section 6.1); execute reports a missing operation, or a root type the
  // role does not have, itself
  const operation = getOperationAST(document, operationName);
  if (!operation || !roleSchema.getRootType(operation.operation)) return undefined;
  const keys = rootSelections(roleSchema, document, operation);
  if (introspects(keys)) {
    // Introspection must see the role schema, without the preset arguments the executable one has.
    for (const name of keys.values()) {
      if (name !== "__schema" && name !== "__type" && name !== "__typename") {
        throw new ValidationError(
          ErrorCode.BAD_REQUEST,
          "Send introspection (__schema, __type) in an operation of its own, without data fields.",
        );
      }
    }
    return undefined;
  }
  if (info.withoutPresets.has(document)) return undefined;
  const typeInfo = new TypeInfo(info.executable);
  let touched = false;
  const rewritten = visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const list = parent == null ? undefined : info.presets.get(`${parent.name}.${node.name.value}`);
        if (list === undefined) return undefined;
        touched = true;
        const names = new Set(list.map((preset) => preset.name));
        const presetArgs: ArgumentNode[] = list.map((preset) => ({
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: preset.name },
          value: presetLiteral(preset, session),
        }));
        return {
          ...node,
          arguments: [...(node.arguments ?? []).filter((arg) => !names.has(arg.name.value)), ...presetArgs],
        };
      },
    }),
  );
  if (!touched) {
    // Yoga's parse cache hands out the same document for the same query: skip the visit next time.
    info.withoutPresets.add(document);
    return undefined;
  }
  return { schema: info.executable, document: rewritten };
}

function presetLiteral(preset: Preset, session: Session | undefined): ValueNode {
  if (preset.literal !== undefined) return preset.literal;
  const variable = preset.variable as string;
  const text = session?.variables[variable];
  const literal = text === undefined ? undefined : literalFor(text, preset.type);
  if (literal === undefined) {
    throw new ValidationError(
      ErrorCode.MISSING_SESSION_VARIABLE,
      text === undefined
        ? `The session has no ${variable}, which the argument "${preset.name}" needs.`
        : `The session variable ${variable} is not a valid ${String(preset.type)} for the argument "${preset.name}".`,
    );
  }
  return literal;
}

/**
 * Enforces the `@check`s of the role schema an operation was validated against (see
 * `enforceChecks` in role-checks.ts), before any upstream call. Operations (by document and operation
 * name) seen to have no argument a check may apply to are remembered and not walked again. Nothing to
 * do for the whole schema.
 * @param roleSchema - the schema the operation was validated against
 * @param document - the validated document
 * @param operationName - the operation to run
 * @param variables - the request's variables, as sent
 * @param session - the caller's session
 * @throws ForbiddenError `FORBIDDEN` (403) with `extensions.path` for a value that fails its check
 */
export function enforceRoleChecks(
  roleSchema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Readonly<Record<string, unknown>> | null | undefined,
  session: Session | undefined,
): void {
  const info = restrictedSchemaInfo(roleSchema);
  if (info === undefined || info.checks.size === 0) return;
  // Remembered per operation: another operation of the same document may select checked arguments.
  const key = operationName ?? "";
  const seen = info.withoutChecks.get(document);
  if (seen?.has(key)) return;
  if (!enforceChecks(roleSchema, info.checks, document, operationName, variables, session)) {
    if (seen === undefined) info.withoutChecks.set(document, new Set([key]));
    else seen.add(key);
  }
}
