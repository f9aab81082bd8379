import { DurableObject } from "cloudflare:workers";
import type { StreamRpc, StreamSpec } from "../events";
import { createGatewayFrom, type Gateway, type GatewayOptionsSource } from "../gateway";
import { createLogger, type Logger } from "../observability";
import { type RunHost, StreamRun } from "./run";

/** The gateway options, or a function of the bindings giving them (one bundle, config in bindings). */
export type StreamOptions = GatewayOptionsSource;

/**
 * The `RemoteStream` Durable Object class (binding `REMOTE_STREAMS`), bound to the gateway's options. One
 * object per generation of a remote stream (`remote/<remote>/<hash>#<generation>`) holds the one outgoing
 * connection of an upstream subscription and hands its results to the topic's hub, which fans them out to
 * the connection shards. It keeps nothing in storage: the hub knows what it runs and starts it again
 * (its watchdog) if the object lost its memory. An object with an outgoing connection never hibernates
 * and may be evicted after 15 minutes, so after `reestablishAfterMs` the hub starts the next generation
 * and closes this one once the next is connected.
 * @param options - the gateway options, or a function of the bindings giving them
 * @returns the class
 * @see https://developers.cloudflare.com/durable-objects/best-practices/websockets/
 */
export function createStreamClass(options: StreamOptions) {
  return class RemoteStream extends DurableObject<Env> implements StreamRpc, RunHost {
    readonly bindings: Env;
    readonly log: Logger = createLogger().child({ component: "remote-stream" });
    private built: Gateway | undefined;
    private run: StreamRun | undefined;

    /**
     * @param ctx - the object's state
     * @param env - the Worker's bindings
     */
    constructor(ctx: DurableObjectState, env: Env) {
      super(ctx, env);
      this.bindings = env;
    }

    gateway(): Gateway {
      this.built ??= createGatewayFrom(options, this.bindings, this.log);
      return this.built;
    }

    waitUntil(promise: Promise<unknown>): void {
      this.ctx.waitUntil(promise);
    }

    ended(run: StreamRun): void {
      if (this.run === run) this.run = undefined;
    }

    async start(topic: string, generation: number, spec: StreamSpec): Promise<void> {
      if (this.run?.running === true) return;
      this.run = new StreamRun(this, topic, generation, spec);
      this.run.start();
    }

    async stop(): Promise<void> {
      this.run?.stop();
      this.run = undefined;
    }
  };
}
