/**
 * templates/: the template language of `@rest` endpoints, `@join` arguments and `@publish` topics:
 * `{args.x}`, `{parent.x}`, `{session.x}`, `{result.x}` (topics only) with nested paths (Space Cloud's
 * remote service templates). Pure
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
