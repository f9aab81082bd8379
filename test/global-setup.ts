import type { TestProject } from "vitest/node";
import { generateSchemaFiles } from "../scripts/gen-schema-files.mjs";
import { startUpstreams } from "./fixtures/upstreams";

declare module "vitest" {
  interface ProvidedContext {
    /** Base URL of the fixture upstreams (test/fixtures/upstreams.ts). */
    upstreams: string;
  }
}

/** Bundles schemas/*.graphql for src/index.ts, starts the loopback upstream servers in Node before the Workers test pool, stops them after. */
export default async function setup(project: TestProject) {
  generateSchemaFiles();
  const upstreams = await startUpstreams();
  project.provide("upstreams", upstreams.url);
  return async () => {
    await upstreams.close();
  };
}
