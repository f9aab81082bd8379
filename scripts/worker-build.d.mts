import type { BuildOptions } from "esbuild";

/** See worker-build.mjs: esbuild options that bundle a Worker as wrangler does for workerd. */
export declare const WORKER_BUILD: BuildOptions;
