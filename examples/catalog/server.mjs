/**
 * Example upstream "catalog": our own small GraphQL server (graphql-yoga on node:http) for products,
 * warehouses and stock reservations, and a subscription to a product's stock changes (served over SSE,
 * held by the gateway once for all its subscribers). Data comes from ./data.json and lives in memory only.
 *
 * Run:   node examples/catalog/server.mjs      (or `npm run examples` to start all three upstreams)
 * Env:   CATALOG_PORT (default 4002). Listens on http://127.0.0.1:<port>/graphql only
 *        (GraphiQL when opened in a browser).
 *
 * Every type and root field name here is distinct from those json-graphql-server generates for the
 * users upstream (User, Post, Comment, *Filter, *Input, ListMetadata, scalar Date, the User/allUsers/
 * _allUsersMeta queries and the create/createMany/update/remove/delete mutations), so the gateway can
 * merge both schemas without renaming. No Date or JSON scalar here: times are ISO 8601 strings.
 * `Product.sellerId` holds a users-upstream `User` id ("1" to "5").
 */

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { GraphQLError } from "graphql";
import { createPubSub, createSchema, createYoga } from "graphql-yoga";
import { portFromEnv, serve } from "../serve.mjs";

const PORT = portFromEnv("catalog", "CATALOG_PORT", 4002);
const RESERVATION_TTL_MS = 15 * 60 * 1000;

/**
 * @typedef {{ id: string, city: string }} WarehouseRecord
 * @typedef {{ id: string, name: string, description: string | null, price: number, currency: string,
 *   sellerId: string, stock: Record<string, number> }} ProductRecord
 * @typedef {{ id: string, productId: string, quantity: number, expiresAt: string }} ReservationRecord
 */

/** @type {{ warehouses: WarehouseRecord[], products: ProductRecord[] }} */
const data = JSON.parse(readFileSync(new URL("./data.json", import.meta.url), "utf8"));
/** @type {Map<string, WarehouseRecord>} */
const warehousesById = new Map(data.warehouses.map((warehouse) => [warehouse.id, warehouse]));

const typeDefs = /* GraphQL */ `
  "Products, warehouses and stock reservations of the example shop."
  type Query {
    "Products in catalog order. \`limit\` (0 or more) caps how many are returned; omit it for all."
    products(limit: Int): [Product!]!
    "One product by its id, or null when there is no such product."
    product(id: ID!): Product
    "The products with these ids, in catalog order; unknown ids are left out (a list resolver for joins)."
    productsByIds(ids: [ID!]!): [Product!]!
    "Every warehouse that can hold stock."
    warehouses: [Warehouse!]!
  }

  type Mutation {
    """
    Takes \`quantity\` units of a product out of stock, from the warehouses in order, and returns the
    reservation. Fails with NOT_FOUND, BAD_USER_INPUT or INSUFFICIENT_STOCK in \`extensions.code\`.
    """
    reserve(productId: ID!, quantity: Int!): Reservation!
  }

  type Subscription {
    "The product after each change of its stock (each \`reserve\` of it), over SSE (Yoga's GraphQL over SSE)."
    productChanged(id: ID!): Product!
  }

  "Something the shop sells."
  type Product {
    id: ID!
    name: String!
    "Longer marketing text; null when the seller gave none."
    description: String
    "Unit price in \`currency\`."
    price: Float!
    "ISO 4217 currency code of \`price\`, e.g. EUR."
    currency: String!
    "True when at least one unit is available in some warehouse."
    inStock: Boolean!
    "Units available, summed over all warehouses."
    stockCount: Int!
    "Warehouses holding at least one unit."
    availableAt: [Warehouse!]!
    "Id of the seller: a User id of the users upstream."
    sellerId: ID!
    "Unit price in cents of \`currency\`."
    priceCents: Int! @deprecated(reason: "This field is deprecated and will be removed after 2027/06/30. Use the price field instead.")
  }

  "A place stock is kept."
  type Warehouse {
    id: ID!
    city: String!
  }

  "Units of a product held for a buyer until \`expiresAt\`."
  type Reservation {
    id: ID!
    product: Product!
    quantity: Int!
    "ISO 8601 time after which the units go back to stock (informational in this example)."
    expiresAt: String!
  }
`;

