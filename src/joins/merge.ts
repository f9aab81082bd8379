import { batchDelegateToSchema } from "@graphql-tools/batch-delegate";
import type { MergedTypeConfig } from "@graphql-tools/delegate";
import {
  GraphQLList,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  OperationTypeNode,
} from "graphql";
import type { RemoteConfig } from "../config";
import type { CustomizedNames } from "../shared";
import { resultsByKey, withKeySelection } from "./keys";

/** A remote's `merge` entries as stitching's merged type configs. */
export interface RemoteMerge {
  /** Gateway type name -> stitching's merged type config. */
  merge: Record<string, MergedTypeConfig>;
  /** Gateway type name -> the type's name in the remote and the key field's gateway name. */
  keys: Map<string, { typeName: string; key: string }>;
  /** What is wrong with the entries, one message each; non-empty means the remote cannot be merged. */
  problems: string[];
}

/**
 * Turns a remote's `merge` entries (names as the remote serves them) into stitching's merged type
 * configs (gateway names, after customization), checking each against the remote's schema: the type
 * and its key field exist, the resolver is a Query field returning the type (or a list of it), the
 * argument exists, is a list exactly when the resolver returns a list, and no other argument is required.
 *
 * A list resolver is called once per level with every key (stitching's batched type merging); its
 * results are matched back by key, in any order, a missing key giving null. A single-object resolver is
 * called once per key; the remote's subschema has `batch: true`, so the calls of one level go out as
 * one request with aliases.
 *
 * @param remote - the remote's config (its `merge` and `customization`)
 * @param schema - the remote's own schema (before customization)
 * @param names - the remote's customization as rename functions (customizedNames of src/sources)
 * @returns the configs and the problems
 * @see https://the-guild.dev/graphql/stitching/docs/approaches/type-merging
 */
export function remoteMerge(remote: RemoteConfig, schema: GraphQLSchema, names: CustomizedNames): RemoteMerge {
  const result: RemoteMerge = { merge: {}, keys: new Map(), problems: [] };
  if (remote.merge === undefined) return result;
  if (remote.customization?.rootFieldsNamespace !== undefined) {
    result.problems.push(
      `remote "${remote.name}" has "rootFieldsNamespace", so its merge resolvers are not root fields of the gateway; merging needs them at the root`,
    );
    return result;
  }
  const query = schema.getQueryType();
  for (const [typeName, entry] of Object.entries(remote.merge)) {
    const label = `merge.${typeName} of remote "${remote.name}"`;
    const type = schema.getType(typeName);
    if (!isObjectType(type) && !isInterfaceType(type)) {
      result.problems.push(`${label}: the remote has no object type ${typeName}`);
      continue;
    }
    if (type.getFields()[entry.key] === undefined) {
      result.problems.push(`${label}: key field "${entry.key}" is missing on type ${typeName}`);
      continue;
    }
    const resolver = query?.getFields()[entry.resolver];
    if (query === undefined || query === null || resolver === undefined) {
      result.problems.push(`${label}: the remote has no Query field "${entry.resolver}"`);
      continue;
    }
    const argument = resolver.args.find((arg) => arg.name === entry.argument);
    if (argument === undefined) {
      result.problems.push(
        `${label}: Query.${entry.resolver} has no argument "${entry.argument}" (arguments: ${resolver.args.map((arg) => arg.name).join(", ") || "none"})`,
      );
      continue;
    }
    const returned = getNamedType(resolver.type);
    if (returned.name !== typeName) {
      result.problems.push(`${label}: Query.${entry.resolver} returns ${String(resolver.type)}, not ${typeName}`);
      continue;
    }
    const many = isListType(getNullableType(resolver.type));
    if (many !== isListType(getNullableType(argument.type))) {
      result.problems.push(
        `${label}: Query.${entry.resolver} returns ${String(resolver.type)} but argument "${entry.argument}" is ${String(argument.type)}; a list resolver takes a list of keys, a single one takes one key`,
      );
      continue;
    }
    const required = resolver.args.filter(
      (arg) => arg.name !== entry.argument && isNonNullType(arg.type) && arg.defaultValue === undefined,
    );
    if (required.length > 0) {
      result.problems.push(
        `${label}: Query.${entry.resolver} also requires ${required.map((arg) => `"${arg.name}"`).join(", ")}, which merging cannot give`,
      );
      continue;
    }
    const gatewayType = names.typeName(typeName);
    const keyField = names.fieldName(typeName, entry.key);
    const fieldName = names.fieldName(query.name, entry.resolver);
    const argumentName = entry.argument;
    result.keys.set(gatewayType, { typeName, key: keyField });
    result.merge[gatewayType] = many
      ? {
          selectionSet: `{ ${keyField} }`,
          fieldName,
          key: (original: Record<string, unknown>) => original[keyField],
          argsFromKeys: (keys: readonly unknown[]) => ({ [argumentName]: keys }),
          resolve: (_original, context, info, subschema, selectionSet, key, mergedType) =>
            batchDelegateToSchema({
              schema: subschema,
              operation: OperationTypeNode.QUERY,
              fieldName,
              returnType: new GraphQLList(mergedType ?? getNamedType(info.returnType)),
              key,
              argsFromKeys: (keys: readonly unknown[]) => ({ [argumentName]: keys }),
              valuesFromResults: (results: unknown, keys: readonly unknown[]) =>
                resultsByKey(results, keys).map((group) => group[0] ?? null),
              selectionSet: withKeySelection(selectionSet, keyField),
              context,
              info,
              skipTypeMerging: true,
            }),
        }
      : {
          selectionSet: `{ ${keyField} }`,
          fieldName,
          args: (original: Record<string, unknown>) => ({ [argumentName]: original[keyField] }),
        };
  }
  return result;
}
