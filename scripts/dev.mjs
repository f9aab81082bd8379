/**
 * Local development launcher: starts the three example upstreams (examples/users and examples/catalog,
 * GraphQL; examples/orders, REST), waits until all answer, then runs `wrangler dev` for the Junction
 * gateway together with the example Worker it reaches through a service binding
 * (examples/reviews-worker, binding REVIEWS; wrangler's multi-config dev: one process, the gateway on PORT).
 *
 * Run:   npm run dev                                 (upstreams + gateway)
 *        npm run examples                            (= node scripts/dev.mjs --upstreams-only)
 * Env:   PORT (gateway, default 8787), USERS_PORT (default 4001), CATALOG_PORT (default 4002),
 *        ORDERS_PORT (default 4003).
 *
 * Creates .dev.vars from .dev.vars.example on first run; wrangler dev reads ADMIN_SECRET and the
 * upstream URLs from it. An existing .dev.vars that lacks a variable of .dev.vars.example (e.g. one
 * added by a later version) gets it appended. When USERS_PORT / CATALOG_PORT / ORDERS_PORT are set,
 * the matching USERS_URL / CATALOG_URL / ORDERS_URL are passed with `--var`, which takes precedence
 * over .dev.vars.
 *
 * Every child runs in its own process group (detached). On Ctrl+C, SIGTERM, SIGHUP, or when any child
 * exits, each whole group is sent SIGTERM (SIGKILL after 5 s), so no workerd process is left behind.
 * A second Ctrl+C kills everything at once. Node built-ins only.
 */
import { spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HOST = "127.0.0.1";
/**
 * The wrangler configs `wrangler dev` runs together: the gateway's first, then each example Worker the
 * gateway reaches through a service binding ([[services]] in wrangler.toml).
 */
const WORKER_CONFIGS = ["wrangler.toml", "examples/reviews-worker/wrangler.toml"];
const UPSTREAM_READY_TIMEOUT_MS = 15_000;
const GATEWAY_READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * How to ask an upstream whether it is ready: a GraphQL server answers POST { __typename }, a REST
 * server answers GET with 200.
 * @typedef {{ describe: string, request: RequestInit, ok: (response: Response) => Promise<boolean> }} Probe
 */

/** @type {Probe} */
const GRAPHQL_PROBE = {
  describe: "POST { __typename }",
  request: {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query: "{ __typename }" }),
  },
  ok: async (response) => {
    const body = await response.json().catch(() => undefined);
    return response.ok && typeof body?.data?.__typename === "string";
  },
};

/** @type {Probe} */
const REST_PROBE = {
  describe: "GET with 200",
  request: { headers: { accept: "application/json" } },
  ok: async (response) => {
    await response.body?.cancel();
    return response.status === 200;
  },
};

const args = process.argv.slice(2);
const upstreamsOnly = args.includes("--upstreams-only");
const unknownArgs = args.filter((arg) => arg !== "--upstreams-only");
if (unknownArgs.length > 0) {
  fail(`unknown argument(s): ${unknownArgs.join(" ")}\nusage: node scripts/dev.mjs [--upstreams-only]`);
}

const gatewayPort = readPort("PORT", 8787);
const usersPort = readPort("USERS_PORT", 4001);
const catalogPort = readPort("CATALOG_PORT", 4002);
const ordersPort = readPort("ORDERS_PORT", 4003);
if (new Set([gatewayPort, usersPort, catalogPort, ordersPort]).size !== 4) {
  fail(
    `PORT (${gatewayPort}), USERS_PORT (${usersPort}), CATALOG_PORT (${catalogPort}) and ORDERS_PORT (${ordersPort}) must differ`,
  );
}
const usersUrl = `http://${HOST}:${usersPort}/graphql`;
const catalogUrl = `http://${HOST}:${catalogPort}/graphql`;
/** The REST service's base URL (ORDERS_URL): endpoint paths such as /orders are appended to it. */
const ordersUrl = `http://${HOST}:${ordersPort}`;
const gatewayUrl = `http://${HOST}:${gatewayPort}/graphql`;

/** @typedef {{ name: string, child: import("node:child_process").ChildProcess, exited: boolean }} Managed */
/** @type {Managed[]} */
const children = [];
let stopping = false;

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (stopping) {
      log(`${signal} again: killing everything now`);
      signalAll("SIGKILL");
      process.exit(1);
    }
    log(`${signal} received, stopping`);
    void stop(0);
  });
}
for (const event of ["uncaughtException", "unhandledRejection"]) {
  process.on(event, (error) => {
    console.error(error);
    void stop(1);
  });
}
// Last resort if the launcher exits by any other path: never leave a process group behind.
process.on("exit", () => signalAll("SIGKILL", { onlyAlive: true }));

