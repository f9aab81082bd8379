import { describe, expect, it } from "vitest";
import { testGateway } from "../fixtures/gateways";
import { uniqueId } from "../helpers";

describe("composition of two remote schemas", () => {
  it("answers one query that crosses both remotes", async () => {
    const id = uniqueId();
    const gw = testGateway(id, { remotes: ["accounts", "products"] });
    const { status, body } = await gw.graphql("{ me { id name role } products(limit: 2) { upc name price } }");
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      me: { id: "1", name: "Ada", role: "ADMIN" },
      products: [
        { upc: "p1", name: "Table", price: 899 },
        { upc: "p2", name: "Couch", price: 1299 },
      ],
    });
  });
});
