/**
 * Shared pieces of the join tests (README "Joins across sources, batched"): the gateway configs and SDL over the `shop`, `crm`,
 * `people` and `reviews` fixture remotes and the `billing` REST service (test/fixtures), the data the
 * fixtures answer, and assertions on answers and on the calls the real upstreams received.
 */
import { expect } from "vitest";
import {
  createTestGateway,
  type GraphQLBody,
  type ReceivedOperation,
  remoteUrl,
  restStats,
  restUrl,
  stats,
  type TestGateway,
  upstreamOperations,
} from "../helpers";

/** An answer of TestGateway.graphql. */
export type Answer = { status: number; body: GraphQLBody };

/** One entry of `joins` in GET /admin/remotes and GET /healthz. */
export interface JoinStatus {
  name: string;
  status: "ok" | "error";
  lastError?: { code: string; message: string } | null;
}

/** The billing service: batch endpoints (keyField orderId), a per-order endpoint and a failing one. */
export const BILLING = (id: string) => ({
  name: "billing",
  url: restUrl(id),
  endpoints: {
    invoicesForOrders: {
      method: "GET",
      path: "/invoices",
      query: { orderId: "{args.orderIds}" },
      keyField: "orderId",
    },
    invoicesWrapped: {
      method: "GET",
      path: "/invoices-wrapped",
      query: { orderId: "{args.orderIds}" },
      select: "data.items",
      keyField: "orderId",
    },
    invoicesByOrder: { method: "GET", path: "/invoices/by-order/{args.orderId}" },
    invoicesBroken: {
      method: "GET",
      path: "/status/503",
      query: { orderId: "{args.orderIds}" },
      keyField: "orderId",
    },
  },
});

/** Order's @join fields to crm, and Customer's @join back to shop (for nested joins). */
export const JOIN_SDL = `
extend type Order {
  customer: Customer @join(remote: "crm", field: "customersByIds", args: { ids: "{parent.customerId}" }, batch: true)
  customerSingle: Customer @join(remote: "crm", field: "customer", args: { id: "{parent.customerId}" })
  customerById(id: ID!): Customer @join(remote: "crm", field: "customer", args: { id: "{args.id}" })
}
extend type Customer {
  orders: [Order!]! @join(remote: "shop", field: "ordersOf", args: { customerId: "{parent.id}", count: 1 })
}
`;

/** Order's @rest fields to billing. */
export const REST_SDL = `
type Invoice { id: ID! orderId: ID! amount: Float! }
extend type Order {
  invoices: [Invoice!]! @rest(service: "billing", endpoint: "invoicesForOrders", args: { orderIds: "{parent.id}" }, batch: true)
  firstInvoice: Invoice @rest(service: "billing", endpoint: "invoicesForOrders", args: { orderIds: "{parent.id}" }, batch: true)
  wrappedInvoices: [Invoice!]! @rest(service: "billing", endpoint: "invoicesWrapped", args: { orderIds: "{parent.id}" }, batch: true)
  invoicesOne: [Invoice!]! @rest(service: "billing", endpoint: "invoicesByOrder", args: { orderId: "{parent.id}" })
  brokenInvoices: [Invoice!] @rest(service: "billing", endpoint: "invoicesBroken", args: { orderIds: "{parent.id}" }, batch: true)
}
`;

/** Options of {@link shopGateway}. */
export interface ShopGatewayOptions {
  /** SDL files; default: JOIN_SDL and REST_SDL. */
  files?: Array<{ path: string; sdl: string }>;
  /** Merged into the crm remote (customization, ...). */
  crm?: Record<string, unknown>;
  /** Merged into the config's top level (limits, auth, permissions, ...). */
  more?: Record<string, unknown>;
}

/** A gateway with test `id`'s shop and crm remotes and billing service. */
export function shopGateway(id: string, options: ShopGatewayOptions = {}): TestGateway {
  return createTestGateway(
    {
      remotes: [
        { name: "shop", url: remoteUrl(id, "shop") },
        { name: "crm", url: remoteUrl(id, "crm"), ...options.crm },
      ],
      services: [BILLING(id)],
      ...options.more,
    },
    {
      schemaFiles: options.files ?? [
        { path: "schemas/joins.graphql", sdl: JOIN_SDL },
        { path: "schemas/billing.graphql", sdl: REST_SDL },
      ],
    },
  );
}

/** Merge of User by people and reviews with their list resolvers (names as the remotes have them). */
export const PEOPLE_MERGE = { User: { key: "id", resolver: "usersByIds", argument: "ids" } };
export const REVIEWS_MERGE = { User: { key: "id", resolver: "reviewAuthorsByIds", argument: "ids" } };

