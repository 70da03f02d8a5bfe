import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, consume, createLogger, createTransport, signCaller, type BusMessage, type BusTransport, type Principal, type Subscription } from '@frontrow/kit';
import { eventually, gql, need, needs, testEnv, testSecret, uniqueName, type Loose } from '@frontrow/kit/testing';
import { start, type CommerceHandle } from '@frontrow/commerce/src/server';
import { start as startMedia, type MediaHandle } from '@frontrow/media/src/server';
import { start as startTelemetry, type TelemetryHandle } from '@frontrow/telemetry/src/server';
import { RabbitServer } from './servers';

/**
 * RabbitMQ stopped while paid checkouts settle. Commerce runs against a RabbitMQ node of
 * the test's own (a node name, ports and a folder of its own: the shared broker is never
 * touched). Fans keep checking out; the broker is stopped while orders are being paid and
 * started again once all are paid. Payments settle without the broker (webhooks), each
 * entitlement is granted in the database with its order, and its
 * `commerce.entitlement.granted` waits in the outbox; once the broker is back, a consumer
 * as a service writes one (the kit's consume(), exactly-once effects) handles each
 * order's grant once: none lost, none twice. The platform's own consumers catch up too:
 * media (a viewer's right to watch, from each grant) and telemetry (the audit log, from
 * commerce's audit events: an admin creates a product while the broker is down). Creative
 * consumes nothing of commerce's.
 *
 * Scaled down for CI from the 500 checkouts and 60 s outage: CHECKOUTS checkouts,
 * the broker down for as long as the last two thirds of them take to be bought and paid.
 * The scale, outside CI: FAULTS_RABBITMQ_CHECKOUTS=500 FAULTS_RABBITMQ_DOWN_SECONDS=60
 * (the broker then stays down at least that long).
 */
const CHECKOUTS = Number(process.env.FAULTS_RABBITMQ_CHECKOUTS || 150);
const MIN_DOWN_MS = Number(process.env.FAULTS_RABBITMQ_DOWN_SECONDS || 0) * 1000;

