import { ConfigError, type ConfigProblem } from "../errors";
import type { FetchFn } from "../shared";

/** What the startup check reads of a remote or a service: its `binding`, if it has one. */
interface BoundUpstream {
  binding?: string;
}

/**
 * Whether a value of `env` is a Worker service binding (a `Fetcher`): an object with a `fetch` method.
 * KV, R2, Durable Object namespaces, queues and text variables have none.
 * @param value - `env[name]`
 * @returns true for a service binding
 * @see https://developers.cloudflare.com/workers/runtime-apis/bindings/service-bindings/http/
 */
export function isServiceBinding(value: unknown): value is Fetcher {
  // A service binding is also an RPC stub: every other property reads as a function, so only `fetch` tells.
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { fetch?: unknown }).fetch === "function"
  );
}

/**
 * Checks that every `binding` named by a remote or a service is a service binding of this Worker, like a
 * missing `{{env.X}}`: a startup config error naming it, located at the entry's `binding`.
 * @param config - the validated `remotes` and `services`
 * @param env - the Worker's bindings
 * @throws ConfigError with one problem per missing binding (`$.remotes[0].binding`), or per name bound
 *   to something that is not a service (a variable, KV, ...)
 */
export function checkServiceBindings(
  config: { remotes: readonly BoundUpstream[]; services: readonly BoundUpstream[] },
  env: Env,
): void {
  const bindings = env as unknown as Record<string, unknown>;
  const problems: ConfigProblem[] = [];
  for (const key of ["remotes", "services"] as const) {
    config[key].forEach((upstream, index) => {
      const name = upstream.binding;
      if (name === undefined) return;
      const value = bindings[name];
      if (isServiceBinding(value)) return;
      problems.push({
        path: `$.${key}[${index}].binding`,
        message:
          value === undefined
            ? `service binding ${name} is not bound: add [[services]] with binding = "${name}" and the service (Worker name) it calls to wrangler.toml`
            : `${name} is not a service binding ([[services]] in wrangler.toml)`,
      });
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * The fetch of a service binding, for the upstream pipeline and the remote streams.
 * @param env - the Worker's bindings (undefined: none known)
 * @param name - the binding's name
 * @returns `env[name].fetch`, bound to its binding
 * @throws Error (a transport failure, UPSTREAM_UNAVAILABLE through the `errors` plugin) when the binding
 *   is missing: {@link checkServiceBindings} reports that at startup, so only a pipeline made without `env` meets it
 */
export function serviceBindingFetch(env: Readonly<Record<string, unknown>> | undefined, name: string): FetchFn {
  const value = env?.[name];
  if (!isServiceBinding(value)) throw new Error(`service binding ${name} is not bound`);
  return (input, init) => value.fetch(input, init);
}
