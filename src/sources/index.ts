/**
 * sources/: one folder per kind of upstream, each turning its config into subschemas and executors.
 * remote-graphql/ (remote schemas: introspection, executors, customization) and rest/ (REST services
 * declared in schemas/*.graphql). Both call upstreams only through src/upstream.
 */
export {
  createRemoteSource,
  customizedNames,
  type IntrospectedRemote,
  publicRemoteErrors,
  type RemoteSource,
  schemaFromIntrospection,
} from "./remote-graphql";
export {
  buildRestSchema,
  type KeyLookup,
  type RestBinding,
  type RestSchema,
  type RestSchemaOptions,
  restBindingOf,
  type SchemaFile,
  type TopicBinding,
} from "./rest";
