/**
 * Shared pieces of the join tests (docs/joins.md): the data the `shop`, `crm`,
 * `people` and `reviews` fixture remotes and the `billing` REST service answer, and readers of the
 * calls the real upstreams received. The gateways themselves (shopGateway, mergeGateway) and their SDL
 * are in test/fixtures/gateways.ts.
 */
import { type ReceivedOperation, restStats, stats, upstreamOperations } from "../helpers";

/** One entry of `joins` in GET /admin/remotes and GET /healthz. */
export interface JoinStatus {
  name: string;
  status: "ok" | "error";
  lastError?: { code: string; message: string } | null;
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
