export { buildRestRequest, type CallRestOptions, callRest, type RestRequest } from "./call";
export { checkFits, selectPath } from "./mapping";
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
export {
  fieldScope,
  isSoleReference,
  jsonTemplateReferences,
  renderJsonTemplate,
  renderTemplate,
  renderValue,
  sessionScope,
  type TemplateReference,
  type TemplateRoot,
  type TemplateScope,
  templateReferences,
} from "./templates";