await main();

async function main() {
  const users = start("users", process.execPath, ["examples/users/server.mjs"], {
    USERS_PORT: String(usersPort),
  });
  const catalog = start("catalog", process.execPath, ["examples/catalog/server.mjs"], {
    CATALOG_PORT: String(catalogPort),
  });
  const orders = start("orders", process.execPath, ["examples/orders/server.mjs"], {
    ORDERS_PORT: String(ordersPort),
  });
  try {
    await Promise.all([
      waitForUpstream(users, usersUrl, GRAPHQL_PROBE),
      waitForUpstream(catalog, catalogUrl, GRAPHQL_PROBE),
      waitForUpstream(orders, `${ordersUrl}/orders`, REST_PROBE),
    ]);
  } catch (error) {
    if (stopping) return;
    log(error instanceof Error ? error.message : String(error));
    return stop(1);
  }

  if (upstreamsOnly) {
    log(`upstreams ready: ${usersUrl}, ${catalogUrl} and ${ordersUrl} (Ctrl+C to stop)`);
    return;
  }

  ensureDevVars();
  const wranglerBin = join(ROOT, "node_modules", ".bin", "wrangler");
  if (!existsSync(wranglerBin)) {
    log(`${wranglerBin} not found; run \`npm install\` first`);
    return stop(1);
  }
  // The gateway first (served on --port), then the Workers it reaches only through service bindings, in
  // the same process (wrangler's multi-config dev): examples/reviews-worker is its REVIEWS binding.
  const wranglerArgs = ["dev", ...WORKER_CONFIGS.flatMap((config) => ["-c", config])];
  wranglerArgs.push("--ip", HOST, "--port", String(gatewayPort), "--persist-to", ".wrangler/state");
  // stdin is not a terminal for wrangler (see start()), so also turn its hotkey UI off explicitly.
  wranglerArgs.push("--show-interactive-dev-session=false");
  if (process.env.USERS_PORT) wranglerArgs.push("--var", `USERS_URL:${usersUrl}`);
  if (process.env.CATALOG_PORT) wranglerArgs.push("--var", `CATALOG_URL:${catalogUrl}`);
  if (process.env.ORDERS_PORT) wranglerArgs.push("--var", `ORDERS_URL:${ordersUrl}`);
  const wrangler = start("wrangler", wranglerBin, wranglerArgs, {});

  if (await waitForHttp(wrangler, `http://${HOST}:${gatewayPort}/`)) {
    await reloadSchemas();
    log(`Junction gateway: ${gatewayUrl} (GraphiQL in a browser at the same URL)`);
  } else if (!stopping) {
    log(`wrangler dev did not answer within ${GATEWAY_READY_TIMEOUT_MS / 1000} s; still waiting, see its output above`);
    log(`Junction gateway (once wrangler is up): ${gatewayUrl} (GraphiQL in a browser at the same URL)`);
  }
}

/**
 * Re-introspects the example remotes once the gateway is up (`POST /admin/reload`): the introspection
 * cached in the persisted KV of an earlier run may predate changes to examples/, and joins check the
 * remotes' current fields. Uses ADMIN_SECRET from .dev.vars; a failure is reported, not fatal.
 */
