import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { EntityManager } from '@mikro-orm/core';
import { consume, emit, KIT_ENTITIES, KIT_MIGRATIONS, OutboxRelay } from '../src/bus';
import type { BusMessage, BusTransport, Subscription } from '../src/bus/types';
import { openDatabase, type Database } from '../src/db';
import { createLogger } from '../src/logger';
import { eventually, need, needs, testEnv, testTransport, uniqueName } from '../src/testing';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { timeout: 120_000 });
}

/** Brings RabbitMQ back; safe to call when it is already running. */
async function rabbitUp(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/**
 * RabbitMQ goes down while a service emits an event: the event waits in the outbox
 * and reaches its consumer, once, when the broker is back. Only meaningful against a
 * real RabbitMQ, which this suite stops and starts.
 */
needs(need.env('AMQP_URL'), need.command('rabbitmqctl')).describe('the outbox while RabbitMQ is down', () => {
  const logger = createLogger('kit-bus-fault');
  const ns = uniqueName('kitfault');
  const queue = `${ns}.orders`;
  let db: Database;
  let transport: BusTransport;
  let subscription: Subscription | undefined;
  let relay: OutboxRelay;
  let stopped = false;
  const received: BusMessage[] = [];

  beforeAll(async () => {
    db = await openDatabase({
      service: 'kit',
      schema: uniqueName('kit'),
      url: testEnv.databaseUrl,
      entities: KIT_ENTITIES,
      migrations: KIT_MIGRATIONS,
      logger,
    });
    await db.orm.em.getConnection().execute(`create table fulfilled (id serial primary key, message_id uuid not null)`);
    transport = testTransport();
    subscription = await consume(db.orm, transport, { queue, bindings: [`${ns}.order.*`], concurrency: 1 }, async (m, em) => {
      received.push(m);
      await em.getConnection().execute(`insert into fulfilled (message_id) values (?)`, [m.id], 'run', em.getTransactionContext());
    });
    relay = new OutboxRelay(db.orm.em, transport, logger, 200);
  });

  afterAll(async () => {
    try {
      if (stopped) await rabbitUp();
    } finally {
      await relay?.stop();
      await subscription?.close();
      await transport?.deleteQueue(queue);
      await transport?.close();
      await db?.close({ dropSchema: true });
    }
  });

  async function emitOrder(verb: string, payload: unknown): Promise<string> {
    let id = '';
    await db.orm.em.fork().transactional(async (em: EntityManager) => {
      id = emit(em, `${ns}.order.${verb}`, payload).id;
    });
    return id;
  }

  async function sentAt(id: string): Promise<Date | null> {
    const [row] = await db.orm.em.getConnection().execute<Array<{ sent_at: Date | null }>>(`select sent_at from outbox_message where id = ?`, [id], 'all');
    return row.sent_at;
  }

  it('keeps an event emitted while the broker is down and delivers it exactly once when it is back', async () => {
    // The path works before the outage.
    const before = await emitOrder('placed', { orderId: 'o1' });
    await relay.drain();
    await eventually(() => received.some((m) => m.id === before));

    stopped = true;
    await rabbitmqctl('stop_app');
    try {
      const during = await emitOrder('paid', { orderId: 'o1', amount: 4200 });
      await expect(relay.pass()).rejects.toThrow();
      expect(await sentAt(during)).toBeNull();

      // The relay keeps trying on its own while the broker is away.
      relay.start();
      expect(await sentAt(during)).toBeNull();

      await rabbitUp();
      stopped = false;

      await eventually(async () => (await sentAt(during)) !== null, 45_000);
      // Published after it and consumed one at a time: once this one arrived, any
      // second copy of the event would have arrived before it.
      const after = await emitOrder('shipped', { orderId: 'o1' });
      relay.notify();
      await eventually(() => received.some((m) => m.id === after), 30_000);

      expect(received.filter((m) => m.id === during)).toEqual([
        expect.objectContaining({ id: during, type: `${ns}.order.paid`, payload: { orderId: 'o1', amount: 4200 } }),
      ]);
      const rows = await db.orm.em.getConnection().execute<Array<{ message_id: string }>>(`select message_id from fulfilled order by id`, [], 'all');
      expect(rows.map((r) => r.message_id)).toEqual([before, during, after]);
    } finally {
      if (stopped) {
        await rabbitUp();
        stopped = false;
      }
    }
  }, 120_000);
});
