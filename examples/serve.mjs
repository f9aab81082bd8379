/**
 * What the example upstreams share: read the port from the environment and serve a request handler on
 * 127.0.0.1 only, printing one ready line and exiting cleanly on SIGINT/SIGTERM.
 */
import { createServer } from "node:http";

const HOST = "127.0.0.1";

/**
 * @param {string} label - the upstream's name, for messages
 * @param {string} envName - e.g. USERS_PORT
 * @param {number} fallback - the default port
 * @returns {number} the port (exits with 1 on an invalid value)
 */
export function portFromEnv(label, envName, fallback) {
  const value = process.env[envName];
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`${label} upstream: invalid ${envName} "${value}"`);
    process.exit(1);
  }
  return port;
}

/**
 * Serves `handler` on 127.0.0.1:`port` and prints `<label> upstream: http://127.0.0.1:<port><path>`.
 * @param {string} label - the upstream's name
 * @param {import("node:http").RequestListener} handler - express app, Yoga instance, ...
 * @param {number} port - the port
 * @param {string} path - printed after the origin (e.g. /graphql)
 */
export function serve(label, handler, port, path) {
  const server = createServer(handler);
  server.on("error", (error) => {
    console.error(`${label} upstream: cannot listen on ${HOST}:${port}: ${error.message}`);
    process.exit(1);
  });
  server.listen(port, HOST, () => {
    console.log(`${label} upstream: http://${HOST}:${port}${path}`);
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      server.close(() => process.exit(0));
      server.closeAllConnections();
      setTimeout(() => process.exit(0), 2000).unref();
    });
  }
}
