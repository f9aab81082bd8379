import type { Transform } from "@graphql-tools/delegate";
import { RenameInterfaceFields, RenameObjectFields, RenameTypes, WrapType } from "@graphql-tools/wrap";
import type { GraphQLSchema } from "graphql";
import type { Customization } from "../../config";
import type { CustomizedNames } from "../../shared";

/**
 * The renames of Hasura's remote schema customization as functions (`fieldNames` matched on the
 * remote's own type names; `typeNames` never renaming built-in scalars, introspection types or root types).
 * `rootFieldsNamespace` moves fields rather than renaming them and is not covered.
 *
 * @param customization - the remote's `customization`, if any
 * @param schema - the remote's schema (for its root type names)
 * @returns the rename functions (identity when nothing is customized)
 * @see https://hasura.io/docs/latest/api-reference/metadata-api/remote-schemas (RemoteSchemaCustomization)
 */
export function customizedNames(customization: Customization | undefined, schema: GraphQLSchema): CustomizedNames {
  const rootNames = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
      .filter((type) => type !== null && type !== undefined)
      .map((type) => type.name),
  );
  const fieldRules = new Map((customization?.fieldNames ?? []).map((rule) => [rule.parentType, rule]));
  const typeNames = customization?.typeNames;
  const prefix = typeNames?.prefix ?? "";
  const suffix = typeNames?.suffix ?? "";
  const mapping = typeNames?.mapping ?? {};
  return {
    typeName(name) {
      if (typeNames === undefined || rootNames.has(name) || name.startsWith("__")) return name;
      return mapping[name] ?? `${prefix}${name}${suffix}`;
    },
    fieldName(typeName, fieldName) {
      const rule = fieldRules.get(typeName);
      if (rule === undefined) return fieldName;
      return rule.mapping?.[fieldName] ?? `${rule.prefix ?? ""}${fieldName}${rule.suffix ?? ""}`;
    },
  };
}

/**
 * Turns Hasura's remote schema customization into graphql-tools transforms, applied in this order:
 * field renames (`fieldNames`, matched on the remote's own type names), type renames (`typeNames`;
 * never built-in scalars, introspection types or root types), then `rootFieldsNamespace` (all root
 * fields moved under one field of type `<namespace>_query` / `<namespace>_mutation` / `<namespace>_subscription`).
 *
 * @param customization - the remote's `customization`, if any
 * @param schema - the remote's schema (for its root type names)
 * @returns the transforms for its subschema config (empty when nothing is customized)
 * @see https://hasura.io/docs/latest/api-reference/metadata-api/remote-schemas (RemoteSchemaCustomization)
 */
export function customizationTransforms(customization: Customization | undefined, schema: GraphQLSchema): Transform[] {
  if (customization === undefined) return [];
  const transforms: Transform[] = [];
  const names = customizedNames(customization, schema);
  if ((customization.fieldNames?.length ?? 0) > 0) {
    const renameField = (typeName: string, fieldName: string): string => names.fieldName(typeName, fieldName);
    transforms.push(new RenameObjectFields(renameField), new RenameInterfaceFields(renameField));
  }
  if (customization.typeNames !== undefined) transforms.push(new RenameTypes((name) => names.typeName(name)));

  const namespace = customization.rootFieldsNamespace;
  if (namespace !== undefined) {
    const query = schema.getQueryType();
    const mutation = schema.getMutationType();
    const subscription = schema.getSubscriptionType();
    if (query) transforms.push(new WrapType(query.name, `${namespace}_query`, namespace));
    if (mutation) transforms.push(new WrapType(mutation.name, `${namespace}_mutation`, namespace));
    // WrapType makes the namespace field of a subscription the one that subscribes (it delegates the field
    // under it and wraps each result), so `subscription { ns { field } }` streams like a root field.
    if (subscription) transforms.push(new WrapType(subscription.name, `${namespace}_subscription`, namespace));
  }
  return transforms;
}