/** A gateway with test `id`'s people and reviews remotes, `people` / `reviews` merged into each remote. */
export function mergeGateway(
  id: string,
  people: Record<string, unknown> = { merge: PEOPLE_MERGE },
  reviews: Record<string, unknown> = { merge: REVIEWS_MERGE },
  more: Record<string, unknown> = {},
): TestGateway {
  return createTestGateway({
    remotes: [
      { name: "people", url: remoteUrl(id, "people"), ...people },
      { name: "reviews", url: remoteUrl(id, "reviews"), ...reviews },
    ],
    ...more,
  });
}

/** crm's customers. */
export const CUSTOMERS = [
  { id: "c1", name: "Alice", tier: "gold" },
  { id: "c2", name: "Bob", tier: "silver" },
  { id: "c3", name: "Carol", tier: "bronze" },
  { id: "c4", name: "Dan", tier: "gold" },
  { id: "c5", name: "Eve", tier: "silver" },
] as const;

/** The customer id of order oN (o7: c404, unknown to crm). */
export const customerIdOf = (n: number): string => (n === 7 ? "c404" : `c${((n - 1) % 5) + 1}`);

/** The crm customer of order oN, or null for o7. */
export const customerOf = (n: number): { id: string; name: string; tier: string } | null =>
  n === 7 ? null : { ...(CUSTOMERS[(n - 1) % 5] as { id: string; name: string; tier: string }) };

/** The billing invoices of order oN: two, none when N is divisible by 5. */
export const invoicesOf = (n: number): Array<{ id: string; orderId: string; amount: number }> =>
  n % 5 === 0
    ? []
    : [
        { id: `inv-o${n}-1`, orderId: `o${n}`, amount: n * 10 + 1 },
        { id: `inv-o${n}-2`, orderId: `o${n}`, amount: n * 10 + 2 },
      ];

/** people's users. */
export const PEOPLE = [
  { id: "u1", name: "Ada", email: "ada@people.test" },
  { id: "u2", name: "Brian", email: "brian@people.test" },
  { id: "u3", name: "Cleo", email: "cleo@people.test" },
  { id: "u4", name: "Dora", email: "dora@people.test" },
  { id: "u5", name: "Emil", email: "emil@people.test" },
] as const;

/** The author of review rK (K = 1..10). */
export const authorOf = (k: number): string => `u${Math.ceil(k / 2)}`;

/** 1..n */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Asserts a 200 answer without errors and returns its data. */
export function ok(res: Answer, label = ""): Record<string, unknown> {
  const text = `${label} ${JSON.stringify(res.body).slice(0, 1500)}`;
  expect(res.body.errors, text).toBeUndefined();
  expect(res.status, text).toBe(200);
  expect(res.body.data, text).toBeTruthy();
  return res.body.data as Record<string, unknown>;
}

/** Ordinary operations (non-introspection HTTP requests) each GraphQL remote of test `id` received. */
export async function operations(id: string, kinds: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const kind of kinds) out[kind] = (await stats(id, kind)).operations;
  return out;
}

/** REST requests test `id`'s billing service received. */
export async function restCalls(id: string): Promise<number> {
  return (await restStats(id)).total;
}

/** What an upstream operation sent: its text and its variables as JSON. */
export const sentText = (op: ReceivedOperation): string => `${op.query}\n${JSON.stringify(op.variables ?? {})}`;

/** How many times the string value `value` was sent in `ops` (inline literal or variable value). */
export function timesSent(ops: readonly ReceivedOperation[], value: string): number {
  const needle = JSON.stringify(value);
  return ops.reduce((sum, op) => sum + sentText(op).split(needle).length - 1, 0);
}

/** How many selections of root field `field` (by the remote's name) the operations made, aliases included. */
export function rootSelections(ops: readonly ReceivedOperation[], field: string): number {
  const pattern = new RegExp(`(?<![\\w$])${field}\\s*\\(`, "g");
  return ops.reduce((sum, op) => sum + (op.query.match(pattern)?.length ?? 0), 0);
}

/** The operations test `id`'s remote `kind` received. */
export const received = (id: string, kind: string): Promise<ReceivedOperation[]> => upstreamOperations(id, kind);

/** GET `path` as JSON (admin routes with the secret). */
export async function getJson<T>(gw: TestGateway, path: string): Promise<{ status: number; body: T }> {
  const res = path.startsWith("/admin") ? await gw.admin(path, "GET") : await gw.fetch(path);
  return { status: res.status, body: (await res.json()) as T };
}