async function reloadSchemas() {
  const devVars = join(ROOT, ".dev.vars");
  const secret = existsSync(devVars)
    ? /^ADMIN_SECRET=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1]?.trim()
    : undefined;
  if (!secret) return;
  try {
    const res = await fetch(`http://${HOST}:${gatewayPort}/admin/reload`, {
      method: "POST",
      headers: { "x-admin-secret": secret },
      signal: AbortSignal.timeout(20_000),
    });
    if (!res.ok) log(`reloading the example remotes failed: HTTP ${res.status} ${await res.text()}`);
  } catch (error) {
    log(`reloading the example remotes failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Spawns a child in its own process group (so the whole group can be signalled), with stdout and
 * stderr shared with this terminal. stdin is not shared: a process outside the terminal's foreground
 * group that reads the terminal gets stopped by SIGTTIN.
 * @param {string} name
 * @param {string} command
 * @param {string[]} commandArgs
 * @param {Record<string, string>} env
 * @returns {Managed}
 */
function start(name, command, commandArgs, env) {
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  /** @type {Managed} */
  const managed = { name, child, exited: false };
  children.push(managed);
  child.on("error", (error) => {
    managed.exited = true;
    if (stopping) return;
    log(`cannot start ${name}: ${error.message}`);
    void stop(1);
  });
  child.on("exit", (code, signal) => {
    managed.exited = true;
    if (stopping) return;
    log(`${name} exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}), stopping everything`);
    void stop(code === 0 ? 1 : (code ?? 1));
  });
  return managed;
}

/**
 * Resolves once `url` passes `probe`; rejects after UPSTREAM_READY_TIMEOUT_MS or when the child exits first.
 * @param {Managed} managed
 * @param {string} url
 * @param {Probe} probe
 */
async function waitForUpstream(managed, url, probe) {
  const deadline = Date.now() + UPSTREAM_READY_TIMEOUT_MS;
  let lastProblem = "no answer";
  while (Date.now() < deadline) {
    if (managed.exited || stopping) throw new Error(`${managed.name} upstream exited before it was ready`);
    try {
      const response = await fetch(url, { ...probe.request, signal: AbortSignal.timeout(1_000) });
      if (await probe.ok(response)) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? (error.cause?.code ?? error.message) : String(error);
    }
    await sleep(200);
  }
  throw new Error(
    `${managed.name} upstream did not answer ${probe.describe} at ${url} within ` +
      `${UPSTREAM_READY_TIMEOUT_MS / 1000} s (last: ${lastProblem})`,
  );
}

/**
 * True once `url` gives any HTTP response; false after GATEWAY_READY_TIMEOUT_MS or when the child exits.
 * @param {Managed} managed
 * @param {string} url
 */
async function waitForHttp(managed, url) {
  const deadline = Date.now() + GATEWAY_READY_TIMEOUT_MS;
  while (Date.now() < deadline && !managed.exited && !stopping) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return true;
    } catch {
      await sleep(500);
    }
  }
  return false;
}

/**
 * Copies .dev.vars.example to .dev.vars unless .dev.vars exists. An existing .dev.vars keeps every
 * line it has; variables of .dev.vars.example it does not set are appended with the example's values.
 */
function ensureDevVars() {
  const devVars = join(ROOT, ".dev.vars");
  const example = join(ROOT, ".dev.vars.example");
  if (!existsSync(example)) {
    if (!existsSync(devVars)) {
      log("neither .dev.vars nor .dev.vars.example exists; wrangler dev runs without local secrets");
    }
    return;
  }
  if (!existsSync(devVars)) {
    copyFileSync(example, devVars);
    log("created .dev.vars from .dev.vars.example (local only, not for production)");
    return;
  }
  const current = readFileSync(devVars, "utf8");
  const present = new Set(parseDevVars(current).map(([name]) => name));
  const missing = parseDevVars(readFileSync(example, "utf8")).filter(([name]) => !present.has(name));
  if (missing.length === 0) return;
  const lines = missing.map(([, line]) => line).join("\n");
  appendFileSync(devVars, `${current === "" || current.endsWith("\n") ? "" : "\n"}${lines}\n`);
  log(`added ${missing.map(([name]) => name).join(", ")} to .dev.vars from .dev.vars.example`);
}

/**
 * The variable assignments of a .dev.vars (dotenv) file: `NAME=value` lines, optionally with `export `;
 * comments and blank lines are skipped. Values spanning several lines (quoted) are not supported.
 * @param {string} text
 * @returns {[name: string, line: string][]}
 */
function parseDevVars(text) {
  /** @type {[string, string][]} */
  const out = [];
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (match) out.push([/** @type {string} */ (match[1]), line.trim()]);
  }
  return out;
}

/**
 * Stops every child's process group: SIGTERM, then SIGKILL for groups still alive after
 * STOP_TIMEOUT_MS. Then exits with `code`.
 * @param {number} code
 */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  signalAll("SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (children.some(groupAlive) && Date.now() < deadline) await sleep(100);
  for (const managed of children.filter(groupAlive)) {
    log(`${managed.name} still running after ${STOP_TIMEOUT_MS / 1000} s, sending SIGKILL`);
  }
  signalAll("SIGKILL", { onlyAlive: true });
  process.exit(code);
}

/**
 * Sends `signal` to every child's process group (the group id is the child's pid).
 * @param {NodeJS.Signals} signal
 * @param {{ onlyAlive?: boolean }} [options]
 */
function signalAll(signal, options = {}) {
  for (const managed of children) {
    if (managed.child.pid === undefined) continue;
    if (options.onlyAlive && !groupAlive(managed)) continue;
    try {
      process.kill(-managed.child.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

/** @param {Managed} managed */
function groupAlive(managed) {
  if (managed.child.pid === undefined) return false;
  try {
    process.kill(-managed.child.pid, 0);
    return true;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === "EPERM";
  }
}

/**
 * @param {string} name
 * @param {number} fallback
 */
function readPort(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`invalid ${name} "${value}"`);
  return port;
}

/** @param {number} ms */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** @param {string} message */
function log(message) {
  console.log(`[dev] ${message}`);
}

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`[dev] ${message}`);
  process.exit(1);
}
