import type { Logger } from '../logger';
import {
  DEFAULT_MAX_DELIVERIES,
  topicMatches,
  type BusMessage,
  type BusTransport,
  type ConsumeOptions,
  type Subscription,
} from './types';

interface MemoryQueue {
  opts: ConsumeOptions;
  handler: (m: BusMessage) => Promise<void>;
}

/**
 * The in-process stand-in for RabbitMQ, used only by the embedded quick start: the
 * same routing, redelivery on failure and dead-lettering, within one process.
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
      if (q.opts.bindings.some((b) => topicMatches(b, message.type))) {
        const task = this.deliver(name, q, structuredClone(message));
        this.pending.add(task);
        this.waiting.set(name, (this.waiting.get(name) ?? 0) + 1);
        void task.finally(() => {
          this.pending.delete(task);
          const left = (this.waiting.get(name) ?? 1) - 1;
          if (left > 0) this.waiting.set(name, left);
          else this.waiting.delete(name);
        });
      }
    }
  }

  private async deliver(name: string, q: MemoryQueue, message: BusMessage): Promise<void> {
    const max = q.opts.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    for (let attempt = 1; attempt <= max; attempt++) {
      await new Promise<void>((r) => setImmediate(r));
      if (!this.queues.has(name)) return;
      try {
        await q.handler(message);
        return;
      } catch (err) {
        this.logger?.warn({ err, queue: name, messageId: message.id, attempt }, 'message handling failed');
      }
    }
    const dead = this.deadLetters.get(name) ?? [];
    dead.push(message);
    this.deadLetters.set(name, dead);
  }

  async consume(opts: ConsumeOptions, handler: (m: BusMessage) => Promise<void>): Promise<Subscription> {
    this.queues.set(opts.queue, { opts, handler });
    return {
      close: async () => {
        this.queues.delete(opts.queue);
      },
    };
  }

  async deleteQueue(queue: string): Promise<void> {
    this.queues.delete(queue);
    this.deadLetters.delete(queue);
  }

  async depth(queue: string): Promise<number> {
    if (queue.endsWith('.dlq')) return this.deadLetters.get(queue.slice(0, -'.dlq'.length))?.length ?? 0;
    return this.waiting.get(queue) ?? 0;
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
