/**
 * How the gateway delegates to a remote schema: root fields of different remotes run in parallel, and
 * the root fields one operation selects of one remote go to it as ONE upstream request (batching).
 */
import { describe, expect, it } from "vitest";
import { testGateway } from "../../fixtures/gateways";
import { control, stats, uniqueId } from "../../helpers";

const CROSS_QUERY = "{ me { id } products { upc } }";
const ALL_PRODUCTS = [{ upc: "p1" }, { upc: "p2" }, { upc: "p3" }];

/** Test `id`'s accounts, products and errors remotes. */
const THREE_REMOTES = { remotes: ["accounts", "products", "errors"] };

describe("delegation to upstreams", () => {
  it("runs root fields of two remotes in parallel", async () => {
    const id = uniqueId();
    const gw = testGateway(id, THREE_REMOTES);
    // Warm up: schema loaded, both remotes healthy.
    expect((await gw.graphql(CROSS_QUERY)).body.errors).toBeUndefined();
    await control(id, "accounts", { mode: "slow", delayMs: 600 });
    await control(id, "products", { mode: "slow", delayMs: 600 });

    const started = Date.now();
    const { body } = await gw.graphql(CROSS_QUERY);
    const elapsed = Date.now() - started;

    expect(body).toEqual({ data: { me: { id: "1" }, products: ALL_PRODUCTS } });
    // Both upstreams really were slow...
    expect(elapsed).toBeGreaterThanOrEqual(550);
    // ...but were waited for at the same time (sequential would be >= 1200 ms).
    expect(elapsed).toBeLessThan(1100);
  });

  it("sends the root fields of one remote in one operation as ONE upstream request (batching)", async () => {
    const id = uniqueId();
    const gw = testGateway(id, THREE_REMOTES);
    expect((await gw.graphql("{ me { id } }")).body.errors).toBeUndefined();
    const before = await stats(id, "accounts");

    const { body } = await gw.graphql(
      '{ me { id } users { id } echo(value: "hi") again: user(id: "2") { name } products { upc } }',
    );

    expect(body).toEqual({
      data: {
        me: { id: "1" },
        users: [{ id: "1" }, { id: "2" }, { id: "3" }],
        echo: "hi",
        again: { name: "Grace" },
        products: ALL_PRODUCTS,
      },
    });
    const after = await stats(id, "accounts");
    expect(after.operations - before.operations).toBe(1);
    expect(after.requests - before.requests).toBe(1);
  });
});
