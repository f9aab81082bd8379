/**
 * browser/: what protects the gateway from requests a browser makes on a page's behalf. CSRF
 * prevention (a Yoga plugin: a request a browser may send cross-site without a CORS preflight needs a
 * CSRF header), the GraphiQL page's Content-Security-Policy (a Yoga plugin), and keeping
 * `x-admin-secret` out of CORS preflight answers (used by the app's CORS middleware).
 */

export { withoutAdminSecret } from "./cors";
export { CSRF_HEADERS, useCsrfPrevention } from "./csrf";
export {
  GRAPHIQL_CDN,
  GRAPHIQL_FAVICON,
  graphiqlContentSecurityPolicy,
  useGraphiQLContentSecurityPolicy,
} from "./graphiql-csp";
