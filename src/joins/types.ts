import type { SubschemaConfig } from "@graphql-tools/delegate";
import type { FieldDefinitionNode, GraphQLFieldResolver, GraphQLSchema } from "graphql";
import type { RemoteConfig } from "../config";
import type { CustomizedNames, PassthroughExecutor } from "../shared";

/** A `{parent.x}` key of a batched field: where it sits in the directive's `args`, and the template. */
export interface BatchKey {
  /** Path of the key inside `args`, e.g. `["filter", "ids"]`. */
  path: string[];
  /** The template, exactly one `{parent.x}` reference. */
  template: string;
}

/**
 * What `@join(remote:, field:, args:, batch:, keyField:)` declares; resolved against the remote's schema
 * when the schema is composed (see build-joins.ts).
 */
export interface JoinDirective {
  /** The remote's configured name. */
  remote: string;
  /** A Query field of the remote, by the remote's own name (before customization). */
  field: string;
  /** Arguments of that field: JSON whose strings are templates (`{parent.x}`, `{args.x}`, `{session.x}`). */
  args: Record<string, unknown>;
  /** With `batch: true`, the key sent for all parents of a level at once; else undefined. */
  batch: BatchKey | undefined;
  /** Field of the target type that results are matched by (batch only). @default "id" */
  keyField: string;
}

/**
 * A field of schemas/*.graphql stitched onto a type of another source (a remote's type), or bound by
 * @join: it goes into stitching's `typeDefs` and `resolvers`, not into the local subschema.
 */
export interface FieldExtension {
  /** The parent type's gateway name. */
  typeName: string;
  /** The field's name. */
  fieldName: string;
  /** The field's definition without its directive, for stitching's typeDefs. */
  definition: FieldDefinitionNode;
  /** Where it is declared, `file:line:column`. */
  location: string;
  /** Fields of the parent its templates read (`{parent.x}`): fetched from the parent's source, hidden unless selected. */
  parentFields: string[];
  /** A @rest field: its resolver. */
  rest?: GraphQLFieldResolver<unknown, unknown>;
  /** A @join field: what it joins to. */
  join?: JoinDirective;
  /**
   * A `@topic` Subscription field whose type belongs to another source: its `subscribe` (`rest` is then
   * its `resolve`). Stitched as a root field of Subscription, defined when no source has that type.
   */
  subscribe?: () => never;
}

/** One source the joins may read: a subschema as composed. */
export interface JoinSource {
  /** The remote's name, or the local SDL's. */
  name: string;
  /** The exact config passed to stitchSchemas (delegation targets it). */
  subschema: SubschemaConfig;
  /** Its schema as the gateway shows it (customization applied). */
  schema: GraphQLSchema;
  /** The remote's config; undefined for the local SDL. */
  remote?: RemoteConfig;
  /** How the remote's own names map to the gateway's (its customization); undefined for the local SDL. */
  names?: CustomizedNames;
  /** The remote's executor for operations it answers alone, if any. */
  passthrough?: PassthroughExecutor;
}

/** A join's state, as shown by `GET /healthz` and `GET /admin/remotes`. */
export interface JoinStatus {
  /** `Type.field` of a @join/@rest field on another source's type, or `merge:<remote>.<Type>`. */
  name: string;
  /** "ok" when it is in the served schema. */
  status: "ok" | "error";
  /** Why it is left out (`INVALID_JOIN`), else null. */
  lastError: { code: string; message: string } | null;
}
