/** The one topic exchange every service publishes to. */
export const EVENTS_EXCHANGE = 'frontrow.events';
/** Where a message goes after its bounded retries; one queue `<queue>.dlq` per consumer. */
export const DEAD_LETTER_EXCHANGE = 'frontrow.dead-letter';

/**
 * The exchanges of a bus namespace (BUS_NAMESPACE): production's without one. A platform
 * with a namespace publishes to exchanges of its own, so that it neither hears another
 * platform's events on the same broker nor is heard by it (decision 0032).
 */
export function busExchanges(namespace = ''): { events: string; deadLetter: string } {
  return { events: `${namespace}${EVENTS_EXCHANGE}`, deadLetter: `${namespace}${DEAD_LETTER_EXCHANGE}` };
}

/** What travels on the bus: an id, a type, when it happened, a versioned payload. */
export interface BusMessage<P = unknown> {
  id: string;
  /** The routing key, `<subgraph>.<entity>.<verb>`. */
  type: string;
  occurredAt: string;
  version: number;
  payload: P;
  /** The W3C trace context of the publish: a consumer's span is its child. */
  traceparent?: string;
}

export interface ConsumeOptions {
  /** A durable queue name, `<service>.<purpose>`. */
  queue: string;
  /** Routing-key patterns (`commerce.entitlement.*`). */
  bindings: string[];
  /** Deliveries before a message is dead-lettered. */
  maxDeliveries?: number;
  /** Messages handled at once. */
  concurrency?: number;
  /** Whose tracer records the handling (default: the queue's first word). */
  service?: string;
}

/** A durable queue as the broker holds it: its name, what it is bound to, its delivery limit. */
export type QueueSpec = Pick<ConsumeOptions, 'queue' | 'bindings' | 'maxDeliveries'>;

export interface Subscription {
  close(): Promise<void>;
}

/** The broker side: RabbitMQ, or the in-process stand-in for the quick start. */
export interface BusTransport {
  readonly kind: 'rabbitmq' | 'memory';
  /** Resolves once the broker has confirmed the message; rejects if it could not. */
  publish(message: BusMessage): Promise<void>;
  /** The handler's promise resolving acknowledges; rejecting retries, then dead-letters. */
  consume(opts: ConsumeOptions, handler: (message: BusMessage) => Promise<void>): Promise<Subscription>;
  /**
   * Declares queues (with their dead-letter queues and bindings) that may have no consumer
   * yet: what is published to them from now on waits there for one. Idempotent.
   */
  declare(queues: QueueSpec[]): Promise<void>;
  /** Removes a queue and its dead-letter queue (tests and decommissioning). */
  deleteQueue(queue: string): Promise<void>;
  /** Removes the exchanges of this transport's namespace; production's (no namespace) are never removed. */
  deleteExchanges(): Promise<void>;
  /**
   * How many messages wait in a queue, not yet delivered (`<queue>.dlq`: those that failed
   * every delivery); 0 for a queue nobody declared. For operators and the soak test.
   */
  depth(queue: string): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_DELIVERIES = 5;

/** AMQP topic matching: `*` is one word, `#` is zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) return j === k.length;
    if (p[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    if (j === k.length) return false;
    return (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