needs(need.command('rabbitmq-server'), need.command('rabbitmqctl'), need.root('the node runs as the rabbitmq user')).describe('RabbitMQ stopped while paid checkouts settle', () => {
  const secret = testSecret();
  const logger = createLogger('faults-rabbitmq');
  const queue = `${uniqueName('faults_rabbitmq')}.grants`;
  let rabbit: RabbitServer;
  let commerce: CommerceHandle;
  let media: MediaHandle;
  let telemetry: TelemetryHandle;
  let transport: BusTransport;
  let consumer: Subscription | undefined;
  const handled: Array<BusMessage<{ orderId: string }>> = [];

  beforeAll(async () => {
    rabbit = await RabbitServer.start();
    // One namespace for every service of the test and its consumer: their queues and exchanges.
    const busNamespace = `${uniqueName('rabbitfault')}_`;
    commerce = await start({
      busNamespace,
      port: 0,
      principalSecret: secret,
      paymentsWebhookSecret: testSecret(),
      databaseUrl: testEnv.databaseUrl,
      databaseSchema: uniqueName('commerce_rabbitfault'),
      dropSchemaOnStop: true,
      amqpUrl: rabbit.url,
      logger,
    });
    const common = { port: 0, principalSecret: secret, databaseUrl: testEnv.databaseUrl, dropSchemaOnStop: true, amqpUrl: rabbit.url, logger, busNamespace };
    media = await startMedia({ ...common, databaseSchema: uniqueName('media_rabbitfault') });
    telemetry = await startTelemetry({ ...common, databaseSchema: uniqueName('telemetry_rabbitfault') });
    // A consumer as another service writes one, on a connection of its own.
    transport = createTransport(rabbit.url, logger, 'faults-consumer', busNamespace);
    consumer = await consume<{ orderId: string }>(commerce.orm, transport, { queue, bindings: ['commerce.entitlement.granted'] }, async (m) => {
      handled.push(m);
    });
  }, 120_000);

  afterAll(async () => {
    try {
      await consumer?.close();
      await transport?.close();
      await commerce?.stop();
      await media?.stop();
      await telemetry?.stop();
    } finally {
      await rabbit?.destroy();
    }
  });

  async function call(query: string, variables: Record<string, unknown>, principal: Principal): Promise<Loose> {
    const header = await signCaller({ principal, clientIp: '203.0.113.9' }, secret);
    return gql(commerce.url, query, variables, { headers: { [PRINCIPAL_HEADER]: header } });
  }
  const user = (roles: Principal['roles']): Principal => ({ kind: 'user', userId: randomUUID(), roles, scopes: [] });

  it(`grants every one of ${CHECKOUTS} paid checkouts once, none lost, none twice, after the broker was down while they were paid`, async () => {
    const admin = user(['FAN', 'ADMIN']);
    const product = await call(
      `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
      { i: { kind: 'EVENT_PASS', name: 'Fault pass', eventId: randomUUID(), amount: 1500, currency: 'EUR', inventory: CHECKOUTS } },
      admin,
    );
    const productId: string = product.data.createProduct.id;
    const orders = new Map<string, Principal>();
    const paid = async () => {
      const ids = [...orders.keys()];
      const rows = await commerce.em.fork().getConnection().execute<Array<{ n: string }>>(`select count(*) as n from orders where status = 'PAID' and id in (${ids.map(() => '?').join(',') || 'null'})`, ids);
      return Number(rows[0].n);
    };

    // Fans check out, eight at a time, until every pass is sold. Once a third of them are
    // paid, the broker is stopped, and the others check out only once it is down.
    let next = 0;
    let brokerDown!: () => void;
    const stopped = new Promise<void>((resolve) => (brokerDown = resolve));
    const buyers = Array.from({ length: 8 }, async () => {
      while (next < CHECKOUTS) {
        if (next >= CHECKOUTS / 3) await stopped;
        if (next >= CHECKOUTS) break;
        next++;
        const fan = user(['FAN']);
        const r = await call(`mutation($i: CheckoutInput!) { checkout(input: $i) { id } }`, { i: { productId, quantity: 1, idempotencyKey: randomUUID() } }, fan);
        if (r.errors) throw new Error(`checkout failed: ${JSON.stringify(r.errors)}`);
        orders.set(r.data.checkout.id, fan);
      }
    });
    await eventually(async () => (await paid()) >= CHECKOUTS / 3, 30_000);
    await rabbit.stop();
    const stoppedAt = Date.now();
    const paidBefore = await paid();
    brokerDown();
    // An admin's change while the broker is down: its audit event waits in the outbox too.
    const outageProduct = await call(
      `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
      { i: { kind: 'EVENT_PASS', name: 'Outage pass', eventId: randomUUID(), amount: 1200, currency: 'EUR', inventory: 10 } },
      admin,
    );
    const outageProductId: string = outageProduct.data.createProduct.id;
    await Promise.all(buyers);
    // Every order is paid without the broker: webhooks need none.
    await eventually(async () => (await paid()) === CHECKOUTS, 30_000 + CHECKOUTS * 100);
    const waiting = await commerce.em
      .fork()
      .getConnection()
      .execute<Array<{ n: string }>>(`select count(*) as n from outbox_message where type = 'commerce.entitlement.granted' and sent_at is null`);
    // An outage of a set length (FAULTS_RABBITMQ_DOWN_SECONDS) lasts that long at least.
    const left = MIN_DOWN_MS - (Date.now() - stoppedAt);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    await rabbit.start();
    const back = Date.now();

    const mine = () => handled.filter((m) => orders.has(m.payload.orderId));
    await eventually(() => new Set(mine().map((m) => m.payload.orderId)).size === CHECKOUTS, 45_000 + CHECKOUTS * 100);
    const caughtUp = Date.now() - back;
    // The platform's consumers catch up: media knows every pass, telemetry's audit log has the admin's change.
    const granted = (await commerce.em.fork().getConnection().execute<Array<{ id: string }>>(`select id from entitlement where product_id = ?`, [productId])).map((r) => r.id);
    const mediaKnows = async () =>
      Number((await media.em.fork().getConnection().execute<Array<{ n: string }>>(`select count(*) as n from entitlement_info where entitlement_id in (${granted.map(() => '?').join(',')})`, granted))[0].n);
    await eventually(async () => (await mediaKnows()) === CHECKOUTS, 45_000 + CHECKOUTS * 100);
    const audited = async () =>
      Number((await telemetry.em.fork().getConnection().execute<Array<{ n: string }>>(`select count(*) as n from audit_entry where target_id = ? and action = 'commerce.product.created'`, [outageProductId]))[0].n);
    await eventually(async () => (await audited()) === 1, 30_000);
    const mediaCaughtUp = Date.now() - back;
    // One more sale after the outage, handled after the others: a second copy of an earlier one would be in by now.
    const late = user(['FAN']);
    await call(`mutation($i: ProductInput!) { createProduct(input: $i) { id } }`, { i: { kind: 'EVENT_PASS', name: 'Late pass', eventId: randomUUID(), amount: 900, currency: 'EUR', inventory: 1 } }, admin).then(async (p) => {
      const r = await call(`mutation($i: CheckoutInput!) { checkout(input: $i) { id } }`, { i: { productId: p.data.createProduct.id, quantity: 1, idempotencyKey: randomUUID() } }, late);
      await eventually(() => handled.some((m) => m.payload.orderId === r.data.checkout.id), 30_000);
    });

    const entitlements = await commerce.em
      .fork()
      .getConnection()
      .execute<Array<{ order_id: string; n: string }>>(`select order_id, count(*) as n from entitlement where product_id = ? group by order_id`, [productId]);
    console.log(
      `RabbitMQ stopped with ${paidBefore} of ${CHECKOUTS} orders paid, down ${back - stoppedAt} ms, ${Number(waiting[0].n)} grants waiting in the outbox when it came back; ` +
        `every grant handled ${caughtUp} ms after it was back; ${mine().length} handled for ${CHECKOUTS} orders; media and telemetry caught up ${mediaCaughtUp} ms after it was back`,
    );
    // The broker was down for real while orders were paid: grants waited for it.
    expect(paidBefore).toBeLessThan(CHECKOUTS);
    expect(Number(waiting[0].n)).toBeGreaterThan(0);
    // None lost, none twice: one entitlement per order, one handled grant per order.
    expect(entitlements.length).toBe(CHECKOUTS);
    expect(entitlements.filter((e) => Number(e.n) !== 1)).toEqual([]);
    expect(mine().map((m) => m.payload.orderId).sort()).toEqual([...orders.keys()].sort());
    // Media has each viewer's right once (its table is keyed by the entitlement), telemetry the admin's change once.
    expect(await mediaKnows()).toBe(CHECKOUTS);
    expect(await audited()).toBe(1);
  }, 150_000 + MIN_DOWN_MS + CHECKOUTS * 300);
});
