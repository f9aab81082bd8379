import { DurableObject } from "cloudflare:workers";
import type { GatewayOptions } from "../gateway";

/**
 * The Durable Object classes of the realtime layer, bound to the gateway's options (config and SDL),
 * which each object turns into its own gateway on first use (never at module top level).
 * @param options - the gateway's options, as given to `createApp`
 * @returns the `RealtimeShard` class (bind it as `REALTIME`)
 */
export function createRealtimeObjects(options: GatewayOptions) {
  class RealtimeShard extends DurableObject<Env> {
    readonly options = options;
    async deliver(_topic: string, _payload: string): Promise<number> {
      return 0;
    }
    async openConnections(_ids: string[]): Promise<string[]> {
      return [];
    }
    async webSocketClose(): Promise<void> {}
  }
  return { RealtimeShard };
}
