import { randomUUID } from 'node:crypto';
import { signWebhook } from '@frontrow/commerce/src/payments/provider';
import { PRINCIPAL_HEADER, signCaller } from '@frontrow/kit';
import { eventually, gql as post, signUp as signUpAt, testSecret, uniqueName, type Account, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { EntitlementInfo } from '@frontrow/media/src/entities/entitlement-info.entity';
import type { Platform } from '../src/launch';
import { startTestPlatform, type TestPlatform } from './test-platform';

/**
 * Buying a pass through the gateway: checkout, the test provider's signed webhook, the
 * entitlement (seen by the events and media subgraphs too), refunds, and the ways a fan
 * might try to get around the rules.
 */
let platform: Platform;
let world: TestPlatform;
const webhookSecret = testSecret();
const admin = { email: `${uniqueName('admin')}@example.com`, password: 'commerce-admin-password' };

/** The shared test client against the gateway; no request here may cost the platform a 5xx. */
async function gql<T = Loose>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlReply<T>> {
  const r = await post<T>(platform.gateway.url, query, variables, token);
  expect(r.status).toBeLessThan(500);
  return r;
}

const signUp = (name: string) => signUpAt(platform.gateway.url, name);

const CHECKOUT = `mutation($i: CheckoutInput!) { checkout(input: $i) { id status total { amount currency } } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id status user { id displayName } lines { quantity product { name } } } }`;

let adminToken: string;
let eventId: string;
let productId: string;

beforeAll(async () => {
  world = await startTestPlatform('shop', { paymentsWebhookSecret: webhookSecret, seedAdmin: admin });
  platform = world.platform;
  const signIn = await gql(`mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, { i: admin });
  adminToken = signIn.data!.signIn.accessToken;
  const venue = await gql(`mutation { createVenue(input: { name: "Arena", city: "Lyon", country: "FR", timezone: "Europe/Paris" }) { id } }`, {}, adminToken);
  const event = await gql(
    `mutation($v: ID!) { createEvent(input: { title: "Derby", sport: "football", homeTeam: "Lyon", awayTeam: "Saint-Étienne", venueId: $v,
       startsAt: "2031-03-01T20:00:00Z", endsAt: "2031-03-01T22:00:00Z" }) { id } }`,
    { v: venue.data!.createVenue.id },
    adminToken,
  );
  eventId = event.data!.createEvent.id;
  const product = await gql(
    `mutation($i: ProductInput!) { createProduct(input: $i) { id } }`,
    { i: { kind: 'EVENT_PASS', name: 'Derby pass', eventId, amount: 1299, currency: 'EUR', inventory: 10 } },
    adminToken,
  );
  productId = product.data!.createProduct.id;
});

afterAll(async () => {
  await world?.stop();
});

async function remaining(): Promise<number> {
  const r = await gql(`query($id: ID!) { event(id: $id) { products { id remaining } } }`, { id: eventId });
  return r.data!.event.products.find((p: { id: string }) => p.id === productId).remaining;
}

async function statusOf(orderId: string, token: string): Promise<string> {
  return (await gql(ORDER, { id: orderId }, token)).data?.order?.status;
}

async function mediaEntitlement(userId: string): Promise<EntitlementInfo | null> {
  return platform.services.media.em.fork().findOne(EntitlementInfo, { userId });
}

describe('buying a pass through the gateway', () => {
  let fan: Account;
  let orderId: string;
  const key = randomUUID();

  beforeAll(async () => {
    fan = await signUp('Ana');
  });

  it('lists the event products on the event, with nothing owned yet', async () => {
    const r = await gql(`query($id: ID!) { event(id: $id) { title products { name price { amount currency } remaining } viewerEntitlement { id } } }`, { id: eventId }, fan.accessToken);
    expect(r.errors).toBeUndefined();
    expect(r.data!.event).toEqual({
      title: 'Derby',
      products: [{ name: 'Derby pass', price: { amount: 1299, currency: 'EUR' }, remaining: 10 }],
      viewerEntitlement: null,
    });
  });

  it('takes the order once per idempotency key, and refuses the key with another body', async () => {
    const first = await gql(CHECKOUT, { i: { productId, quantity: 1, idempotencyKey: key } }, fan.accessToken);
    expect(first.errors).toBeUndefined();
    orderId = first.data!.checkout.id;
    expect(first.data!.checkout.total).toEqual({ amount: 1299, currency: 'EUR' });
    const retry = await gql(CHECKOUT, { i: { productId, quantity: 1, idempotencyKey: key } }, fan.accessToken);
    expect(retry.data!.checkout.id).toBe(orderId);
    const other = await gql(CHECKOUT, { i: { productId, quantity: 2, idempotencyKey: key } }, fan.accessToken);
    expect(other.data).toBeNull();
    expect(other.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });
    const mine = await gql(`{ myOrders(first: 10) { edges { node { id } } } }`, {}, fan.accessToken);
    expect(mine.data!.myOrders.edges).toEqual([{ node: { id: orderId } }]);
  });

  it('settles by webhook, grants the entitlement, and tells media about it', async () => {
    await eventually(async () => (await statusOf(orderId, fan.accessToken)) === 'PAID');
    const order = await gql(ORDER, { id: orderId }, fan.accessToken);
    // The buyer's name comes from identity, the product's from commerce: one query, two subgraphs.
    expect(order.data!.order).toEqual({ id: orderId, status: 'PAID', user: { id: fan.user.id, displayName: 'Ana' }, lines: [{ quantity: 1, product: { name: 'Derby pass' } }] });
    const seen = await gql(`query($id: ID!) { event(id: $id) { viewerEntitlement { kind } } myEntitlements { event { title } } }`, { id: eventId }, fan.accessToken);
    expect(seen.data).toEqual({ event: { viewerEntitlement: { kind: 'EVENT_PASS' } }, myEntitlements: [{ event: { title: 'Derby' } }] });
    expect(await remaining()).toBe(9);
    const info = await eventually(() => mediaEntitlement(fan.user.id));
    expect(info).toMatchObject({ eventId, revokedAt: null });
  });

  it('shows a fan nothing of another fan’s order, and refuses them a refund', async () => {
    const other = await signUp('Ben');
    const peek = await gql(ORDER, { id: orderId }, other.accessToken);
    expect(peek.data?.order ?? null).toBeNull();
    expect(JSON.stringify(peek)).not.toContain(fan.user.id);
    expect(peek.errors?.[0].extensions?.code).toMatch(/^(NOT_FOUND|FORBIDDEN)$/);
    const list = await gql(`{ myOrders(first: 10) { edges { node { id } } } }`, {}, other.accessToken);
    expect(list.data!.myOrders.edges).toEqual([]);
    const refund = await gql(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "please") { status } }`, { id: orderId }, other.accessToken);
    expect(refund.data).toBeNull();
    expect(refund.errors![0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await gql(CHECKOUT, { i: { productId, quantity: 1, idempotencyKey: randomUUID() } });
    expect(anonymous.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await statusOf(orderId, fan.accessToken)).toBe('PAID');
  });

  it('refuses a caller header made up and sent straight to commerce', async () => {
    const forged = await signCaller({ principal: { kind: 'user', userId: fan.user.id, roles: ['FAN', 'ADMIN'], scopes: [] }, clientIp: '203.0.113.9' }, testSecret());
    const res = await fetch(platform.services.commerce.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: forged },
      body: JSON.stringify({ query: `mutation($id: ID!) { refundOrder(orderId: $id, reason: "forged") { status } }`, variables: { id: orderId } }),
    });
    const body = (await res.json()) as GqlReply<unknown>;
    expect(body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await statusOf(orderId, fan.accessToken)).toBe('PAID');
  });

  it('refunds through the admin: REFUNDED, entitlement revoked everywhere, unit back on sale', async () => {
    const r = await gql(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "match postponed") { status } }`, { id: orderId }, adminToken);
    expect(r.errors).toBeUndefined();
    expect(r.data!.refundOrder.status).toBe('REFUNDED');
    const seen = await gql(`query($id: ID!) { event(id: $id) { viewerEntitlement { kind } } myEntitlements { id } }`, { id: eventId }, fan.accessToken);
    expect(seen.data).toEqual({ event: { viewerEntitlement: null }, myEntitlements: [] });
    expect(await remaining()).toBe(10);
    await eventually(async () => (await mediaEntitlement(fan.user.id))?.revokedAt);
    const again = await gql(`mutation($id: ID!) { refundOrder(orderId: $id, reason: "twice") { status } }`, { id: orderId }, adminToken);
    expect(again.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'orderId' });
  });
});

describe('payments that do not go through', () => {
  it('fails a declined card cleanly and puts the unit back', async () => {
    const fan = await signUp('Cleo');
    const before = await remaining();
    const r = await gql(CHECKOUT, { i: { productId, quantity: 2, idempotencyKey: randomUUID(), paymentMethod: 'pm_card_declined' } }, fan.accessToken);
    expect(r.errors).toBeUndefined();
    const id = r.data!.checkout.id;
    await eventually(async () => (await statusOf(id, fan.accessToken)) === 'FAILED');
    // The processor's decline code, for the fan's page to explain.
    expect((await gql(`query($id: ID!) { order(id: $id) { failureReason } }`, { id }, fan.accessToken)).data!.order.failureReason).toBe('card_declined');
    expect(await remaining()).toBe(before);
    const seen = await gql(`query($id: ID!) { event(id: $id) { viewerEntitlement { id } } }`, { id: eventId }, fan.accessToken);
    expect(seen.data!.event.viewerEntitlement).toBeNull();
  });

  it('ignores a webhook that is not signed with the secret, and one whose timestamp is stale', async () => {
    const fan = await signUp('Dan');
    const r = await gql(CHECKOUT, { i: { productId, quantity: 1, idempotencyKey: randomUUID(), paymentMethod: 'pm_card_delayed' } }, fan.accessToken);
    const id = r.data!.checkout.id;
    const body = JSON.stringify({ id: `evt_${randomUUID()}`, type: 'payment.succeeded', data: { orderId: id, paymentId: 'pay_forged', amount: 1299, currency: 'EUR' } });
    const url = platform.services.commerce.webhookUrl;
    const post = (signature: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-frontrow-signature': signature }, body });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(signWebhook(testSecret(), body, now))).status).toBe(400);
    expect((await post(`t=${now},v1=${'0'.repeat(64)}`)).status).toBe(400);
    expect((await post('')).status).toBe(400);
    // The right secret, but signed ten minutes ago: a captured request replayed later.
    expect((await post(signWebhook(webhookSecret, body, now - 600))).status).toBe(400);
    expect(await statusOf(id, fan.accessToken)).toBe('PENDING');
    // The delayed card settles for real afterwards.
    await eventually(async () => (await statusOf(id, fan.accessToken)) === 'PAID', 15_000);
  });
});
