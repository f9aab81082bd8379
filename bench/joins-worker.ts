/**
 * The Worker of `bench/joins.mjs`: the example gateway (schemas/gateway.json, schemas/*.graphql and its
 * module modules/shop) twice in one isolate, as written (batched joins) and with every join of
 * modules/shop/orders.graphql unbatched
 * (`x-bench-variant: unbatched`), so both variants run on the same build, upstreams and machine.
 */
import config from "../schemas/gateway.json";
import { createApp } from "../src/app";
import { modules, schemaFiles } from "../src/generated";

/** The same joins without `batch: true`: one delegation (or REST call) per distinct key. */
const UNBATCHED: Array<[RegExp, string]> = [
  [
    /@rest\(service: "orders", endpoint: "paymentsForOrders"[^)]*\)/,
    '@rest(service: "orders", endpoint: "orderPayments")',
  ],
  [
    /@join\(remote: "users", field: "allUsers", args: \{ filter: \{ ids: "\{parent\.userId\}" \} \}, batch: true\)/,
    '@join(remote: "users", field: "User", args: { id: "{parent.userId}" })',
  ],
  [
    /@join\(remote: "catalog", field: "productsByIds", args: \{ ids: "\{parent\.productId\}" \}, batch: true\)/,
    '@join(remote: "catalog", field: "product", args: { id: "{parent.productId}" })',
  ],
  [
    /@join\(remote: "users", field: "allUsers", args: \{ filter: \{ ids: "\{parent\.sellerId\}" \} \}, batch: true\)/,
    '@join(remote: "users", field: "User", args: { id: "{parent.sellerId}" })',
  ],
];

function unbatched(sdl: string): string {
  let out = sdl;
  for (const [pattern, replacement] of UNBATCHED) {
    if (!pattern.test(out)) throw new Error(`bench: ${pattern} not found in modules/shop/orders.graphql`);
    out = out.replace(pattern, replacement);
  }
  return out;
}

let apps: { batched: ReturnType<typeof createApp>; unbatched: ReturnType<typeof createApp> } | undefined;

export default {
  fetch(request, env, ctx) {
    apps ??= {
      batched: createApp({ config, schemaFiles, modules, kvPrefix: "batched:" }),
      unbatched: createApp({
        config,
        schemaFiles,
        modules: modules.map((module) => ({
          ...module,
          files: module.files.map((file) =>
            file.path === "modules/shop/orders.graphql" ? { ...file, sdl: unbatched(file.sdl) } : file,
          ),
        })),
        kvPrefix: "unbatched:",
      }),
    };
    const app = request.headers.get("x-bench-variant") === "unbatched" ? apps.unbatched : apps.batched;
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