/** @param {ProductRecord} product */
const stockCount = (product) => Object.values(product.stock).reduce((sum, units) => sum + units, 0);

/** @param {string} id */
function findProduct(id) {
  return data.products.find((product) => product.id === id) ?? null;
}

/** Stock changes, by product id (Yoga's in-memory pub/sub: this server is one process). */
const pubsub = createPubSub();

const resolvers = {
  Subscription: {
    productChanged: {
      /** @param {unknown} _ @param {{ id: string }} args */
      subscribe: (_, { id }) => {
        if (!findProduct(id)) {
          throw new GraphQLError(`No product with id "${id}"`, { extensions: { code: "NOT_FOUND" } });
        }
        return pubsub.subscribe("productChanged", id);
      },
      /** @param {ProductRecord} product */
      resolve: (product) => product,
    },
  },
  Query: {
    /** @param {unknown} _ @param {{ limit?: number | null }} args */
    products: (_, { limit }) => {
      if (limit === undefined || limit === null) return data.products;
      if (limit < 0) {
        throw new GraphQLError("limit must be 0 or more", { extensions: { code: "BAD_USER_INPUT" } });
      }
      return data.products.slice(0, limit);
    },
    /** @param {unknown} _ @param {{ id: string }} args */
    product: (_, { id }) => findProduct(id),
    /** @param {unknown} _ @param {{ ids: string[] }} args */
    productsByIds: (_, { ids }) => data.products.filter((product) => ids.includes(product.id)),
    warehouses: () => data.warehouses,
  },
  Mutation: {
    /** @param {unknown} _ @param {{ productId: string, quantity: number }} args */
    reserve: (_, { productId, quantity }) => {
      const product = findProduct(productId);
      if (!product) {
        throw new GraphQLError(`No product with id "${productId}"`, { extensions: { code: "NOT_FOUND" } });
      }
      if (quantity < 1) {
        throw new GraphQLError("quantity must be 1 or more", { extensions: { code: "BAD_USER_INPUT" } });
      }
      const available = stockCount(product);
      if (available < quantity) {
        throw new GraphQLError(`Only ${available} unit(s) of "${product.name}" in stock`, {
          extensions: { code: "INSUFFICIENT_STOCK", available },
        });
      }
      let missing = quantity;
      for (const [warehouseId, units] of Object.entries(product.stock)) {
        const taken = Math.min(units, missing);
        product.stock[warehouseId] = units - taken;
        missing -= taken;
        if (missing === 0) break;
      }
      /** @type {ReservationRecord} */
      const reservation = {
        id: randomUUID(),
        productId: product.id,
        quantity,
        expiresAt: new Date(Date.now() + RESERVATION_TTL_MS).toISOString(),
      };
      pubsub.publish("productChanged", product.id, product);
      return reservation;
    },
  },
  Product: {
    /** @param {ProductRecord} product */
    inStock: (product) => stockCount(product) > 0,
    /** @param {ProductRecord} product */
    stockCount: (product) => stockCount(product),
    /** @param {ProductRecord} product */
    availableAt: (product) =>
      Object.entries(product.stock)
        .filter(([, units]) => units > 0)
        .map(([warehouseId]) => warehousesById.get(warehouseId))
        .filter((warehouse) => warehouse !== undefined),
    /** @param {ProductRecord} product */
    priceCents: (product) => Math.round(product.price * 100),
  },
  Reservation: {
    /** @param {ReservationRecord} reservation */
    product: (reservation) => findProduct(reservation.productId),
  },
};

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  graphqlEndpoint: "/graphql",
  landingPage: false,
});

serve("catalog", yoga, PORT, "/graphql");
