/**
 * usage/: usage of deprecated elements (issue 17, "At runtime"). Which deprecated fields, arguments,
 * input fields and enum values an operation touches, analysed once per schema and document
 * (analyze.ts); the client a request counts for (client.ts); the counts per coordinate, client and UTC
 * day in the `DeprecationUsage` Durable Object (store.ts), sent in the background (record.ts); the Yoga
 * plugin that counts every validated operation (use-deprecation-usage.ts; the fast lane counts what it
 * answers alone); and `GET /admin/deprecations` (report.ts). See docs/schema-lifecycle.md.
 */
export { type DocumentUsage, documentUsage, hasDeprecations, touchedCoordinates } from "./analyze";
export { CLIENT_NAME_FALLBACK_HEADER, CLIENT_NAME_HEADER, clientName, UNKNOWN_CLIENT } from "./client";
export { countUsage, recordUsage, type UsageContext, usageStub } from "./record";
export {
  type ClientUsage,
  DEFAULT_WINDOW_DAYS,
  type DeprecationReport,
  type DeprecationsAnswer,
  deprecationReport,
  readDeprecations,
  windowDays,
} from "./report";
export { DeprecationUsage, type DeprecationUsageRpc, RETENTION_DAYS, type UsageRead, type UsageRow } from "./store";
export { useDeprecationUsage } from "./use-deprecation-usage";
