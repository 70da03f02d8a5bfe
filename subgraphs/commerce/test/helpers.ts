import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signCaller, type BusMessage, type BusTransport, type Principal, type Subscription } from '@frontrow/kit';
import { gql, testEnv, testKv, testSecret, testTransport, uniqueName, type GqlReply, type Loose } from '@frontrow/kit/testing';
import { start, type CommerceHandle, type CommerceOptions } from '../src/server';

/** Responses are read loosely in tests; each assertion states the shape it expects. */
export type Data = Loose;
export type GqlResult<D = Data> = GqlReply<D>;

export function fan(userId: string = randomUUID()): Principal {
  return { kind: 'user', userId, roles: ['FAN'], scopes: [] };
}

export function admin(userId: string = randomUUID()): Principal {
  return { kind: 'user', userId, roles: ['FAN', 'ADMIN'], scopes: [] };
}

/**
 * A commerce service on a free port with its own schema, plus a consumer that
 * collects what commerce publishes on the bus.
 */
export class TestCommerce {
  handle!: CommerceHandle;
  readonly secret = testSecret();
  readonly webhookSecret = testSecret();
  readonly kv = testKv();
  readonly transport: BusTransport = testTransport();
  readonly queue = `${uniqueName('commerce_test')}.events`;
  readonly messages: BusMessage[] = [];
  private subscription?: Subscription;

  async start(extra: Partial<CommerceOptions> = {}): Promise<this> {
    this.subscription = await this.transport.consume({ queue: this.queue, bindings: ['commerce.#'], concurrency: 8 }, async (m) => {
      this.messages.push(m);
    });
    this.handle = await start({
      port: 0,
      principalSecret: this.secret,
      paymentsWebhookSecret: this.webhookSecret,
      databaseUrl: testEnv.databaseUrl,
      databaseSchema: uniqueName('commerce'),
      dropSchemaOnStop: true,
      kv: this.kv,
      transport: this.transport,
      ...extra,
    });
    return this;
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
    await this.subscription?.close();
    await this.transport.deleteQueue(this.queue).catch(() => undefined);
    await this.transport.close();
    await this.kv.close();
  }

  async call<D = Data>(query: string, variables: Record<string, unknown> = {}, principal?: Principal | null): Promise<GqlResult<D>> {
    // The gateway signs every call, an anonymous one too.
    const header = await signCaller({ principal: principal ?? null, clientIp: '203.0.113.7' }, this.secret);
    return gql<D>(this.handle.url, query, variables, { headers: { [PRINCIPAL_HEADER]: header } });
  }

  /** Messages of one type whose payload matches. */
  published<P = Record<string, unknown>>(type: string, match: (payload: P) => boolean = () => true): Array<BusMessage<P>> {
    return (this.messages as Array<BusMessage<P>>).filter((m) => m.type === type && match(m.payload));
  }

  async createProduct(input: Record<string, unknown>, by: Principal = admin()): Promise<{ id: string; remaining: number | null }> {
    const r = await this.call(`mutation($i: ProductInput!) { createProduct(input: $i) { id remaining } }`, { i: input }, by);
    if (!r.data?.createProduct) throw new Error(`createProduct failed: ${JSON.stringify(r.errors)}`);
    return r.data.createProduct;
  }

  async checkout(principal: Principal, input: Record<string, unknown>): Promise<GqlResult> {
    return this.call(
      `mutation($i: CheckoutInput!) { checkout(input: $i) { id status total { amount currency } user { id } lines { quantity unitPrice { amount currency } product { id } } } }`,
      { i: { quantity: 1, idempotencyKey: randomUUID(), ...input } },
      principal,
    );
  }

  async orderStatus(id: string, as: Principal): Promise<string | undefined> {
    const r = await this.call(`query($id: ID!) { order(id: $id) { status } }`, { id }, as);
    return r.data?.order?.status;
  }

  async remaining(productId: string): Promise<number | null> {
    const r = await this.call(`query($id: ID!) { product(id: $id) { remaining } }`, { id: productId });
    return r.data?.product?.remaining ?? null;
  }
}

export const CODES_OF_THE_CONTRACT = ['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'RATE_LIMITED'];
