import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { consume, type BusMessage, type Subscription } from '@frontrow/kit';
import { eventually, need, needs, uniqueName } from '@frontrow/kit/testing';
import { TestCommerce, admin, fan, type Data } from './helpers';

const run = promisify(execFile);

async function rabbitmqctl(...args: string[]): Promise<void> {
  await run('rabbitmqctl', args, { timeout: 120_000 });
}

/** Brings RabbitMQ back; harmless when it is already running. */
async function rabbitUp(): Promise<void> {
  await rabbitmqctl('start_app');
  await rabbitmqctl('await_startup');
}

/**
 * Fans keep buying while RabbitMQ is down: payments settle (webhooks need no broker),
 * the entitlement events wait in the outbox, and each reaches a consumer exactly once
 * when the broker is back. Stops and starts a real RabbitMQ, so it runs only with
 * AMQP_URL, in its own Jest project, in band.
 */
needs(need.env('AMQP_URL'), need.command('rabbitmqctl')).describe('entitlement events while RabbitMQ is down', () => {
  const t = new TestCommerce();
  let stopped = false;
  // A consumer as a service writes one: the kit's consume(), which records each message id
  // in the same transaction as its effect. Every delivery that got past it is kept, with no
  // de-duplication here, so a second effect for one order would fail the test.
  const queue = `${uniqueName('commerce_fault')}.grants`;
  const effects: Array<BusMessage<Data>> = [];
  let consumer: Subscription | undefined;

  beforeAll(async () => {
    await t.start();
    consumer = await consume<Data>(t.handle.orm, t.transport, { queue, bindings: ['commerce.entitlement.granted'] }, async (m) => {
      effects.push(m);
    });
  });

  afterAll(async () => {
    try {
      if (stopped) await rabbitUp();
    } finally {
      await consumer?.close();
      await t.transport.deleteQueue(queue).catch(() => undefined);
      await t.stop();
    }
  });

  it('delivers every commerce.entitlement.granted exactly once after the outage', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 900, currency: 'EUR', inventory: 50 }, admin());
    const orders: string[] = [];

    stopped = true;
    await rabbitmqctl('stop_app');
    try {
      for (let i = 0; i < 5; i++) {
        const buyer = fan();
        const r = await t.checkout(buyer, { productId: product.id });
        expect(r.errors).toBeUndefined();
        orders.push(r.data!.checkout.id);
        await eventually(async () => (await t.orderStatus(r.data!.checkout.id, buyer)) === 'PAID');
      }
      // Paid while the broker is away: the grants wait in the outbox.
      const [row] = await t.handle.em
        .getConnection()
        .execute<Array<{ n: string }>>(`select count(*) as n from outbox_message where type = 'commerce.entitlement.granted' and sent_at is null`);
      expect(Number(row.n)).toBe(5);
    } finally {
      await rabbitUp();
      stopped = false;
    }

    const handled = () => effects.filter((m) => orders.includes(m.payload.orderId));
    await eventually(() => new Set(handled().map((m) => m.payload.orderId)).size === orders.length, 45_000);
    // One more sale after the outage, handled after the others: any second copy of the earlier ones would be in by now.
    const late = fan();
    const last = await t.checkout(late, { productId: product.id });
    await eventually(() => effects.some((m) => m.payload.orderId === last.data!.checkout.id), 30_000);

    expect(handled().map((m) => m.payload.orderId).sort()).toEqual([...orders].sort());
    // Each order's grant is one message: the outbox did not publish a second event for it.
    const ids = t.published<Data>('commerce.entitlement.granted', (p) => orders.includes(p.orderId));
    expect(new Set(ids.map((m) => m.payload.orderId)).size).toBe(new Set(ids.map((m) => m.id)).size);
  }, 120_000);
});
