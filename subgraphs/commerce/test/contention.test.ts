import { randomUUID } from 'node:crypto';
import { eventually } from '@frontrow/kit/testing';
import { CODES_OF_THE_CONTRACT, TestCommerce, admin, fan, type GqlResult } from './helpers';

/** Many fans, few units: the conditional reservation never oversells, and losers get a clean error. */
const t = new TestCommerce();

beforeAll(async () => {
  await t.start();
});

afterAll(async () => {
  await t.stop();
});

it('sells exactly 20 of 20 units to 60 fans checking out at once; the other 40 get a GraphQL error code', async () => {
  const product = await t.createProduct({ kind: 'EVENT_PASS', name: 'Last 20 seats', eventId: randomUUID(), amount: 3000, currency: 'EUR', inventory: 20 }, admin());
  const fans = Array.from({ length: 60 }, () => fan());
  const results: GqlResult[] = await Promise.all(fans.map((f) => t.checkout(f, { productId: product.id, idempotencyKey: randomUUID() })));

  expect(results.map((r) => r.status)).toEqual(fans.map(() => 200));
  const sold = results.filter((r) => r.data?.checkout?.status === 'PENDING');
  const refused = results.filter((r) => r.errors?.length);
  expect(sold).toHaveLength(20);
  expect(refused).toHaveLength(40);
  for (const r of refused) {
    expect(r.data).toBeNull();
    expect(CODES_OF_THE_CONTRACT).toContain(r.errors![0].extensions?.code);
    expect(r.errors![0].extensions).toMatchObject({ code: 'CONFLICT', field: 'quantity', reason: 'SOLD_OUT' });
  }
  expect(await t.remaining(product.id)).toBe(0);

  // Every sale settles; none is sold twice and nothing comes back.
  const buyers = fans.filter((_, i) => results[i].data?.checkout);
  await eventually(async () => {
    const statuses = await Promise.all(buyers.map((b, i) => t.orderStatus(sold[i].data!.checkout.id, b)));
    return statuses.every((s) => s === 'PAID');
  }, 30_000);
  const [row] = await t.handle.em
    .getConnection()
    .execute<Array<{ n: string }>>(`select count(*) as n from order_line where product_id = ?`, [product.id]);
  expect(Number(row.n)).toBe(20);
  expect(await t.remaining(product.id)).toBe(0);
  await eventually(() => t.published('commerce.entitlement.granted', (p: { productId?: string }) => p.productId === product.id).length === 20);
});
