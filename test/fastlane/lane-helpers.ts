/**
 * Helpers of the fast lane tests: raw answers (bytes, status, content type, cookies), the lane's
 * counters around a request, and one config with the lane on and off.
 */
import { fastLaneCounters } from "../../src/fastlane";
import { type GatewaySpec, type TestGatewayOptions, testGateway } from "../fixtures/gateways";
import type { TestGateway } from "../helpers";

/** One raw answer: what the client sees. */
export interface Raw {
  status: number;
  type: string | null;
  text: string;
  cookies: string[];
}

/** POSTs a JSON body to /graphql and keeps the answer's bytes. */
export async function post(
  gw: TestGateway,
  body: unknown,
  headers: Record<string, string> = {},
  accept = "application/graphql-response+json",
): Promise<Raw> {
  const res = await gw.fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    type: res.headers.get("content-type"),
    text: await res.text(),
    cookies: res.headers.getSetCookie(),
  };
}

/** The lane counters' change over `run`. */
export async function counted<T>(run: () => Promise<T>): Promise<{ value: T; served: number; handedOff: number }> {
  const before = { ...fastLaneCounters };
  const value = await run();
  return {
    value,
    served: fastLaneCounters.served - before.served,
    handedOff: fastLaneCounters.handedOff - before.handedOff,
  };
}

/** The same config with the lane on (default) and off, over test `id`'s upstreams. */
export function pair(
  id: string,
  spec: GatewaySpec,
  options: TestGatewayOptions = {},
): { on: TestGateway; off: TestGateway } {
  return {
    on: testGateway(id, spec, options),
    off: testGateway(id, { ...spec, execution: { fastLane: false } }, options),
  };
}

/**
 * Brings gateways past their cold start: before the first composition an operation one remote answers
 * alone runs against that remote's own schema (useRegistrySchema), whose decisions the lane keeps apart
 * from the composed schema's; `{ __typename }` needs the composed schema.
 */
export async function warm(...gateways: TestGateway[]): Promise<void> {
  for (const gw of gateways) await post(gw, { query: "{ __typename }" });
}
