import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signCaller, type BusMessage, type BusTransport, type KeyValueStore, type Principal, type Subscription } from '@frontrow/kit';
import { testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { start, type CreativeHandle, type CreativeOptions } from '../src/server';

/** Responses are read loosely in tests; each assertion states the shape it expects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Data = Record<string, any>;

export interface GqlResult<D = Data> {
  status: number;
  data?: D | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; field?: string; [k: string]: unknown } }>;
}

export function fan(userId: string = randomUUID()): Principal {
  return { kind: 'user', userId, roles: ['FAN'], scopes: [] };
}

export function sponsorOwner(userId: string = randomUUID()): Principal {
  return { kind: 'user', userId, roles: ['FAN', 'SPONSOR'], scopes: [] };
}

export function admin(userId: string = randomUUID()): Principal {
  return { kind: 'user', userId, roles: ['FAN', 'ADMIN'], scopes: [] };
}

export function apiKey(userId: string, scopes: string[], roles: Principal['roles'] = ['FAN', 'SPONSOR']): Principal {
  return { kind: 'apiKey', userId, roles, scopes, apiKeyId: randomUUID() };
}

/**
 * A creative service on a free port with its own schema and its own embedded object
 * storage (or the given one), plus a consumer that collects what it publishes.
 */
export class TestCreative {
  handle!: CreativeHandle;
  readonly secret: string;
  readonly kv: KeyValueStore;
  readonly transport: BusTransport = testTransport();
  readonly queue = `${uniqueName('creative_test')}.events`;
  readonly messages: BusMessage[] = [];
  private subscription?: Subscription;

  constructor(shared: { secret?: string; kv?: KeyValueStore } = {}) {
    this.secret = shared.secret ?? testSecret();
    this.kv = shared.kv ?? testKv();
    this.ownKv = !shared.kv;
  }
  private readonly ownKv: boolean;

  async start(extra: Partial<CreativeOptions> = {}): Promise<this> {
    this.subscription = await this.transport.consume({ queue: this.queue, bindings: ['creative.#'], concurrency: 8 }, async (m) => {
      this.messages.push(m);
    });
    this.handle = await start({
      port: 0,
      principalSecret: this.secret,
      databaseUrl: testEnv.databaseUrl,
      databaseSchema: uniqueName('creative'),
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
    if (this.ownKv) await this.kv.close();
  }

  async call<D = Data>(query: string, variables: Record<string, unknown> = {}, principal?: Principal | null): Promise<GqlResult<D>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    headers[PRINCIPAL_HEADER] = await signCaller({ principal: principal ?? null, clientIp: '203.0.113.9' }, this.secret);
    const res = await fetch(this.handle.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as Omit<GqlResult<D>, 'status'>;
    return { status: res.status, ...body };
  }

  /** Data of a call that must succeed. */
  async ok(query: string, variables: Record<string, unknown>, principal: Principal | null): Promise<Data> {
    const r = await this.call(query, variables, principal);
    if (r.errors?.length || !r.data) throw new Error(`call failed: ${JSON.stringify(r.errors)}`);
    return r.data;
  }

  published<P = Record<string, unknown>>(type: string, match: (payload: P) => boolean = () => true): Array<BusMessage<P>> {
    return (this.messages as Array<BusMessage<P>>).filter((m) => m.type === type && match(m.payload));
  }
}

export const CREATE_SPONSOR = `mutation($i: SponsorInput!) { createSponsor(input: $i) { id name owner { id } } }`;
export const REQUEST_UPLOAD = `mutation($i: AssetUploadInput!) { requestAssetUpload(input: $i) {
  uploadUrl method headers { name value } expiresAt asset { id status contentType url } } }`;
export const SUBMIT = `mutation($id: ID!) { submitAsset(assetId: $id) { id status bytes width height url } }`;
export const APPROVE = `mutation($id: ID!) { approveAsset(assetId: $id) { id status } }`;
export const REJECT = `mutation($id: ID!, $r: String!) { rejectAsset(assetId: $id, reason: $r) { id status rejectionReason } }`;
export const CREATE_PLACEMENT = `mutation($i: PlacementInput!) { createPlacement(input: $i) { id surface weight frequencyCapPerHour asset { id } event { id } } }`;
export const NEXT_AD = `query($e: ID!, $s: Surface!) { nextAd(eventId: $e, surface: $s) { id } }`;

/** PUTs bytes to a presigned upload as a client would, with the headers it was given (overridable). */
export async function upload(
  u: Data,
  body: Buffer,
  override: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  for (const h of (u.headers ?? []) as Array<{ name: string; value: string }>) if (h.name.toLowerCase() !== 'content-length') headers[h.name] = h.value;
  Object.assign(headers, override);
  const res = await fetch(u.uploadUrl, { method: 'PUT', headers, body });
  return { status: res.status, text: await res.text() };
}
