import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { eventually } from '@frontrow/kit/testing';
import { parse } from 'graphql';
import { deriveExportKey, signExportUrl } from '../src/exports';
import { SIGNATURE_HEADER, signWebhook } from '../src/payments/provider';
import type { TestPaymentProvider } from '../src/payments/test-provider';
import { printCommerceSdl } from '../src/schema';
import { TestCommerce, admin, fan, type Data } from './helpers';

/**
 * Commerce called directly with signed caller headers, the test payment provider
 * settling through real webhooks to the service's own URL.
 */
const t = new TestCommerce();
let provider: TestPaymentProvider;
const boss = admin();

beforeAll(async () => {
  await t.start();
  provider = t.handle.provider as TestPaymentProvider;
});

afterAll(async () => {
  await t.stop();
});

const ORDER = `query($id: ID!) { order(id: $id) { id status total { amount currency } user { id } lines { quantity product { id } unitPrice { amount currency } } } }`;
const EVENT_FIELDS = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Event { id products { id kind name } viewerEntitlement { id kind event { id } product { id } grantedAt revokedAt } } } }`;

async function eventFields(eventId: string, as?: ReturnType<typeof fan>): Promise<Data> {
  const r = await t.call(EVENT_FIELDS, { r: [{ __typename: 'Event', id: eventId }] }, as);
  expect(r.errors).toBeUndefined();
  return r.data!._entities[0];
}

async function paidOrder(opts: { inventory?: number; quantity?: number } = {}) {
  const eventId = randomUUID();
  const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Final', eventId, amount: 1500, currency: 'EUR', inventory: opts.inventory ?? 10 });
  const buyer = fan();
  const r = await t.checkout(buyer, { productId: product.id, quantity: opts.quantity ?? 1 });
  const orderId: string = r.data!.checkout.id;
  await eventually(async () => (await t.orderStatus(orderId, buyer)) === 'PAID');
  return { eventId, product, buyer, orderId };
}

describe('catalog', () => {
  it('lets an admin create event and season products, shown on the event', async () => {
    const eventId = randomUUID();
    const pass = await t.call(
      `mutation($i: ProductInput!) { createProduct(input: $i) { id kind name price { amount currency } event { id } inventory remaining active } }`,
      { i: { kind: 'EVENT_PASS', name: 'Derby pass', eventId, amount: 1999, currency: 'EUR', inventory: 5 } },
      boss,
    );
    expect(pass.errors).toBeUndefined();
    expect(pass.data!.createProduct).toMatchObject({
      kind: 'EVENT_PASS',
      name: 'Derby pass',
      price: { amount: 1999, currency: 'EUR' },
      event: { id: eventId },
      inventory: 5,
      remaining: 5,
      active: true,
    });
    const season = await t.call(
      `mutation($i: ProductInput!) { createProduct(input: $i) { id kind event { id } inventory remaining } }`,
      { i: { kind: 'SEASON_PASS', name: 'Season 2025', amount: 9900, currency: 'EUR' } },
      boss,
    );
    expect(season.data!.createProduct).toMatchObject({ kind: 'SEASON_PASS', event: null, inventory: null, remaining: null });

    const onEvent = await eventFields(eventId);
    const ids = onEvent.products.map((p: { id: string }) => p.id);
    expect(ids[0]).toBe(pass.data!.createProduct.id);
    expect(ids).toContain(season.data!.createProduct.id);
    // Another event shows the season pass but not this event's pass.
    const other = await eventFields(randomUUID());
    expect(other.products.map((p: { id: string }) => p.id)).not.toContain(pass.data!.createProduct.id);

    await eventually(() => t.published('commerce.audit.recorded', (p: { targetId?: string }) => p.targetId === pass.data!.createProduct.id).length === 1);
    expect(t.published<{ action: string; actorId: string }>('commerce.audit.recorded', (p: Data) => p.targetId === pass.data!.createProduct.id)[0].payload).toMatchObject({
      action: 'commerce.product.created',
      actorId: boss.userId,
      targetType: 'Product',
    });
  });

  it('names the field of a bad product input', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'EVENT_PASS', name: 'x', amount: 100, currency: 'EUR' }, 'eventId'],
      [{ kind: 'SEASON_PASS', name: 'x', eventId: randomUUID(), amount: 100, currency: 'EUR' }, 'eventId'],
      [{ kind: 'SEAT_UPGRADE', name: 'x', eventId: randomUUID(), amount: 100, currency: 'eur' }, 'currency'],
      [{ kind: 'SEAT_UPGRADE', name: 'x', eventId: randomUUID(), amount: 0, currency: 'EUR' }, 'amount'],
      [{ kind: 'EVENT_PASS', name: ' ', eventId: randomUUID(), amount: 100, currency: 'EUR' }, 'name'],
      [{ kind: 'EVENT_PASS', name: 'x', eventId: randomUUID(), amount: 100, currency: 'EUR', inventory: 0 }, 'inventory'],
    ];
    for (const [input, field] of cases) {
      const r = await t.call(`mutation($i: ProductInput!) { createProduct(input: $i) { id } }`, { i: input }, boss);
      expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('reprices (new orders pay the new price) and retires (no longer sold), both audited', async () => {
    const eventId = randomUUID();
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId, amount: 1000, currency: 'EUR' });
    const repriced = await t.call(
      `mutation($id: ID!) { repriceProduct(id: $id, amount: 1250, currency: "USD") { price { amount currency } } }`,
      { id: product.id },
      boss,
    );
    expect(repriced.data!.repriceProduct.price).toEqual({ amount: 1250, currency: 'USD' });
    const bought = await t.checkout(fan(), { productId: product.id, quantity: 2 });
    expect(bought.data!.checkout.total).toEqual({ amount: 2500, currency: 'USD' });
    expect(bought.data!.checkout.lines[0].unitPrice).toEqual({ amount: 1250, currency: 'USD' });

    const retired = await t.call(`mutation($id: ID!) { retireProduct(id: $id) { active } }`, { id: product.id }, boss);
    expect(retired.data!.retireProduct.active).toBe(false);
    const refused = await t.checkout(fan(), { productId: product.id });
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'productId' });
    expect((await eventFields(eventId)).products.map((p: { id: string }) => p.id)).not.toContain(product.id);

    await eventually(() => {
      const actions = t.published<{ action: string }>('commerce.audit.recorded', (p: Data) => p.targetId === product.id).map((m) => m.payload.action);
      return actions.includes('commerce.product.repriced') && actions.includes('commerce.product.retired');
    });
  });
});

describe('authorization', () => {
  it('refuses admin operations to a fan and checkout to an anonymous caller', async () => {
    const product = await t.createProduct({ kind: 'SEASON_PASS', name: 'Season', amount: 5000, currency: 'EUR' });
    const someone = fan();
    const create = await t.call(
      `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
      { i: { kind: 'SEASON_PASS', name: 'Free', amount: 1, currency: 'EUR' } },
      someone,
    );
    expect(create.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(create.data).toBeNull();
    const { orderId } = await paidOrder();
    const refund = await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "I want it") { status } }`, { id: orderId }, someone);
    expect(refund.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const reprice = await t.call(`mutation($id: ID!) { repriceProduct(id: $id, amount: 1, currency: "EUR") { id } }`, { id: product.id }, someone);
    expect(reprice.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const exportUrl = await t.call(`{ financeExportUrl(from: "2020-01-01T00:00:00Z", to: "2020-02-01T00:00:00Z") }`, {}, someone);
    expect(exportUrl.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await t.checkout(null as never, { productId: product.id });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await t.remaining(product.id)).toBeNull();
  });

  it("answers NOT_FOUND, with no data, for another fan's order; an admin sees it", async () => {
    const { orderId, buyer } = await paidOrder();
    const stranger = await t.call(ORDER, { id: orderId }, fan());
    expect(stranger.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(stranger.data).toEqual({ order: null });
    const viaEntities = await t.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id status } } }`, { r: [{ __typename: 'Order', id: orderId }] }, fan());
    expect(viaEntities.data).toEqual({ _entities: [null] });
    const owner = await t.call(ORDER, { id: orderId }, buyer);
    expect(owner.data!.order).toMatchObject({ id: orderId, status: 'PAID', user: { id: buyer.userId } });
    const seenByAdmin = await t.call(ORDER, { id: orderId }, boss);
    expect(seenByAdmin.data!.order.id).toBe(orderId);
    const missing = await t.call(ORDER, { id: randomUUID() }, buyer);
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('checkout', () => {
  it('goes from checkout through the signed webhook to an entitlement, published on the bus', async () => {
    const eventId = randomUUID();
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Cup final', eventId, amount: 2500, currency: 'GBP', inventory: 10 });
    const buyer = fan();
    const r = await t.checkout(buyer, { productId: product.id, quantity: 2, paymentMethod: 'pm_card_ok' });
    expect(r.errors).toBeUndefined();
    const order = r.data!.checkout;
    expect(order).toMatchObject({
      status: 'PENDING',
      total: { amount: 5000, currency: 'GBP' },
      user: { id: buyer.userId },
      lines: [{ quantity: 2, unitPrice: { amount: 2500, currency: 'GBP' }, product: { id: product.id } }],
    });
    expect(await t.remaining(product.id)).toBe(8);
    expect((await eventFields(eventId, buyer)).viewerEntitlement).toBeNull();

    await eventually(async () => (await t.orderStatus(order.id, buyer)) === 'PAID');
    // The provider reached the webhook over HTTP and was answered 200.
    expect(provider.deliveries.filter((d) => d.event.data.orderId === order.id).map((d) => [d.event.type, d.status])).toEqual([['payment.succeeded', 200]]);

    const mine = await t.call(`{ myEntitlements { id kind event { id } product { id } revokedAt } }`, {}, buyer);
    expect(mine.data!.myEntitlements).toEqual([{ id: expect.any(String), kind: 'EVENT_PASS', event: { id: eventId }, product: { id: product.id }, revokedAt: null }]);
    const entitlementId = mine.data!.myEntitlements[0].id;
    expect((await eventFields(eventId, buyer)).viewerEntitlement).toMatchObject({ id: entitlementId, event: { id: eventId } });
    expect((await eventFields(eventId, fan())).viewerEntitlement).toBeNull();
    expect((await eventFields(eventId)).viewerEntitlement).toBeNull();
    expect(await t.remaining(product.id)).toBe(8);

    await eventually(() => t.published('commerce.entitlement.granted', (p: Data) => p.orderId === order.id).length === 1);
    expect(t.published('commerce.entitlement.granted', (p: Data) => p.orderId === order.id)[0].payload).toEqual({
      entitlementId,
      userId: buyer.userId,
      eventId,
      productId: product.id,
      orderId: order.id,
      kind: 'EVENT_PASS',
    });
    await eventually(() => t.published('commerce.order.paid', (p: Data) => p.orderId === order.id).length === 1);
  });

  it('entitles a season pass holder to every event', async () => {
    const season = await t.createProduct({ kind: 'SEASON_PASS', name: 'All season', amount: 19900, currency: 'EUR' });
    const buyer = fan();
    const r = await t.checkout(buyer, { productId: season.id });
    await eventually(async () => (await t.orderStatus(r.data!.checkout.id, buyer)) === 'PAID');
    for (const eventId of [randomUUID(), randomUUID()]) {
      expect((await eventFields(eventId, buyer)).viewerEntitlement).toMatchObject({ kind: 'SEASON_PASS', event: null, product: { id: season.id } });
    }
    await eventually(() => t.published('commerce.entitlement.granted', (p: Data) => p.orderId === r.data!.checkout.id && p.eventId === null).length === 1);
  });

  it('returns the same order for the same idempotency key, and CONFLICT for a different request', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 800, currency: 'EUR', inventory: 10 });
    const buyer = fan();
    const idempotencyKey = randomUUID();
    const first = await t.checkout(buyer, { productId: product.id, quantity: 2, idempotencyKey });
    const again = await t.checkout(buyer, { productId: product.id, quantity: 2, idempotencyKey });
    expect(again.data!.checkout.id).toBe(first.data!.checkout.id);
    // Concurrent retries of one request converge on the same order too.
    const racing = await Promise.all(Array.from({ length: 5 }, () => t.checkout(buyer, { productId: product.id, quantity: 2, idempotencyKey })));
    expect(new Set(racing.map((x) => x.data?.checkout?.id))).toEqual(new Set([first.data!.checkout.id]));

    const different = await t.checkout(buyer, { productId: product.id, quantity: 3, idempotencyKey });
    expect(different.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    expect(different.data).toBeNull();

    // Another fan's key space is their own.
    const other = await t.checkout(fan(), { productId: product.id, quantity: 1, idempotencyKey });
    expect(other.data!.checkout.id).not.toBe(first.data!.checkout.id);

    const orders = await t.call(`{ myOrders { edges { node { id } } } }`, {}, buyer);
    expect(orders.data!.myOrders.edges).toEqual([{ node: { id: first.data!.checkout.id } }]);
    expect(await t.remaining(product.id)).toBe(7);
  });

  it('validates quantity, product and payment method, naming the field', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 800, currency: 'EUR', inventory: 3 });
    const buyer = fan();
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ productId: product.id, quantity: 0 }, 'BAD_USER_INPUT', 'quantity'],
      [{ productId: product.id, quantity: 11 }, 'BAD_USER_INPUT', 'quantity'],
      [{ productId: randomUUID() }, 'BAD_USER_INPUT', 'productId'],
      [{ productId: 'nope' }, 'BAD_USER_INPUT', 'productId'],
      [{ productId: product.id, paymentMethod: 'pm_card_unknown' }, 'BAD_USER_INPUT', 'paymentMethod'],
      [{ productId: product.id, idempotencyKey: '' }, 'BAD_USER_INPUT', 'idempotencyKey'],
      [{ productId: product.id, quantity: 4 }, 'CONFLICT', 'quantity'],
    ];
    for (const [input, code, field] of cases) {
      const r = await t.checkout(buyer, input);
      expect(r.errors?.[0].extensions).toMatchObject({ code, field });
    }
    expect(await t.remaining(product.id)).toBe(3);
  });

  it('fails a declined card and returns its units', async () => {
    const product = await t.createProduct({ kind: 'SEAT_UPGRADE', name: 'Courtside', eventId: randomUUID(), amount: 4000, currency: 'EUR', inventory: 4 });
    const buyer = fan();
    const r = await t.checkout(buyer, { productId: product.id, quantity: 3, paymentMethod: 'pm_card_declined' });
    expect(r.data!.checkout.status).toBe('PENDING');
    expect(await t.remaining(product.id)).toBe(1);
    await eventually(async () => (await t.orderStatus(r.data!.checkout.id, buyer)) === 'FAILED');
    expect(await t.remaining(product.id)).toBe(4);
    expect((await t.call(`{ myEntitlements(includeRevoked: true) { id } }`, {}, buyer)).data!.myEntitlements).toEqual([]);
    await eventually(() => t.published('commerce.order.failed', (p: Data) => p.orderId === r.data!.checkout.id).length === 1);
  });

  it('fails the order at once, returning its units, when the provider cannot start the payment', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 800, currency: 'EUR', inventory: 2 });
    const buyer = fan();
    const spy = jest.spyOn(provider, 'createPayment').mockRejectedValueOnce(new Error('connection reset'));
    try {
      const r = await t.checkout(buyer, { productId: product.id, quantity: 2 });
      expect(r.errors).toBeUndefined();
      expect(r.data!.checkout.status).toBe('FAILED');
    } finally {
      spy.mockRestore();
    }
    expect(await t.remaining(product.id)).toBe(2);
    await eventually(() => t.published('commerce.order.failed', (p: Data) => p.userId === buyer.userId && p.reason === 'provider_unavailable').length === 1);
  });

  it('waits for a delayed card, then grants', async () => {
    const eventId = randomUUID();
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId, amount: 800, currency: 'EUR' });
    const buyer = fan();
    const started = Date.now();
    const r = await t.checkout(buyer, { productId: product.id, paymentMethod: 'pm_card_delayed' });
    const orderId = r.data!.checkout.id;
    expect(await t.orderStatus(orderId, buyer)).toBe('PENDING');
    await eventually(async () => (await t.orderStatus(orderId, buyer)) === 'PAID', 20_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await eventFields(eventId, buyer)).viewerEntitlement).not.toBeNull();
  });

  it('pages myOrders newest first with Relay cursors', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 800, currency: 'EUR' });
    const buyer = fan();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await t.checkout(buyer, { productId: product.id })).data!.checkout.id);
    const PAGE = `query($after: String) { myOrders(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const one = await t.call(PAGE, {}, buyer);
    expect(one.data!.myOrders.edges.map((e: Data) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(one.data!.myOrders.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const two = await t.call(PAGE, { after: one.data!.myOrders.pageInfo.endCursor }, buyer);
    expect(two.data!.myOrders.edges.map((e: Data) => e.node.id)).toEqual([ids[0]]);
    expect(two.data!.myOrders.pageInfo.hasNextPage).toBe(false);
    const bad = await t.call(PAGE, { after: 'garbage' }, buyer);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const all = await t.call(`query($u: ID!) { orders(userId: $u) { edges { node { id } } } }`, { u: buyer.userId }, boss);
    expect(all.data!.orders.edges).toHaveLength(3);
  });
});

describe('refunds', () => {
  it('refunds a paid order: REFUNDED, entitlement revoked, event published, units returned, audited', async () => {
    const { eventId, product, buyer, orderId } = await paidOrder({ inventory: 5, quantity: 2 });
    expect(await t.remaining(product.id)).toBe(3);
    const r = await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "Match abandoned") { id status } }`, { id: orderId }, boss);
    expect(r.errors).toBeUndefined();
    expect(r.data!.refundOrder).toEqual({ id: orderId, status: 'REFUNDED' });
    expect(await t.remaining(product.id)).toBe(5);
    expect((await eventFields(eventId, buyer)).viewerEntitlement).toBeNull();
    const mine = await t.call(`{ active: myEntitlements { id } all: myEntitlements(includeRevoked: true) { id revokedAt } }`, {}, buyer);
    expect(mine.data!.active).toEqual([]);
    expect(mine.data!.all[0].revokedAt).toEqual(expect.any(String));

    await eventually(() => t.published('commerce.entitlement.revoked', (p: Data) => p.orderId === orderId).length === 1);
    expect(t.published('commerce.entitlement.revoked', (p: Data) => p.orderId === orderId)[0].payload).toMatchObject({
      entitlementId: mine.data!.all[0].id,
      userId: buyer.userId,
      eventId,
      productId: product.id,
      reason: 'Match abandoned',
    });
    await eventually(() => t.published('commerce.audit.recorded', (p: Data) => p.targetId === orderId && p.action === 'commerce.order.refunded').length === 1);

    // The provider's refund webhook arrives afterwards and changes nothing.
    await eventually(() => provider.deliveries.some((d) => d.event.type === 'refund.succeeded' && d.event.data.orderId === orderId && d.status === 200));
    expect(await t.orderStatus(orderId, buyer)).toBe('REFUNDED');
    expect(await t.remaining(product.id)).toBe(5);
    expect(t.published('commerce.entitlement.revoked', (p: Data) => p.orderId === orderId)).toHaveLength(1);
    expect(t.published('commerce.audit.recorded', (p: Data) => p.targetId === orderId)).toHaveLength(1);

    const twice = await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "again") { status } }`, { id: orderId }, boss);
    expect(twice.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'orderId' });
  });

  it('refuses to refund an order that is not paid', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 800, currency: 'EUR' });
    const buyer = fan();
    const pending = await t.checkout(buyer, { productId: product.id, paymentMethod: 'pm_card_delayed' });
    const r = await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "too early") { status } }`, { id: pending.data!.checkout.id }, boss);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', field: 'orderId' });
    const missing = await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "x") { status } }`, { id: randomUUID() }, boss);
    expect(missing.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });
});

describe('the admin order list and sales per product', () => {
  it('filters orders by event, status and time, and totals paid and refunded sales per product', async () => {
    const started = new Date();
    const eventId = randomUUID();
    const pass = await t.createProduct({ kind: 'EVENT_PASS', name: 'Cup pass', eventId, amount: 1200, currency: 'EUR' });
    const upgrade = await t.createProduct({ kind: 'SEAT_UPGRADE', name: 'Courtside', eventId, amount: 3000, currency: 'EUR' });
    const elsewhere = await paidOrder();
    const buy = async (productId: string, quantity = 1) => {
      const buyer = fan();
      const id: string = (await t.checkout(buyer, { productId, quantity })).data!.checkout.id;
      await eventually(async () => (await t.orderStatus(id, buyer)) === 'PAID');
      return id;
    };
    const a = await buy(pass.id, 2);
    const b = await buy(pass.id);
    const c = await buy(upgrade.id);
    const declined = (await t.checkout(fan(), { productId: pass.id, paymentMethod: 'pm_card_declined' })).data!.checkout.id;
    expect((await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "Duplicate") { status } }`, { id: b }, boss)).data!.refundOrder.status).toBe('REFUNDED');

    const ORDERS = `query($e: ID, $s: OrderStatus, $from: DateTime, $to: DateTime, $after: String) {
      orders(eventId: $e, status: $s, from: $from, to: $to, first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const ids = (r: Data) => r.data!.orders.edges.map((e: Data) => e.node.id);
    const first = await t.call(ORDERS, { e: eventId }, boss);
    expect(first.errors).toBeUndefined();
    expect(ids(first)).toEqual([declined, c]);
    const second = await t.call(ORDERS, { e: eventId, after: first.data!.orders.pageInfo.endCursor }, boss);
    expect(ids(second)).toEqual([b, a]);
    expect(second.data!.orders.pageInfo.hasNextPage).toBe(false);
    expect(ids(await t.call(ORDERS, { e: eventId, s: 'REFUNDED' }, boss))).toEqual([b]);
    expect(ids(await t.call(ORDERS, { e: randomUUID() }, boss))).toEqual([]);
    const sinceStart = await t.call(`query($from: DateTime) { orders(from: $from, first: 100) { edges { node { id } } } }`, { from: started.toISOString() }, boss);
    expect(ids(sinceStart)).toEqual(expect.arrayContaining([elsewhere.orderId, a, b, c, declined]));
    expect(ids(await t.call(ORDERS, { e: eventId, to: started.toISOString() }, boss))).toEqual([]);

    const SALES = `query($e: ID, $from: DateTime, $to: DateTime) { productSales(eventId: $e, from: $from, to: $to) {
      product { id name } orders units gross { amount currency } refunded { amount } net { amount } } }`;
    const sales = await t.call(SALES, { e: eventId }, boss);
    expect(sales.errors).toBeUndefined();
    expect(sales.data!.productSales).toEqual([
      { product: { id: pass.id, name: 'Cup pass' }, orders: 2, units: 3, gross: { amount: 3600, currency: 'EUR' }, refunded: { amount: 1200 }, net: { amount: 2400 } },
      { product: { id: upgrade.id, name: 'Courtside' }, orders: 1, units: 1, gross: { amount: 3000, currency: 'EUR' }, refunded: { amount: 0 }, net: { amount: 3000 } },
    ]);
    expect((await t.call(SALES, { e: eventId, to: started.toISOString() }, boss)).data!.productSales).toEqual([]);
    const all = await t.call(SALES, {}, boss);
    expect(all.data!.productSales.map((p: Data) => p.product.id)).toEqual(expect.arrayContaining([pass.id, upgrade.id, elsewhere.product.id]));
  });

  it('refuses a window that ends before it starts and a malformed event id, naming the field', async () => {
    const backwards = { from: '2030-02-01T00:00:00Z', to: '2030-01-01T00:00:00Z' };
    const orders = await t.call(`query($from: DateTime, $to: DateTime) { orders(from: $from, to: $to) { edges { cursor } } }`, backwards, boss);
    expect(orders.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const sales = await t.call(`query($from: DateTime, $to: DateTime) { productSales(from: $from, to: $to) { units } }`, backwards, boss);
    expect(sales.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    const badEvent = await t.call(`{ productSales(eventId: "not-an-id") { units } }`, {}, boss);
    expect(badEvent.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventId' });
  });

  it('refuses both to a fan (FORBIDDEN) and to an anonymous caller (UNAUTHENTICATED)', async () => {
    for (const query of ['{ orders(first: 5) { edges { cursor } } }', '{ productSales { units } }']) {
      const asFan = await t.call(query, {}, fan());
      expect(asFan.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      expect(asFan.data).toBeNull();
      expect((await t.call(query, {}, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('the payment webhook', () => {
  async function post(body: string, signature?: string): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signature !== undefined) headers[SIGNATURE_HEADER] = signature;
    const res = await fetch(t.handle.webhookUrl, { method: 'POST', headers, body });
    await res.arrayBuffer();
    return res.status;
  }

  it('refuses a forged signature, a stale timestamp and a missing header, changing nothing', async () => {
    const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Pass', eventId: randomUUID(), amount: 800, currency: 'EUR', inventory: 2 });
    const buyer = fan();
    const r = await t.checkout(buyer, { productId: product.id, paymentMethod: 'pm_card_declined' });
    const orderId = r.data!.checkout.id;
    const paymentId = await eventually(async () => {
      const [row] = await t.handle.em.getConnection().execute<Array<{ payment_id: string | null }>>(`select payment_id from orders where id = ?`, [orderId]);
      return row.payment_id ?? undefined;
    });
    const forged = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment.succeeded', created: Math.floor(Date.now() / 1000), data: { paymentId, orderId, amount: 800, currency: 'EUR' } });
    expect(await post(forged, signWebhook('not-the-secret', forged))).toBe(400);
    expect(await post(forged)).toBe(400);
    expect(await post(forged, 't=123,v1=zz')).toBe(400);
    const staleTime = Math.floor(Date.now() / 1000) - 6 * 60;
    expect(await post(forged, signWebhook(t.webhookSecret, forged, staleTime))).toBe(400);
    // A body altered after signing.
    const signed = signWebhook(t.webhookSecret, forged);
    expect(await post(forged.replace('"amount":800', '"amount":1'), signed)).toBe(400);

    // The genuine outcome (declined) still applies: the forgeries did not mark it paid.
    await eventually(async () => (await t.orderStatus(orderId, buyer)) === 'FAILED');
    expect((await t.call(`{ myEntitlements(includeRevoked: true) { id } }`, {}, buyer)).data!.myEntitlements).toEqual([]);
  });

  it('applies a replayed event once: the same event id changes nothing', async () => {
    const { eventId, buyer, orderId, product } = await paidOrder({ inventory: 3 });
    const original = provider.deliveries.find((d) => d.event.type === 'payment.succeeded' && d.event.data.orderId === orderId)!;
    const refund = await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "replay test") { status } }`, { id: orderId }, boss);
    expect(refund.data!.refundOrder.status).toBe('REFUNDED');
    // Replayed with a fresh, valid signature (as an attacker who captured it could not, but a provider retry would).
    const res = await fetch(t.handle.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(t.webhookSecret, original.body) },
      body: original.body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: true });
    expect(await t.orderStatus(orderId, buyer)).toBe('REFUNDED');
    expect((await eventFields(eventId, buyer)).viewerEntitlement).toBeNull();
    expect(await t.remaining(product.id)).toBe(3);
    await t.handle.relay.drain();
    expect(t.published('commerce.entitlement.granted', (p: Data) => p.orderId === orderId)).toHaveLength(1);
  });
});

