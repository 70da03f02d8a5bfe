import { Connection, ConsumerStatus, type Publisher } from 'rabbitmq-client';
import type { Logger } from '../logger';
import {
  DEFAULT_MAX_DELIVERIES,
  busExchanges,
  type BusMessage,
  type BusTransport,
  type ConsumeOptions,
  type QueueSpec,
  type Subscription,
} from './types';

const PUBLISH_TIMEOUT_MS = 5000;

/**
 * RabbitMQ through rabbitmq-client: publisher confirms on the topic exchange,
 * durable quorum queues with a delivery limit and a dead-letter queue each. The
 * connection reconnects by itself; consumers are re-declared when it does.
 */
export class RabbitTransport implements BusTransport {
  readonly kind = 'rabbitmq' as const;
  private readonly connection: Connection;
  private publisher?: Publisher;
  private readonly consumers = new Set<{ close(): Promise<void> }>();
  /** This namespace's exchanges (`busExchanges`). */
  private readonly exchanges: { events: string; deadLetter: string };

  constructor(url: string, private readonly logger: Logger, connectionName = 'frontrow', private readonly namespace = '') {
    this.exchanges = busExchanges(namespace);
    this.connection = new Connection({
      url,
      connectionName,
      retryLow: 200,
      retryHigh: 3000,
      acquireTimeout: PUBLISH_TIMEOUT_MS,
    });
    this.connection.on('error', (err) => logger.warn({ err }, 'RabbitMQ connection error'));
    this.connection.on('connection', () => logger.info('RabbitMQ connected'));
  }

  private getPublisher(): Publisher {
    this.publisher ??= this.connection.createPublisher({
      confirm: true,
      maxAttempts: 1,
      exchanges: [{ exchange: this.exchanges.events, type: 'topic', durable: true }],
    });
    return this.publisher;
  }

  async publish(message: BusMessage): Promise<void> {
    const send = this.getPublisher().send(
      {
        exchange: this.exchanges.events,
        routingKey: message.type,
        durable: true,
        messageId: message.id,
        type: message.type,
        contentType: 'application/json',
        // Also as a header, for consumers that read the W3C context there.
        ...(message.traceparent ? { headers: { traceparent: message.traceparent } } : {}),
      },
      message,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('RabbitMQ did not confirm the message in time')), PUBLISH_TIMEOUT_MS);
    });
    try {
      await Promise.race([send, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async consume(opts: ConsumeOptions, handler: (m: BusMessage) => Promise<void>): Promise<Subscription> {
    const consumer = this.connection.createConsumer(
      {
        queue: opts.queue,
        queueOptions: { durable: true, arguments: queueArguments(opts, this.exchanges.deadLetter) },
        exchanges: [
          { exchange: this.exchanges.events, type: 'topic', durable: true },
          { exchange: this.exchanges.deadLetter, type: 'direct', durable: true },
        ],
        queueBindings: opts.bindings.map((routingKey) => ({ exchange: this.exchanges.events, queue: opts.queue, routingKey })),
        qos: { prefetchCount: opts.concurrency ?? 4 },
        concurrency: opts.concurrency ?? 4,
        requeue: true,
      },
      async (msg) => {
        const body = parse(msg.body);
        if (!body) {
          this.logger.error({ queue: opts.queue }, 'dropping a message that is not a FrontRow event');
          return ConsumerStatus.DROP;
        }
        await handler(body);
        return ConsumerStatus.ACK;
      },
    );
    consumer.on('error', (err) => this.logger.warn({ err, queue: opts.queue }, 'consumer error'));
    // Listened for at once: the consumer may be ready before the declarations below are
    // done (several consumers set up together on one connection made that the rule).
    const ready = waitReady(consumer);
    try {
      await this.declareDeadLetters(opts.queue);
      await ready;
    } catch (e) {
      ready.catch(() => undefined);
      await consumer.close().catch(() => undefined);
      throw e;
    }
    const sub = { close: () => consumer.close() };
    this.consumers.add(sub);
    return {
      close: async () => {
        this.consumers.delete(sub);
        await sub.close();
      },
    };
  }

  /** The dead-letter queue itself: declared so that dead letters are kept, not lost. */
  private async declareDeadLetters(queue: string): Promise<void> {
    const dlq = `${queue}.dlq`;
    await this.connection.queueDeclare({ queue: dlq, durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await this.connection.exchangeDeclare({ exchange: this.exchanges.deadLetter, type: 'direct', durable: true });
    await this.connection.queueBind({ exchange: this.exchanges.deadLetter, queue: dlq, routingKey: dlq });
  }

  async declare(queues: QueueSpec[]): Promise<void> {
    await this.connection.exchangeDeclare({ exchange: this.exchanges.events, type: 'topic', durable: true });
    for (const q of queues) {
      // The same arguments as its consumer declares: RabbitMQ refuses a second declaration that differs.
      await this.connection.queueDeclare({ queue: q.queue, durable: true, arguments: queueArguments(q, this.exchanges.deadLetter) });
      for (const routingKey of q.bindings) await this.connection.queueBind({ exchange: this.exchanges.events, queue: q.queue, routingKey });
      await this.declareDeadLetters(q.queue);
    }
  }

  async deleteExchanges(): Promise<void> {
    if (!this.namespace) return;
    await this.connection.exchangeDelete({ exchange: this.exchanges.events });
    await this.connection.exchangeDelete({ exchange: this.exchanges.deadLetter });
  }

  async deleteQueue(queue: string): Promise<void> {
    await this.connection.queueDelete({ queue });
    await this.connection.queueDelete({ queue: `${queue}.dlq` });
  }

  async depth(queue: string): Promise<number> {
    try {
      return (await this.connection.queueDeclare({ queue, passive: true })).messageCount;
    } catch (err) {
      // A passive declaration of a queue that does not exist is refused with 404.
      if ((err as { code?: string }).code === 'NOT_FOUND') return 0;
      throw err;
    }
  }

  async close(): Promise<void> {
    for (const c of [...this.consumers]) await c.close();
    this.consumers.clear();
    await this.publisher?.close();
    await this.connection.close();
  }
}

/** A quorum queue with a delivery limit, dead-lettering to `<queue>.dlq`. */
function queueArguments(q: QueueSpec, deadLetterExchange: string): Record<string, unknown> {
  return {
    'x-queue-type': 'quorum',
    'x-delivery-limit': (q.maxDeliveries ?? DEFAULT_MAX_DELIVERIES) - 1,
    'x-dead-letter-exchange': deadLetterExchange,
    'x-dead-letter-routing-key': `${q.queue}.dlq`,
  };
}

function parse(body: unknown): BusMessage | null {
  let value = body;
  if (Buffer.isBuffer(value)) {
    try {
      value = JSON.parse(value.toString('utf8'));
    } catch {
      return null;
    }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return null;
    }
  }
  const m = value as Partial<BusMessage> | null;
  if (!m || typeof m.id !== 'string' || typeof m.type !== 'string') return null;
  return m as BusMessage;
}

function waitReady(consumer: { once(ev: 'ready', cb: () => void): unknown }): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('RabbitMQ consumer was not ready within 20s')), 20_000);
    consumer.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
