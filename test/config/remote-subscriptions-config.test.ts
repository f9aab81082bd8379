/**
 * Validation of `remotes[].subscriptions` (issue 15, /work/notes/remote-subs-spec.md): every key optional
 * with its default; a bad transport, a URL that is not http(s), a negative time or an unknown share is
 * INVALID_CONFIG naming its JSON path, at load like every other key.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { ConfigError, type ConfigProblem } from "../../src/errors";
import { problemsOf, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

const URL = "https://ticks.example/graphql";

/** The config of one remote `ticks` with `subscriptions`. */
const withSubscriptions = (subscriptions: unknown) => ({ remotes: [{ name: "ticks", url: URL, subscriptions }] });

/** The problems loadConfig reports for `subscriptions` (none: []). */
function problemsFor(subscriptions: unknown): ConfigProblem[] {
  try {
    loadConfig(withSubscriptions(subscriptions), {});
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("remotes[].subscriptions", () => {
  it("applies the defaults: transport sse, share session, reconnectWithinMs 30000, reestablishAfterMs 600000; url the remote's", () => {
    const remote = loadConfig(withSubscriptions({}), {}).remotes[0] as unknown as {
      subscriptions: Record<string, unknown>;
    };
    expect(remote.subscriptions).toMatchObject({
      transport: "sse",
      share: "session",
      reconnectWithinMs: 30_000,
      reestablishAfterMs: 600_000,
    });
    // The URL defaults to the remote's: filled in at load, or left out and read from the remote's url.
    expect([undefined, URL]).toContain(remote.subscriptions.url);
  });

  it("keeps the values given", () => {
    const given = {
      transport: "graphql-ws",
      url: "http://127.0.0.1:4000/subscriptions",
      share: "role",
      reconnectWithinMs: 1500,
      reestablishAfterMs: 1500,
    };
    const remote = loadConfig(withSubscriptions(given), {}).remotes[0] as unknown as { subscriptions: unknown };
    expect(remote.subscriptions).toEqual(given);
    expect(problemsFor({ share: "all" })).toEqual([]);
  });

  it.each([
    ["an unknown transport", { transport: "foo" }, "transport"],
    ["a ws:// url (http(s) for both transports)", { url: "ws://ticks.example/graphql" }, "url"],
    ["a url that is not a URL", { url: "not a url" }, "url"],
    ["a negative reconnectWithinMs", { reconnectWithinMs: -1 }, "reconnectWithinMs"],
    ["a negative reestablishAfterMs", { reestablishAfterMs: -5 }, "reestablishAfterMs"],
    ["an unknown share", { share: "everyone" }, "share"],
    ["a non-number time", { reconnectWithinMs: "soon" }, "reconnectWithinMs"],
    // docs/remote-subscriptions.md: 1000-840000 (the platform evicts an object holding a socket after 15 min).
    ["a reestablishAfterMs under 1000", { reestablishAfterMs: 999 }, "reestablishAfterMs"],
    ["a reestablishAfterMs over 840000 (14 min)", { reestablishAfterMs: 840_001 }, "reestablishAfterMs"],
  ])("refuses %s with INVALID_CONFIG at its path", (_name, subscriptions, key) => {
    expect(problemsFor(subscriptions).map((p) => p.path)).toEqual([`$.remotes[0].subscriptions.${key}`]);
  });

  it("answers every request with 500 INVALID_CONFIG naming the bad key", async () => {
    const gw = testGateway(uniqueId(), {
      remotes: [{ name: "ticks", url: URL, subscriptions: { transport: "foo", reconnectWithinMs: -1 } }],
    });
    const problems = await problemsOf(await gw.fetch("/healthz"));
    expect(problems.map((p) => p.path).sort()).toEqual([
      "$.remotes[0].subscriptions.reconnectWithinMs",
      "$.remotes[0].subscriptions.transport",
    ]);
  });
});
