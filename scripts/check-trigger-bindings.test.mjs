/**
 * Tests of the event trigger check of scripts/check-config.mjs (check-trigger-bindings.mjs): the
 * `events.triggers` of a fake gateway.json against the queues and services of a fake wrangler.toml, as a
 * function and through the script itself. Run with `npm run test:scripts` (`node --test scripts/`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runCheckConfig } from "./check-config-harness.mjs";
import { triggerBindingProblems } from "./check-trigger-bindings.mjs";

const temp = mkdtempSync(path.join(tmpdir(), "check-trigger-bindings-"));
after(() => rmSync(temp, { recursive: true, force: true }));

const QUEUES = `
[[queues.producers]]
binding = "EVENT_TRIGGERS"
queue = "q"

[[queues.consumers]]
queue = "q"
`;
const SERVICES = `
[[services]]
binding = "LEDGER"
service = "ledger"
`;
const WRANGLER = `name = "junction"\nmain = "src/index.ts"\n${SERVICES}${QUEUES}`;

describe("triggerBindingProblems", () => {
  test("passes url and declared binding targets with the queue produced and consumed", () => {
    assert.deepEqual(triggerBindingProblems([{ name: "a" }, { name: "b", binding: "LEDGER" }], WRANGLER), []);
  });

  test("no triggers: nothing to check, not even the TOML", () => {
    assert.deepEqual(triggerBindingProblems([], "not = [toml"), []);
  });

  test("fails without the EVENT_TRIGGERS producer, without its consumer, and on an undeclared service binding", () => {
    assert.deepEqual(triggerBindingProblems([{ name: "a" }], SERVICES), [
      {
        path: "$.events.triggers",
        message:
          'event triggers need the EVENT_TRIGGERS queue: wrangler.toml has no [[queues.producers]] with binding = "EVENT_TRIGGERS"',
      },
    ]);
    const noConsumer = `[[queues.producers]]\nbinding = "EVENT_TRIGGERS"\nqueue = "q"\n`;
    assert.match(
      triggerBindingProblems([{ name: "a" }], noConsumer)[0]?.message ?? "",
      /no \[\[queues\.consumers\]\] for queue "q"/,
    );
    assert.deepEqual(triggerBindingProblems([{ name: "a", binding: "MAILER" }], WRANGLER), [
      {
        path: "$.events.triggers[0].binding",
        message:
          'service binding MAILER is not declared in wrangler.toml: add [[services]] with binding = "MAILER" and service = "<the Worker it calls>"',
      },
    ]);
  });
});

describe("check-config.mjs with events.triggers", () => {
  const run = (config, wrangler) => runCheckConfig(temp, config, wrangler);

  test("passes with the bindings declared, fails naming an undeclared one", () => {
    const ok = run({ events: { triggers: [{ name: "l", topic: "orders.#", binding: "LEDGER" }] } }, WRANGLER);
    assert.equal(ok.status, 0, ok.output);
    const bad = run({ events: { triggers: [{ name: "m", topic: "orders.*", binding: "MAILER" }] } }, WRANGLER);
    assert.equal(bad.status, 1, bad.output);
    assert.match(bad.output, /\$\.events\.triggers\[0\]\.binding: service binding MAILER is not declared in /);
  });

  test("a wrangler.toml that is not TOML is one problem, however many checks read it", () => {
    const config = {
      rateLimits: [{ key: "ip", limit: 100, periodSec: 60 }],
      remotes: [{ name: "a", binding: "A" }],
      events: { triggers: [{ name: "m", topic: "orders.*", binding: "MAILER" }] },
    };
    const bad = run(config, "[[services]\n");
    assert.equal(bad.status, 1, bad.output);
    assert.equal(bad.output.match(/not valid TOML/g)?.length, 1, bad.output);
    assert.deepEqual(
      triggerBindingProblems(config.events.triggers, "[[services]\n", "x.toml").map((p) => p.path),
      ["x.toml"],
    );
  });
});
