import { createStreamClass } from "../streams";
import { createShardClass, type RealtimeOptions } from "./shard";

/**
 * The Durable Object classes of the realtime layer, bound to the gateway's options (config and SDL),
 * which each object turns into its own gateway on first use (never at module top level).
 * @param options - the gateway's options as given to `createApp`, or a function of the bindings giving
 *   them (so one bundle can take its config from bindings, as the tests and benchmarks do)
 * @returns `{ RealtimeShard, RemoteStream }`: export both from the Worker's entry and bind them as
 *   `REALTIME` and `REMOTE_STREAMS` (`RealtimeHub`, bound as `REALTIME_HUB`, comes from src/events)
 */
export function createRealtimeObjects(options: RealtimeOptions) {
  return { RealtimeShard: createShardClass(options), RemoteStream: createStreamClass(options) };
}
