import type { Logger } from '../logger';
import {
  DEFAULT_MAX_DELIVERIES,
  topicMatches,
  type BusMessage,
  type BusTransport,
  type ConsumeOptions,
  type QueueSpec,
  type Subscription,
} from './types';

interface MemoryQueue {
  spec: QueueSpec;
  /** Its consumer; none while nobody consumes a declared queue. */
  handler?: (m: BusMessage) => Promise<void>;
  /** What was routed here while it had no consumer, in order. */
  held: BusMessage[];
  /** Declared, not only consumed: it outlives its consumer, as a durable queue does. */
  declared: boolean;
}

/**
 * The in-process stand-in for RabbitMQ, used only by the embedded quick start: the
 * same routing, holding for a declared queue without a consumer, redelivery on failure
 * and dead-lettering, within one process.
 */
export class MemoryTransport implements BusTransport {
  readonly kind = 'memory' as const;
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly pending = new Set<Promise<void>>();
  /** Deliveries under way, by queue. */
  private readonly waiting = new Map<string, number>();
  /** Messages that failed every delivery, by queue (what `<queue>.dlq` would hold). */
  readonly deadLetters = new Map<string, BusMessage[]>();

  constructor(private readonly logger?: Logger) {}

  async publish(message: BusMessage): Promise<void> {
    for (const [name, q] of this.queues) {
      if (!q.spec.bindings.some((b) => topicMatches(b, message.type))) continue;
      if (q.handler) this.start(name, structuredClone(message));
      else q.held.push(structuredClone(message));
    }
  }

  private start(name: string, message: BusMessage): void {
    const task = this.deliver(name, message);
    this.pending.add(task);
    this.waiting.set(name, (this.waiting.get(name) ?? 0) + 1);
    void task.finally(() => {
      this.pending.delete(task);
      const left = (this.waiting.get(name) ?? 1) - 1;
      if (left > 0) this.waiting.set(name, left);
      else this.waiting.delete(name);
    });
  }

  private async deliver(name: string, message: BusMessage): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await new Promise<void>((r) => setImmediate(r));
      const q = this.queues.get(name);
      // Deleted: gone with its queue. Its consumer left: kept for the next one.
      if (!q) return;
      if (!q.handler) {
        q.held.push(message);
        return;
      }
      try {
        await q.handler(message);
        return;
      } catch (err) {
        this.logger?.warn({ err, queue: name, messageId: message.id, attempt }, 'message handling failed');
      }
      if (attempt >= (q.spec.maxDeliveries ?? DEFAULT_MAX_DELIVERIES)) break;
    }
    const dead = this.deadLetters.get(name) ?? [];
    dead.push(message);
    this.deadLetters.set(name, dead);
  }

  async declare(queues: QueueSpec[]): Promise<void> {
    for (const spec of queues) {
      const q = this.queues.get(spec.queue);
      if (q) q.declared = true;
      else this.queues.set(spec.queue, { spec, held: [], declared: true });
    }
  }

  async consume(opts: ConsumeOptions, handler: (m: BusMessage) => Promise<void>): Promise<Subscription> {
    const existing = this.queues.get(opts.queue);
    const q: MemoryQueue = { spec: opts, handler, held: existing?.held ?? [], declared: existing?.declared ?? false };
    this.queues.set(opts.queue, q);
    // What waited for a consumer goes to this one, in the order it came.
    for (const message of q.held.splice(0)) this.start(opts.queue, message);
    return {
      close: async () => {
        if (this.queues.get(opts.queue) !== q) return;
        if (q.declared) q.handler = undefined;
        else this.queues.delete(opts.queue);
      },
    };
  }

  async deleteExchanges(): Promise<void> {
    // One process, one bus: nothing is shared to remove.
  }

  async deleteQueue(queue: string): Promise<void> {
    this.queues.delete(queue);
    this.deadLetters.delete(queue);
  }

  async depth(queue: string): Promise<number> {
    if (queue.endsWith('.dlq')) return this.deadLetters.get(queue.slice(0, -'.dlq'.length))?.length ?? 0;
    return (this.waiting.get(queue) ?? 0) + (this.queues.get(queue)?.held.length ?? 0);
  }

  /** Waits until every delivery under way has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  async close(): Promise<void> {
    this.queues.clear();
    await this.idle();
  }
}
