export { buildRestRequest, type CallRestOptions, callRest, type RestRequest } from "./call";
export { checkFits, selectPath } from "./mapping";
export { buildRestSchema, REST_DIRECTIVE_SDL, type RestSchema, type RestSchemaOptions, type SchemaFile } from "./sdl";
export {
  isSoleReference,
  jsonTemplateReferences,
  renderJsonTemplate,
  renderTemplate,
  renderValue,
  type TemplateReference,
  type TemplateRoot,
  type TemplateScope,
  templateReferences,
} from "./templates";
