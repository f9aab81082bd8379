/**
 * Example upstream "orders": a third-party REST server (json-server 0.17.4 from npm) serving the data
 * in ./db.json, in memory (writes change the memory copy, never the file). The gateway exposes it as
 * GraphQL through the `orders` service in schemas/gateway.json and the @rest fields in
 * schemas/orders.graphql.
 *
 * Run:   node examples/orders/server.mjs       (or `npm run examples` to start all three upstreams)
 * Env:   ORDERS_PORT (default 4003). Listens on http://127.0.0.1:<port> only.
 *
 * Routes (json-server's, generated from the keys of db.json):
 *
 *   GET  /orders                    every order (array); filters: ?userId=1&status=PAID, also
 *                                   _sort, _order, _page, _limit, _start, _end, q, <field>_gte/_lte/_ne/_like
 *   GET  /orders/:id                one order (object); 404 with body {} when there is none
 *   POST /orders                    creates an order from a JSON body, answers 201 with it: `id` is the
 *                                   next integer; `quantity` defaults to 1, `status` to PENDING and
 *                                   `createdAt` to now (added by this file, not json-server)
 *   PUT / PATCH / DELETE /orders/:id
 *   GET  /orders/:id/payments       the payments of one order (= /payments?orderId=:id)
 *   GET  /payments, /payments/:id   likewise; also POST, PUT, PATCH, DELETE
 *   GET  /db                        the whole database
 *
 *   order:   { id: number, userId: string, productId: string, quantity: number,
 *              status: "PENDING" | "PAID" | "SHIPPED" | "CANCELLED", total: number, createdAt: string }
 *   payment: { id: number, orderId: number, amount: number, method: "CARD" | "PAYPAL" | "BANK_TRANSFER",
 *              paidAt: string }
 *
 * `userId` is a User id of the users upstream ("1" to "5"), `productId` a Product id of the catalog
 * upstream ("p-100" to "p-105"); `total` is in that product's currency. Times are ISO 8601 strings.
 */
import { readFileSync } from "node:fs";
import jsonServer from "json-server";
import { portFromEnv, serve } from "../serve.mjs";

const PORT = portFromEnv("orders", "ORDERS_PORT", 4003);

// An object (not a file path) makes json-server keep the data in memory (lowdb's Memory adapter),
// so db.json is never written. JSON.parse gives a fresh copy on every start.
const data = JSON.parse(readFileSync(new URL("./db.json", import.meta.url), "utf8"));

const app = jsonServer.create();
app.disable("x-powered-by");
// Default middlewares (CORS, no-cache headers, json-server's home page at /), without request logging.
app.use(jsonServer.defaults({ logger: false }));
app.use(jsonServer.bodyParser);
app.post("/orders", (req, _res, next) => {
  if (req.body !== null && typeof req.body === "object") {
    delete req.body.id; // ids are assigned by json-server: the next integer
    req.body.quantity ??= 1;
    req.body.status ??= "PENDING";
    req.body.createdAt ??= new Date().toISOString();
  }
  next();
});
app.use(jsonServer.router(data));

serve("orders", app, PORT, "");
