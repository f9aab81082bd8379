/**
 * admin/: the admin sub-app mounted at `/admin` (reload, remotes status, composed SDL), every route behind
 * the `x-admin-secret` check.
 */
export { adminAuth } from "./admin-auth";
export { adminRoutes } from "./routes";
