import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import type { TestPaymentProvider } from '../src/payments/test-provider';
import { seedDemoCatalog } from '../src/seed';
import { TestCommerce, admin, fan, type Data } from './helpers';

/**
 * A reservation that is never paid in time is released by the service's own sweeper.
 * Here the TTL is a fraction of a second and the "delayed" card takes 3 s, so the
 * order expires first; the payment that then arrives is refunded, not honoured.
 */
const t = new TestCommerce();

beforeAll(async () => {
  await t.start({ reservationTtlSeconds: 0.3, testProvider: { delayedSettleMs: 3000 } });
});

afterAll(async () => {
  await t.stop();
});

it('seeds a demo catalog once, into an empty catalog', async () => {
  const eventIds = [randomUUID(), randomUUID()];
  expect(await seedDemoCatalog(t.handle.em, eventIds)).toBe(5);
  expect(await seedDemoCatalog(t.handle.em, eventIds)).toBe(0);
  const r = await t.call(`query($id: ID!) { products(eventId: $id) { kind remaining } }`, { id: eventIds[0] });
  expect([...r.data!.products].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
    { kind: 'EVENT_PASS', remaining: null },
    { kind: 'SEAT_UPGRADE', remaining: 50 },
  ]);
});

it('cancels an unpaid order after the TTL, returns its units, and refunds a payment that comes too late', async () => {
  const eventId = randomUUID();
  const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId, amount: 1200, currency: 'EUR', inventory: 5 }, admin());
  const buyer = fan();
  const r = await t.checkout(buyer, { productId: product.id, quantity: 2, paymentMethod: 'pm_card_delayed' });
  const orderId = r.data!.checkout.id;
  expect(await t.remaining(product.id)).toBe(3);

  await eventually(async () => (await t.orderStatus(orderId, buyer)) === 'CANCELLED', 10_000);
  expect(await t.remaining(product.id)).toBe(5);
  await eventually(() => t.published('commerce.order.cancelled', (p: Data) => p.orderId === orderId).length === 1);

  // The late success is answered with a refund at the provider; the order stays cancelled, with no entitlement.
  const provider = t.handle.provider as TestPaymentProvider;
  await eventually(() => provider.deliveries.some((d) => d.event.type === 'refund.succeeded' && d.event.data.orderId === orderId && d.status === 200), 15_000);
  const [row] = await t.handle.em.getConnection().execute<Array<{ payment_id: string }>>(`select payment_id from orders where id = ?`, [orderId]);
  expect(provider.payment(row.payment_id)?.refundId).toEqual(expect.any(String));
  expect(await t.orderStatus(orderId, buyer)).toBe('CANCELLED');
  expect((await t.call(`{ myEntitlements(includeRevoked: true) { id } }`, {}, buyer)).data!.myEntitlements).toEqual([]);
  expect(await t.remaining(product.id)).toBe(5);
  expect(t.published('commerce.entitlement.granted', (p: Data) => p.orderId === orderId)).toHaveLength(0);
});
