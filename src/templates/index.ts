/**
 * templates/: the template language of `@rest` endpoints and `@join` arguments: `{args.x}`,
 * `{parent.x}`, `{session.x}` with nested paths (Space Cloud's remote service templates). Pure
 * functions; imports only shared/ and errors/.
 */
export {
  fieldScope,
  isSoleReference,
  jsonTemplateReferences,
  renderJsonTemplate,
  renderPathTemplate,
  renderQueryValues,
  renderTemplate,
  renderValue,
  sessionScope,
  type TemplateReference,
  type TemplateRoot,
  type TemplateScope,
  templateReferences,
  valueAt,
} from "./templates";
