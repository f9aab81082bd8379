/**
 * Tests of the rate limit check of scripts/check-config.mjs (check-rate-limits.mjs): the `rateLimits`
 * rules of a fake gateway.json against the `[[ratelimits]]` of a fake wrangler.toml, as a function and
 * through the script itself. Run with `npm run test:scripts` (`node --test scripts/`).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { runCheckConfig } from "./check-config-harness.mjs";
import { rateLimitProblems, readRateLimitBindings } from "./check-rate-limits.mjs";

const temp = mkdtempSync(path.join(tmpdir(), "check-rate-limits-"));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A wrangler.toml declaring RATE_LIMITER (100 per 60 s) and BURST (5 per 10 s). */
const WRANGLER = `
name = "junction"
main = "src/index.ts"

[[kv_namespaces]]
binding = "SCHEMA_CACHE"
id = "00000000000000000000000000000000"

[[ratelimits]]
name = "RATE_LIMITER"
namespace_id = "1001"
simple = { limit = 100, period = 60 }

[[ratelimits]]
name = "BURST"
namespace_id = "1002"

  [ratelimits.simple]
  limit = 5
  period = 10
`;

const rule = (binding, limit, periodSec) => ({ key: "ip", binding, limit, periodSec });

describe("rateLimitProblems", () => {
  test("reads every [[ratelimits]] binding, inline or sub-table simple", () => {
    assert.deepEqual(
      [...readRateLimitBindings(WRANGLER)],
      [
        ["RATE_LIMITER", { limit: 100, period: 60 }],
        ["BURST", { limit: 5, period: 10 }],
      ],
    );
  });

  test("passes rules whose limit and period are their binding's", () => {
    assert.deepEqual(rateLimitProblems([rule("RATE_LIMITER", 100, 60), rule("BURST", 5, 10)], WRANGLER), []);
  });

  test("no rules: nothing to check, not even the TOML", () => {
    assert.deepEqual(rateLimitProblems([], "not = [toml"), []);
  });

  test("fails a rule naming an undeclared binding, and one whose limit or period differ", () => {
    assert.deepEqual(
      rateLimitProblems([rule("MISSING", 10, 60), rule("RATE_LIMITER", 50, 10), rule("BURST", 5, 60)], WRANGLER),
      [
        {
          path: "$.rateLimits[0].binding",
          message:
            'rate limiting binding MISSING is not declared in wrangler.toml: add [[ratelimits]] with name = "MISSING", a namespace_id and simple = { limit = 10, period = 60 }',
        },
        {
          path: "$.rateLimits[1].limit",
          message:
            "50 differs from simple.limit = 100 of binding RATE_LIMITER in wrangler.toml (the binding's limit is the one enforced)",
        },
        {
          path: "$.rateLimits[1].periodSec",
          message:
            "10 differs from simple.period = 60 of binding RATE_LIMITER in wrangler.toml (the binding's period is the one enforced)",
        },
        {
          path: "$.rateLimits[2].periodSec",
          message:
            "60 differs from simple.period = 10 of binding BURST in wrangler.toml (the binding's period is the one enforced)",
        },
      ],
    );
  });

  test("a binding declared only under [env.*] is not declared (wrangler does not inherit ratelimits)", () => {
    const text = `[env.staging]\n[[env.staging.ratelimits]]\nname = "STAGING"\nnamespace_id = "9"\nsimple = { limit = 1, period = 60 }\n`;
    assert.equal(rateLimitProblems([rule("STAGING", 1, 60)], text)[0]?.path, "$.rateLimits[0].binding");
  });

  test("a wrangler.toml that is not TOML is one problem naming the file", () => {
    const [problem] = rateLimitProblems([rule("RATE_LIMITER", 100, 60)], "[[ratelimits]\n", "fake.toml");
    assert.equal(problem.path, "fake.toml");
    assert.match(problem.message, /^not valid TOML: /);
  });
});

/** Runs scripts/check-config.mjs on a fake gateway.json and wrangler.toml (see check-config-harness.mjs). */
const checkConfig = (config, wrangler = WRANGLER) => runCheckConfig(temp, config, wrangler);

describe("check-config.mjs with rateLimits", () => {
  test("passes when every rule matches its binding (binding defaulting to RATE_LIMITER)", () => {
    const { status, output } = checkConfig({ rateLimits: [{ key: "ip", limit: 100, periodSec: 60 }] });
    assert.equal(status, 0, output);
    assert.match(output, /is valid/);
  });

  test("fails on an undeclared binding and on a limit differing from the binding's", () => {
    const { status, output } = checkConfig({
      rateLimits: [
        { key: "ip", limit: 100, periodSec: 60, binding: "RATE_LIMITER_X" },
        { key: "ip", limit: 99, periodSec: 60 },
      ],
    });
    assert.equal(status, 1, output);
    assert.match(output, /\$\.rateLimits\[0\]\.binding: rate limiting binding RATE_LIMITER_X is not declared in /);
    assert.match(output, /\$\.rateLimits\[1\]\.limit: 99 differs from simple\.limit = 100 of binding RATE_LIMITER/);
  });

  test("fails when the wrangler.toml declares no rate limiter at all", () => {
    const { status, output } = checkConfig(
      { rateLimits: [{ key: "ip", limit: 100, periodSec: 60 }] },
      'name = "junction"\n',
    );
    assert.equal(status, 1, output);
    assert.match(output, /\$\.rateLimits\[0\]\.binding: rate limiting binding RATE_LIMITER is not declared/);
  });

  test("a config without rateLimits passes whatever the wrangler.toml declares", () => {
    const { status, output } = checkConfig({}, 'name = "junction"\n');
    assert.equal(status, 0, output);
  });
});
