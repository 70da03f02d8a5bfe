import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { Connection } from 'rabbitmq-client';
import { consume, createTransport, emit, KIT_ENTITIES, KIT_MIGRATIONS, MemoryTransport, notifyRelayAfterCommit, OutboxRelay } from '../src/bus';
import { topicMatches, type BusMessage, type BusTransport, type Subscription } from '../src/bus/types';
import { openDatabase, type Database } from '../src/db';
import { createLogger } from '../src/logger';
import { eventually, testEnv, testTransport, uniqueName } from '../src/testing';

describe('topicMatches', () => {
  it.each([
    ['commerce.entitlement.granted', 'commerce.entitlement.granted', true],
    ['commerce.entitlement.granted', 'commerce.entitlement.revoked', false],
    ['commerce.entitlement.*', 'commerce.entitlement.granted', true],
    ['commerce.*.granted', 'commerce.entitlement.granted', true],
    ['commerce.*', 'commerce.entitlement.granted', false],
    ['commerce.entitlement.*', 'commerce.entitlement', false],
    ['*.*.*', 'a.b.c', true],
    ['*', 'a.b', false],
    ['#', 'commerce.entitlement.granted', true],
    ['commerce.#', 'commerce', true],
    ['commerce.#', 'commerce.entitlement.granted', true],
    ['commerce.#', 'commercial.entitlement', false],
    ['#.granted', 'commerce.entitlement.granted', true],
    ['#.granted', 'commerce.entitlement.revoked', false],
    ['commerce.#.granted', 'commerce.granted', true],
    ['commerce.#.granted', 'commerce.a.b.granted', true],
    ['*.#', 'commerce', true],
    ['#.*.#', 'a', true],
    ['a.*.#', 'a', false],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});

/**
 * The outbox, the relay and consumers against a database of their own and the
 * broker (RabbitMQ when AMQP_URL is set, the in-process stand-in otherwise).
 */
describe('the event bus', () => {
  const logger = createLogger('kit-bus-test');
  /** Event types of this run only: other suites and runs share the exchange. */
  const ns = uniqueName('kitbus');
  const queues: string[] = [];
  const subscriptions: Subscription[] = [];
  let db: Database;
  let transport: BusTransport;
  let relay: OutboxRelay;

  beforeAll(async () => {
    db = await openDatabase({
      service: 'kit',
      schema: uniqueName('kit'),
      url: testEnv.databaseUrl,
      entities: KIT_ENTITIES,
      migrations: KIT_MIGRATIONS,
      logger,
    });
    await db.orm.em.getConnection().execute(`create table goal (id serial primary key, message_id uuid not null, scorer text not null)`);
    transport = testTransport();
    relay = new OutboxRelay(db.orm.em, transport, logger);
  });

  afterAll(async () => {
    await relay?.stop();
    for (const s of subscriptions) await s.close();
    for (const q of queues) await transport?.deleteQueue(q);
    await transport?.close();
    await db?.close({ dropSchema: true });
  });

  function queueName(purpose: string): string {
    const q = `${ns}.${purpose}`;
    queues.push(q);
    return q;
  }

  /** A plain consumer that records what it receives. */
  async function listen(purpose: string, bindings: string[]): Promise<BusMessage[]> {
    const got: BusMessage[] = [];
    const sub = await transport.consume({ queue: queueName(purpose), bindings, concurrency: 1 }, async (m) => {
      got.push(m);
    });
    subscriptions.push(sub);
    return got;
  }

  /** Wraps a transport so that the test knows when each delivery has been handled (or failed). */
  function counted(inner: BusTransport): { transport: BusTransport; settled: () => number } {
    let settled = 0;
    const wrapper: BusTransport = {
      kind: inner.kind,
      publish: (m) => inner.publish(m),
      consume: (opts, handler) =>
        inner.consume(opts, (m) =>
          handler(m).finally(() => {
            settled++;
          }),
        ),
      declare: (qs) => inner.declare(qs),
      deleteQueue: (q) => inner.deleteQueue(q),
      deleteExchanges: () => inner.deleteExchanges(),
      depth: (q) => inner.depth(q),
      close: () => inner.close(),
    };
    return { transport: wrapper, settled: () => settled };
  }

  async function rowsOf<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return db.orm.em.getConnection().execute<T[]>(sql, params, 'all');
  }

  function message(type: string, payload: unknown): BusMessage {
    return { id: randomUUID(), type, version: 1, occurredAt: new Date().toISOString(), payload };
  }

  /** Reads what the dead-letter queue of `queue` holds. */
  async function deadLetters(queue: string): Promise<BusMessage[]> {
    if (transport instanceof MemoryTransport) return transport.deadLetters.get(queue) ?? [];
    const conn = new Connection({ url: testEnv.amqpUrl, connectionName: 'kit-bus-test-dlq' });
    try {
      const out: BusMessage[] = [];
      for (;;) {
        const m = await conn.basicGet({ queue: `${queue}.dlq`, noAck: true });
        if (!m) return out;
        const body = Buffer.isBuffer(m.body) ? JSON.parse(m.body.toString('utf8')) : typeof m.body === 'string' ? JSON.parse(m.body) : m.body;
        out.push(body as BusMessage);
      }
    } finally {
      await conn.close();
    }
  }

  it('publishes what a committed transaction emitted to the consumers bound by pattern', async () => {
    const got = await listen('matches', [`${ns}.match.*`]);
    let emitted: { id: string } | undefined;
    await db.orm.em.fork().transactional(async (em: EntityManager) => {
      emit(em, `${ns}.ticket.sold`, { ticketId: 't1' });
      emitted = emit(em, `${ns}.match.started`, { matchId: 'm1', home: 'Lyon' }, 2);
    });
    await relay.drain();
    await eventually(() => got.length >= 1);
    expect(got).toEqual([
      {
        id: emitted!.id,
        type: `${ns}.match.started`,
        version: 2,
        occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        payload: { matchId: 'm1', home: 'Lyon' },
        // The publish's span: consumers continue its trace.
        traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/),
      },
    ]);
    const [row] = await rowsOf<{ sent_at: Date | null; attempts: number }>(`select sent_at, attempts from outbox_message where id = ?`, [emitted!.id]);
    expect(row.sent_at).not.toBeNull();
    expect(row.attempts).toBe(1);
  });

  it('sets up several consumers at once on one connection, as the platform’s services do', async () => {
    // Three services starting together, one consumer after another each (the platform's
    // shape): every consumer gets ready (a missed ready event failed this after 20 s).
    const chains = [['together.a'], ['together.b1', 'together.b2', 'together.b3'], ['together.c1', 'together.c2']];
    const got = await Promise.all(chains.map(async (chain) => {
      const lists: BusMessage[][] = [];
      for (const purpose of chain) lists.push(await listen(purpose, [`${ns}.${purpose}.#`]));
      return lists;
    }));
    await transport.publish({ id: randomUUID(), type: `${ns}.together.b3.done`, occurredAt: new Date().toISOString(), version: 1, payload: {} });
    await eventually(() => got[1][2].length === 1);
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const got = await listen('rollback', [`${ns}.rollback.#`]);
    await expect(
      db.orm.em.fork().transactional(async (em: EntityManager) => {
        emit(em, `${ns}.rollback.lost`, { n: 1 });
        await em.flush();
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await db.orm.em.fork().transactional(async (em: EntityManager) => {
      emit(em, `${ns}.rollback.kept`, { n: 2 });
    });
    await relay.drain();
    // Published in order, consumed one at a time: once "kept" arrived, "lost" would have too.
    await eventually(() => got.length >= 1);
    expect(got.map((m) => m.type)).toEqual([`${ns}.rollback.kept`]);
    expect(await rowsOf(`select id from outbox_message where type = ?`, [`${ns}.rollback.lost`])).toEqual([]);
  });

  it('changes nothing when a message is delivered again', async () => {
    const { transport: watched, settled } = counted(transport);
    const queue = queueName('goals');
    let calls = 0;
    subscriptions.push(
      await consume<{ scorer: string }>(db.orm, watched, { queue, bindings: [`${ns}.goal.scored`] }, async (m, em) => {
        calls++;
        await em.getConnection().execute(`insert into goal (message_id, scorer) values (?, ?)`, [m.id, m.payload.scorer], 'run', em.getTransactionContext());
      }),
    );
    const goal = message(`${ns}.goal.scored`, { scorer: 'Zidane' });
    await transport.publish(goal);
    await transport.publish(goal);
    await eventually(() => settled() === 2);
    expect(calls).toBe(1);
    expect(await rowsOf(`select message_id, scorer from goal`)).toEqual([{ message_id: goal.id, scorer: 'Zidane' }]);
    expect(await rowsOf(`select consumer, message_id from handled_message where message_id = ?`, [goal.id])).toEqual([{ consumer: queue, message_id: goal.id }]);

    // Another message is handled as usual.
    const next = message(`${ns}.goal.scored`, { scorer: 'Henry' });
    await transport.publish(next);
    await eventually(() => settled() === 3);
    expect(calls).toBe(2);
    expect((await rowsOf<{ scorer: string }>(`select scorer from goal order by id`)).map((r) => r.scorer)).toEqual(['Zidane', 'Henry']);
  });

  it('dead-letters a message whose handler keeps failing, after maxDeliveries attempts', async () => {
    const queue = queueName('poison');
    let calls = 0;
    subscriptions.push(
      await consume(db.orm, transport, { queue, bindings: [`${ns}.poison.*`], maxDeliveries: 3 }, async (m, em) => {
        calls++;
        await em.getConnection().execute(`insert into goal (message_id, scorer) values (?, ?)`, [m.id, 'never'], 'run', em.getTransactionContext());
        throw new Error('cannot handle this');
      }),
    );
    const poison = message(`${ns}.poison.pill`, { bad: true });
    await transport.publish(poison);
    const dead = await eventually(async () => {
      const d = await deadLetters(queue);
      return d.length ? d : undefined;
    });
    expect(dead).toEqual([poison]);
    expect(calls).toBe(3);
    // Each failed attempt rolled back: neither its effect nor its id was kept.
    expect(await rowsOf(`select id from goal where message_id = ?`, [poison.id])).toEqual([]);
    expect(await rowsOf(`select message_id from handled_message where message_id = ?`, [poison.id])).toEqual([]);
  });

  it('tells how many messages wait in a queue and in its dead-letter queue', async () => {
    const queue = queueName('backlog');
    expect(await transport.depth(`${ns}.never-declared`)).toBe(0);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let handled = 0;
    subscriptions.push(
      await transport.consume({ queue, bindings: [`${ns}.backlog.*`], concurrency: 1, maxDeliveries: 1 }, async (m) => {
        await held;
        handled++;
        if ((m.payload as { fail?: boolean }).fail) throw new Error('cannot handle this');
      }),
    );
    await transport.publish(message(`${ns}.backlog.item`, { fail: true }));
    for (let i = 0; i < 5; i++) await transport.publish(message(`${ns}.backlog.item`, { i }));
    // RabbitMQ counts the messages ready for delivery (not the one being handled); the
    // stand-in counts every delivery under way.
    await eventually(async () => ((await transport.depth(queue)) >= 5 ? true : undefined));
    release();
    await eventually(async () => (handled === 6 && (await transport.depth(queue)) === 0 ? true : undefined));
    await eventually(async () => ((await transport.depth(`${queue}.dlq`)) === 1 ? true : undefined));
  });

  it('keeps what was published before a consumer first started, when the relay declared the topology', async () => {
    const queue = queueName('late');
    const spec = { queue, bindings: [`${ns}.late.*`], maxDeliveries: 3 };
    const declaring = new OutboxRelay(db.orm.em, transport, logger, 600_000, { topology: [spec] });
    const em = db.orm.em.fork();
    const sent = [1, 2, 3].map((n) => emit(em, `${ns}.late.goal`, { n }));
    await em.flush();
    await declaring.drain();
    // Nobody consumes yet: the queue holds them (a plain exchange would have dropped them).
    await eventually(async () => ((await transport.depth(queue)) === 3 ? true : undefined));
    // The consumer declares the same queue with the same arguments: the broker agrees.
    const got: BusMessage[] = [];
    subscriptions.push(
      await transport.consume({ ...spec, concurrency: 1 }, async (m) => {
        got.push(m);
      }),
    );
    await eventually(() => got.length === 3);
    expect(got.map((m) => m.id).sort()).toEqual(sent.map((m) => m.id).sort());
    expect(await transport.depth(queue)).toBe(0);
  });

  it('keeps a namespace to its own exchanges: its events reach its queues, and nobody else’s (RabbitMQ)', async () => {
    if (!testEnv.amqpUrl) return expect(transport.kind).toBe('memory');
    const namespace = `${uniqueName('kitns')}_`;
    const other = createTransport(testEnv.amqpUrl, logger, 'kit-bus-namespace', namespace);
    try {
      const theirs: BusMessage[] = [];
      const ours = await listen('ns-default', [`${ns}.isolated.*`]);
      const queue = `${namespace}${ns}.isolated`;
      subscriptions.push(await other.consume({ queue, bindings: [`${ns}.isolated.*`], concurrency: 1 }, async (m) => void theirs.push(m)));
      await other.publish({ id: randomUUID(), type: `${ns}.isolated.theirs`, occurredAt: new Date().toISOString(), version: 1, payload: {} });
      await transport.publish({ id: randomUUID(), type: `${ns}.isolated.ours`, occurredAt: new Date().toISOString(), version: 1, payload: {} });
      await eventually(() => theirs.length === 1 && ours.length === 1);
      // Each heard its own only: a later one would have arrived with the second message.
      await transport.publish({ id: randomUUID(), type: `${ns}.isolated.ours`, occurredAt: new Date().toISOString(), version: 1, payload: {} });
      await eventually(() => ours.length === 2);
      expect(theirs.map((m) => m.type)).toEqual([`${ns}.isolated.theirs`]);
      expect(ours.map((m) => m.type)).toEqual([`${ns}.isolated.ours`, `${ns}.isolated.ours`]);
      await other.deleteQueue(queue);
      await other.deleteExchanges();
    } finally {
      await other.close();
    }
  });

  it('relays on its own once started, and soon after notify()', async () => {
    const got = await listen('relay', [`${ns}.relay.*`]);
    // A poll interval far beyond the test: only start() and notify() can explain a delivery.
    const running = new OutboxRelay(db.orm.em, transport, logger, 600_000);
    try {
      await db.orm.em.fork().transactional(async (em: EntityManager) => {
        emit(em, `${ns}.relay.before-start`, {});
      });
      running.start();
      await eventually(() => got.length === 1);
      expect(got[0].type).toBe(`${ns}.relay.before-start`);

      const em = db.orm.em.fork();
      const after = emit(em, `${ns}.relay.after-notify`, { n: 2 });
      await em.flush();
      running.notify();
      await eventually(() => got.length === 2);
      expect(got[1]).toMatchObject({ id: after.id, type: `${ns}.relay.after-notify`, payload: { n: 2 } });
      const unsent = await rowsOf(`select id from outbox_message where type like ? and sent_at is null`, [`${ns}.relay.%`]);
      expect(unsent).toEqual([]);
    } finally {
      await running.stop();
    }
  });

  it('is told by the kit after each commit that emitted events, and not after a rollback', async () => {
    const got = await listen('commit', [`${ns}.commit.*`]);
    // A poll interval far beyond the test: only the commit hook can explain a delivery.
    const orm = db.orm;
    const running = new OutboxRelay(orm.em, transport, logger, 600_000);
    notifyRelayAfterCommit(orm.em, running);
    running.start();
    try {
      const em = orm.em.fork();
      emit(em, `${ns}.commit.flushed`, {});
      await em.flush();
      await eventually(() => got.some((m) => m.type === `${ns}.commit.flushed`));

      await orm.em.fork().transactional(async (tx: EntityManager) => {
        emit(tx, `${ns}.commit.in-transaction`, {});
        await tx.flush();
      });
      await eventually(() => got.some((m) => m.type === `${ns}.commit.in-transaction`));

      await orm.em
        .fork()
        .transactional(async (tx: EntityManager) => {
          emit(tx, `${ns}.commit.rolled-back`, {});
          await tx.flush();
          throw new Error('changed my mind');
        })
        .catch(() => undefined);
      const em2 = orm.em.fork();
      emit(em2, `${ns}.commit.after-rollback`, {});
      await em2.flush();
      await eventually(() => got.some((m) => m.type === `${ns}.commit.after-rollback`));
      expect(got.map((m) => m.type).filter((t) => t.startsWith(`${ns}.commit.`))).toEqual([
        `${ns}.commit.flushed`,
        `${ns}.commit.in-transaction`,
        `${ns}.commit.after-rollback`,
      ]);
    } finally {
      await running.stop();
    }
  });
});
