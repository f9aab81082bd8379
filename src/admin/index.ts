export { adminAuth } from "./admin-auth";
export { adminRoutes } from "./routes";
