/**
 * The event trigger tests' helpers: a gateway whose triggers point at test `id`'s loopback target
 * (fixtures/trigger-target.ts), publishing, reading what the target received, and waiting for it (each
 * wait bounded in time). Deliveries go through the real EVENT_TRIGGERS queue Miniflare runs (wrangler.toml
 * [[queues.*]]), consumed by the Worker's own queue() handler (src/index.ts): Miniflare's batch timeout
 * (1 s) and the retry delays (1 s, 2 s, ...) are real.
 */
import { type Entry, type GatewaySpec, type TestGatewayOptions, testGateway } from "../fixtures/gateways";
import type { Delivery, TargetState } from "../fixtures/trigger-target";
import { ADMIN_SECRET, type TestGateway, upstreamBase } from "../helpers";

/** EVENTS_SECRET of the trigger gateways. */
export const EVENTS_SECRET = "triggers-test-secret-0123456789";

/** Test `id`'s target URL (`/hooks/<id>/deliver<path>`). */
export const targetUrl = (id: string, path = ""): string => `${upstreamBase()}/hooks/${id}/deliver${path}`;

/** Sets how test `id`'s target answers. */
export async function controlTarget(id: string, state: Partial<TargetState>): Promise<void> {
  const res = await fetch(`${upstreamBase()}/hooks/${id}/control`, { method: "POST", body: JSON.stringify(state) });
  await res.body?.cancel();
}

/** Every delivery test `id`'s target received, in arrival order. */
export async function received(id: string): Promise<Delivery[]> {
  const res = await fetch(`${upstreamBase()}/hooks/${id}/received`);
  return (await res.json()) as Delivery[];
}

/**
 * Polls `probe` every 200 ms until it returns a value other than undefined, for at most `timeoutMs`.
 * @throws Error naming `what` when the time is up
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until test `id`'s target has received at least `count` deliveries; returns them all. */
export const deliveries = (id: string, count: number, timeoutMs?: number): Promise<Delivery[]> =>
  waitFor(
    `${count} deliveries to ${id}`,
    async () => {
      const list = await received(id);
      return list.length >= count ? list : undefined;
    },
    timeoutMs,
  );

/** More of a trigger gateway: other config keys, schema files, env, app options. */
export interface TriggersGatewayMore extends TestGatewayOptions {
  /** Other config keys (services, events.maxPayloadBytes, ...); `events.triggers` is set from `triggers`. */
  spec?: GatewaySpec;
}

/** A gateway of test `id` with these `events.triggers` (a trigger without url/binding gets test `id`'s target). */
export function triggersGateway(id: string, triggers: Entry[], more: TriggersGatewayMore = {}): TestGateway {
  const { spec = {}, env = {}, ...options } = more;
  const withUrl = triggers.map((t) =>
    t.url === undefined && t.binding === undefined ? { ...t, url: targetUrl(id) } : t,
  );
  const events = { ...((spec.events as Entry | undefined) ?? {}), triggers: withUrl };
  return testGateway(id, { ...spec, events }, { ...options, env: { EVENTS_SECRET, ...env } });
}

/** Publishes `payload` (JSON text) to `topic` with the admin secret; returns status and body. */
export async function publish(
  gw: TestGateway,
  topic: string,
  payload: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await gw.fetch(`/events/${topic}`, {
    method: "POST",
    body: payload,
    headers: { "content-type": "application/json", "x-admin-secret": ADMIN_SECRET },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** One dead letter as `GET /admin/events/dead` lists it. */
export interface ListedDeadLetter {
  id: string;
  eventId: string;
  trigger: string;
  topic: string;
  attempts: number;
  lastError: string;
  at: string;
}

/** `GET /admin/events/dead`. */
export async function deadLetters(gw: TestGateway): Promise<ListedDeadLetter[]> {
  const res = await gw.fetch("/admin/events/dead", { headers: { "x-admin-secret": ADMIN_SECRET } });
  if (res.status !== 200) throw new Error(`GET /admin/events/dead answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as ListedDeadLetter[];
}
