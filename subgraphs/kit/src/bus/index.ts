import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Logger } from '../logger';
import { SpanKind, contextOf, inSpan, tracerFor } from '../tracing';
import { MemoryTransport } from './memory';
import { RabbitTransport } from './rabbit';
import type { BusMessage, BusTransport, ConsumeOptions, Subscription } from './types';

export * from './types';
export { BUS_QUEUES, busQueue, busTopology, type BusQueueName } from './topology';
export { MemoryTransport } from './memory';
export { RabbitTransport } from './rabbit';
export { emit, emitAudit, notifyRelayAfterCommit, type AuditPayload, OutboxMessage, HandledMessage, OutboxRelay, KIT_ENTITIES, KIT_MIGRATIONS, KitBusMigration, KitBusTraceMigration } from './outbox';

/**
 * RabbitMQ when a URL is given, on the exchanges of `namespace` (BUS_NAMESPACE; none:
 * production's); otherwise the in-process stand-in (quick start only).
 */
export function createTransport(url: string | undefined, logger: Logger, name: string, namespace = ''): BusTransport {
  if (url) return new RabbitTransport(url, logger, name, namespace);
  logger.info('AMQP_URL is not set: using the in-process stand-in for RabbitMQ (quick start only)');
  return new MemoryTransport(logger);
}

/**
 * Consumes events with exactly-once effects: the handler runs in a transaction that
 * also records the message id, so a redelivery finds the id and changes nothing; the
 * broker is acknowledged only after the commit. A handler that keeps failing has its
 * message dead-lettered after `maxDeliveries`.
 */
export function consume<P = unknown>(
  orm: MikroORM,
  transport: BusTransport,
  opts: ConsumeOptions,
  handler: (message: BusMessage<P>, em: EntityManager) => Promise<void>,
  logger?: Logger,
): Promise<Subscription> {
  const tracer = tracerFor(opts.service ?? opts.queue.split('.')[0]);
  return transport.consume(opts, (message) =>
    inSpan(
      tracer,
      `consume ${message.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextOf(message.traceparent),
        attributes: { 'messaging.system': transport.kind, 'messaging.destination.name': opts.queue, 'messaging.message.id': message.id },
      },
      () => handleOnce(orm, opts, message, handler, logger),
    ),
  );
}

async function handleOnce<P>(
  orm: MikroORM,
  opts: ConsumeOptions,
  message: BusMessage,
  handler: (message: BusMessage<P>, em: EntityManager) => Promise<void>,
  logger: Logger | undefined,
): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    const inserted = await tx.getConnection().execute<{ affectedRows: number }>(
      `insert into handled_message (consumer, message_id, handled_at) values (?, ?, now()) on conflict do nothing`,
      [opts.queue, message.id],
      'run',
      tx.getTransactionContext(),
    );
    if (!inserted.affectedRows) {
      logger?.debug({ queue: opts.queue, messageId: message.id }, 'redelivery ignored');
      return;
    }
    await handler(message as BusMessage<P>, tx);
  });
}