describe('finance export', () => {
  it('serves a signed CSV with per-currency totals, refunds apart; a tampered or expired link is 403', async () => {
    const from = new Date(Date.now() - 60_000);
    const paid = await paidOrder({ quantity: 2 });
    const refunded = await paidOrder();
    await t.call(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "export test") { status } }`, { id: refunded.orderId }, boss);
    const to = new Date(Date.now() + 60_000);

    const r = await t.call(`query($f: DateTime!, $to: DateTime!) { financeExportUrl(from: $f, to: $to) }`, { f: from.toISOString(), to: to.toISOString() }, boss);
    expect(r.errors).toBeUndefined();
    const url = new URL(r.data!.financeExportUrl);
    expect(url.origin).toBe(new URL(t.handle.url).origin);
    expect(url.pathname).toBe('/exports/orders.csv');
    const expires = Number(url.searchParams.get('expires'));
    expect(expires - Date.now() / 1000).toBeGreaterThan(240);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(300);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('id,created_at,user_id,status,currency,amount');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.find((c) => c[0] === paid.orderId)).toEqual([paid.orderId, expect.any(String), paid.buyer.userId, 'PAID', 'EUR', '3000']);
    expect(rows.find((c) => c[0] === refunded.orderId)).toEqual([refunded.orderId, expect.any(String), refunded.buyer.userId, 'REFUNDED', 'EUR', '1500']);
    // Totals agree with the order rows above them.
    const orderRows = rows.filter((c) => c[0] !== 'total' && c[4] === 'EUR');
    const sum = (status: string[]) => orderRows.filter((c) => status.includes(c[3])).reduce((s, c) => s + Number(c[5]), 0);
    const totals = rows.filter((c) => c[0] === 'total' && c[4] === 'EUR');
    expect(totals).toEqual([
      ['total', '', '', 'captured', 'EUR', String(sum(['PAID', 'REFUNDED']))],
      ['total', '', '', 'refunded', 'EUR', String(sum(['REFUNDED']))],
      ['total', '', '', 'net', 'EUR', String(sum(['PAID']))],
    ]);
    expect(sum(['REFUNDED'])).toBeGreaterThanOrEqual(1500);
    await eventually(() => t.published('commerce.audit.recorded', (p: Data) => p.action === 'commerce.finance_export.issued' && p.actorId === boss.userId).length === 1);

    const tampered = new URL(url);
    tampered.searchParams.set('to', new Date(to.getTime() + 86_400_000).toISOString());
    expect((await fetch(tampered)).status).toBe(403);
    const badSig = new URL(url);
    badSig.searchParams.set('sig', '0'.repeat(64));
    expect((await fetch(badSig)).status).toBe(403);
    const noSig = new URL(url);
    noSig.searchParams.delete('sig');
    expect((await fetch(noSig)).status).toBe(403);
    // Genuinely signed, but its five minutes are over.
    const expired = signExportUrl(new URL('/', t.handle.url).toString(), deriveExportKey(t.secret), from, to, 300, Date.now() - 301_000);
    expect((await fetch(expired)).status).toBe(403);
    const longerLife = new URL(expired);
    longerLife.searchParams.set('expires', String(Math.floor(Date.now() / 1000) + 300));
    expect((await fetch(longerLife)).status).toBe(403);
  });

  it('names the field of a bad period', async () => {
    const r = await t.call(`{ financeExportUrl(from: "2025-02-01T00:00:00Z", to: "2025-01-01T00:00:00Z") }`, {}, boss);
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });
});

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run compose` after a change)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(`${(await printCommerceSdl()).trim()}\n`).toBe(committed);
  });

  it('composes with identity', () => {
    const read = (name: string) => parse(readFileSync(join(__dirname, '..', '..', name, 'schema.graphql'), 'utf8'));
    const result = composeServices([
      { name: 'identity', url: 'http://localhost:4001/graphql', typeDefs: read('identity') },
      { name: 'commerce', url: 'http://localhost:4004/graphql', typeDefs: read('commerce') },
    ]);
    expect(result.errors).toBeUndefined();
  });
});
