export {
  type BatchKey,
  batchArguments,
  batchCacheKey,
  batchShareKey,
  buildRestSchema,
  type FieldExtension,
  type JoinDirective,
  matchByKey,
  type RestSchema,
  type RestSchemaOptions,
  type SchemaFile,
} from "./sdl";
export { fieldScope, renderJsonTemplate, renderValue, type TemplateScope } from "./templates";
