/**
 * A module's event triggers (docs/modules.md, docs/triggers.md): `events.triggers` of a module.json are
 * merged into the project's, named `<module>_<name>`, and deliver through the real EVENT_TRIGGERS queue to
 * test `id`'s loopback target like the project's own; a clash of names is located in the module.json.
 */
import { describe, expect, it } from "vitest";
import type { ModuleBundle } from "../../src/modules";
import { problemsOf, testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";
import { controlTarget, deliveries, EVENTS_SECRET, publish, targetUrl } from "../triggers/harness";

const shop = (id: string): ModuleBundle => ({
  dir: "modules/shop",
  entry: "modules/shop",
  manifest: { events: { triggers: [{ name: "mailer", topic: "orders.*", url: targetUrl(id) }] } },
  files: [],
});

describe("a module's event triggers", () => {
  it("are named <module>_<name> and deliver alongside the project's own", async () => {
    const id = uniqueId("mtrg");
    await controlTarget(id, { secret: EVENTS_SECRET });
    const gw = testGateway(
      id,
      { modules: ["modules/shop"], events: { triggers: [{ name: "audit", topic: "#", url: targetUrl(id) }] } },
      { modules: [shop(id)], env: { EVENTS_SECRET } },
    );
    const answer = await publish(gw, "orders.9", JSON.stringify({ id: "9" }));
    expect(answer).toMatchObject({ status: 202, body: { triggers: 2 } });
    const got = await deliveries(id, 2);
    expect(got.map((delivery) => delivery.trigger).sort()).toEqual(["audit", "shop_mailer"]);
    expect(new Set(got.map((delivery) => delivery.eventId)).size).toBe(1);
  });

  it("a trigger name the project has already is refused, located in the module.json", async () => {
    const id = uniqueId("mtrg");
    const plain: ModuleBundle = {
      ...shop(id),
      manifest: { namespace: false, ...(shop(id).manifest as Record<string, unknown>) },
    };
    const gw = testGateway(
      id,
      { modules: ["modules/shop"], events: { triggers: [{ name: "mailer", topic: "#", url: targetUrl(id) }] } },
      { modules: [plain], env: { EVENTS_SECRET } },
    );
    expect(await problemsOf(await gw.fetch("/healthz"))).toContainEqual({
      path: "modules/shop/module.json $.events.triggers[0].name",
      message: 'module "shop": trigger "mailer" clashes with a name of schemas/gateway.json',
    });
  });
});
