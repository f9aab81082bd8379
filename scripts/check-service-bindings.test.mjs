/**
 * Tests of the service binding check of scripts/check-config.mjs (check-service-bindings.mjs): the
 * `binding` of remotes and services in a fake gateway.json against the `[[services]]` of a fake
 * wrangler.toml, as functions and through the script itself. Run with `npm run test:scripts`
 * (`node --test scripts/`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runCheckConfig } from "./check-config-harness.mjs";
import { bindingReferences, readServiceBindings, serviceBindingProblems } from "./check-service-bindings.mjs";

const temp = mkdtempSync(path.join(tmpdir(), "check-service-bindings-"));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A wrangler.toml declaring ACCOUNTS (-> accounts-worker) and BILLING (-> billing-worker), and STAGING only under [env.staging]. */
const WRANGLER = `
name = "junction"
main = "src/index.ts"

[[services]]
binding = "ACCOUNTS"
service = "accounts-worker"

[[services]]
binding = "BILLING"
service = "billing-worker"
entrypoint = "Billing"

[env.staging]
[[env.staging.services]]
binding = "STAGING"
service = "staging-worker"
`;

describe("serviceBindingProblems", () => {
  test("reads every top-level [[services]] binding with its Worker", () => {
    assert.deepEqual(
      [...readServiceBindings(WRANGLER)],
      [
        ["ACCOUNTS", "accounts-worker"],
        ["BILLING", "billing-worker"],
      ],
    );
  });

  test("lists the bindings of remotes and services, located at their binding key", () => {
    const config = {
      remotes: [
        { name: "a", url: "http://x" },
        { name: "b", binding: "ACCOUNTS" },
      ],
      services: [{ name: "c", binding: "BILLING" }],
    };
    assert.deepEqual(bindingReferences(config), [
      { path: "$.remotes[1].binding", binding: "ACCOUNTS" },
      { path: "$.services[0].binding", binding: "BILLING" },
    ]);
  });

  test("passes declared bindings; fails an undeclared one and one declared only under [env.*], naming them", () => {
    const references = [
      { path: "$.remotes[0].binding", binding: "ACCOUNTS" },
      { path: "$.remotes[1].binding", binding: "MISSING" },
      { path: "$.services[0].binding", binding: "STAGING" },
    ];
    assert.deepEqual(serviceBindingProblems(references, WRANGLER), [
      {
        path: "$.remotes[1].binding",
        message:
          'service binding MISSING is not declared in wrangler.toml: add [[services]] with binding = "MISSING" and service = "<the Worker it calls>"',
      },
      {
        path: "$.services[0].binding",
        message:
          'service binding STAGING is not declared in wrangler.toml: add [[services]] with binding = "STAGING" and service = "<the Worker it calls>"',
      },
    ]);
  });

  test("no bindings: nothing to check, not even the TOML", () => {
    assert.deepEqual(serviceBindingProblems([], "not = [toml"), []);
  });

  test("a wrangler.toml that is not TOML is one problem naming the file", () => {
    const [problem] = serviceBindingProblems(
      [{ path: "$.remotes[0].binding", binding: "A" }],
      "[[services]\n",
      "x.toml",
    );
    assert.equal(problem.path, "x.toml");
    assert.match(problem.message, /^not valid TOML: /);
  });
});

/** Runs scripts/check-config.mjs on a fake gateway.json and wrangler.toml (see check-config-harness.mjs). */
const checkConfig = (config, wrangler = WRANGLER) => runCheckConfig(temp, config, wrangler);

describe("check-config.mjs with service bindings", () => {
  test("passes when every binding is declared in [[services]]", () => {
    const { status, output } = checkConfig({
      remotes: [{ name: "accounts", binding: "ACCOUNTS", path: "/gql" }],
      services: [{ name: "billing", binding: "BILLING", endpoints: {} }],
    });
    assert.equal(status, 0, output);
    assert.match(output, /is valid/);
  });

  test("fails on a binding wrangler.toml does not declare, naming it and its place in the config", () => {
    const { status, output } = checkConfig({
      remotes: [{ name: "accounts", binding: "ACCOUNTS" }],
      services: [{ name: "mailer", binding: "MAILER", endpoints: {} }],
    });
    assert.equal(status, 1, output);
    assert.match(output, /\$\.services\[0\]\.binding: service binding MAILER is not declared in .*wrangler-\d+\.toml/);
    assert.doesNotMatch(output, /ACCOUNTS/);
  });

  test("fails when the wrangler.toml declares no services at all", () => {
    const { status, output } = checkConfig({ remotes: [{ name: "a", binding: "ACCOUNTS" }] }, 'name = "junction"\n');
    assert.equal(status, 1, output);
    assert.match(output, /\$\.remotes\[0\]\.binding: service binding ACCOUNTS is not declared/);
  });

  test("a config without bindings passes whatever the wrangler.toml declares", () => {
    const { status, output } = checkConfig({ remotes: [{ name: "a", url: "http://127.0.0.1:9/graphql" }] }, "");
    assert.equal(status, 0, output);
  });
});
