import type { Transform } from "@graphql-tools/delegate";
import { RenameInterfaceFields, RenameObjectFields, RenameTypes, WrapType } from "@graphql-tools/wrap";
import type { GraphQLSchema } from "graphql";
import type { Customization } from "../../config";

/**
 * Turns Hasura's remote schema customization into graphql-tools transforms, applied in this order:
 * field renames (`fieldNames`, matched on the remote's own type names), type renames (`typeNames`;
 * never built-in scalars, introspection types or root types), then `rootFieldsNamespace` (all root
 * fields moved under one field of type `<namespace>_query` / `<namespace>_mutation`).
 *
 * @param customization - the remote's `customization`, if any
 * @param schema - the remote's schema (for its root type names)
 * @returns the transforms for its subschema config (empty when nothing is customized)
 * @see https://hasura.io/docs/latest/api-reference/metadata-api/remote-schemas (RemoteSchemaCustomization)
 */
export function customizationTransforms(customization: Customization | undefined, schema: GraphQLSchema): Transform[] {
  if (customization === undefined) return [];
  const transforms: Transform[] = [];
  const rootNames = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
      .filter((type) => type !== null && type !== undefined)
      .map((type) => type.name),
  );

  const fieldRules = new Map((customization.fieldNames ?? []).map((rule) => [rule.parentType, rule]));
  if (fieldRules.size > 0) {
    const renameField = (typeName: string, fieldName: string): string => {
      const rule = fieldRules.get(typeName);
      if (rule === undefined) return fieldName;
      return rule.mapping?.[fieldName] ?? `${rule.prefix ?? ""}${fieldName}${rule.suffix ?? ""}`;
    };
    transforms.push(new RenameObjectFields(renameField), new RenameInterfaceFields(renameField));
  }

  const typeNames = customization.typeNames;
  if (typeNames !== undefined) {
    const prefix = typeNames.prefix ?? "";
    const suffix = typeNames.suffix ?? "";
    const mapping = typeNames.mapping ?? {};
    transforms.push(
      new RenameTypes((name) => {
        if (rootNames.has(name) || name.startsWith("__")) return name;
        return mapping[name] ?? `${prefix}${name}${suffix}`;
      }),
    );
  }

  const namespace = customization.rootFieldsNamespace;
  if (namespace !== undefined) {
    const query = schema.getQueryType();
    const mutation = schema.getMutationType();
    if (query) transforms.push(new WrapType(query.name, `${namespace}_query`, namespace));
    if (mutation) transforms.push(new WrapType(mutation.name, `${namespace}_mutation`, namespace));
  }
  return transforms;
}
