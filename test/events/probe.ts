/**
 * Observes what the topic hub hands to connection shards, inside workerd: a probe shard name is
 * registered on a topic's hub (`RealtimeHub.setShard`, as a real shard does when it gains a
 * subscription), and `deliver` of the REALTIME Durable Object class (defined in the main worker, so it
 * runs in the tests' isolate) is wrapped through `runInDurableObject`: for a probe's object it records
 * the topic and payload text and reports `subscriptions`; every other object runs the real `deliver`.
 * The hub calls it over RPC exactly as it calls a real shard. (Workers RPC dispatches to the class's
 * prototype methods, so replacing `deliver` on one instance is not seen: the prototype is wrapped once.)
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { topicHub } from "../../src/events";

/** One event a probe shard received from the hub. */
export interface Delivered {
  topic: string;
  payload: string;
}

type Deliver = (topic: string, payload: string) => Promise<number>;

/** The probes registered in this isolate. */
const probes: Array<{ id: DurableObjectId; received: Delivered[]; subscriptions: number; delayMs: number }> = [];
let wrapped = false;

/**
 * Registers a probe shard on `topic` and returns what it receives (in arrival order).
 * @param topic - the topic to listen on
 * @param name - the probe's shard name (unique per test)
 * @param subscriptions - what the probe's deliver reports (the subscriptions it "holds")
 * @param delayMs - how long its deliver takes before it records and answers (a slow shard)
 */
export async function probeTopic(topic: string, name: string, subscriptions = 1, delayMs = 0): Promise<Delivered[]> {
  const id = env.REALTIME.idFromName(name);
  const received: Delivered[] = [];
  probes.push({ id, received, subscriptions, delayMs });
  await runInDurableObject(env.REALTIME.get(id), (instance) => {
    if (wrapped) return;
    wrapped = true;
    const prototype = Object.getPrototypeOf(instance) as { deliver: Deliver };
    const original = prototype.deliver;
    prototype.deliver = async function deliver(this: { ctx: DurableObjectState }, deliveredTopic, payload) {
      const probe = probes.find((candidate) => candidate.id.equals(this.ctx.id));
      if (probe === undefined) return original.call(this, deliveredTopic, payload);
      if (probe.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, probe.delayMs));
      probe.received.push({ topic: deliveredTopic, payload });
      return probe.subscriptions;
    };
  });
  await topicHub(env, topic).setShard(name, true);
  return received;
}
