import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type KeyValueStore } from '@frontrow/kit';
import { eventually, signUp } from '@frontrow/kit/testing';
import { startStack, type Stack } from './stack';

/**
 * Inbound in-flight deduplication (src/dedup.ts): identical queries of one caller, or
 * of anonymous callers, that arrive while the first is running share its execution;
 * different callers never share, mutations never do, and the setting turns it off. The
 * events subgraph here is a stand-in that holds every request until the test lets it
 * answer, so the test knows what was in flight at once.
 */
class HeldSubgraph {
  readonly bodies: string[] = [];
  private held: Array<() => void> = [];
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.bodies.push(body);
        const data = body.includes('createVenue') ? { createVenue: { id: 'v-new' } } : { venues: [{ id: `v-${this.bodies.length}` }] };
        this.held.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data })));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  release(): void {
    for (const answer of this.held.splice(0)) answer();
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function shared(stack: Stack): Promise<number> {
  const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
  return Number(/^gateway_inflight_shared_total(?:{[^}]*})? (\d+)/m.exec(text)?.[1] ?? NaN);
}

describe('inbound in-flight deduplication', () => {
  const events = new HeldSubgraph();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ gateway: { subgraphUrls: { events: await events.start() } } });
  });

  afterAll(async () => {
    await stack?.close();
    await events.stop();
  });

  beforeEach(() => {
    events.release();
    events.bodies.length = 0;
  });

  it('runs identical anonymous queries in flight at once once, and answers each of them', async () => {
    const before = await shared(stack);
    const answers = Array.from({ length: 5 }, () => stack.gql(`query Venues { venues { id } }`));
    await eventually(async () => (await shared(stack)) === before + 4 || undefined);
    expect(events.bodies).toHaveLength(1);
    events.release();
    for (const r of await Promise.all(answers)) expect(r).toEqual({ status: 200, data: { venues: [{ id: 'v-1' }] } });
    // Once answered, the next identical query runs again: nothing is cached.
    const again = stack.gql(`query Venues { venues { id } }`);
    await eventually(() => events.bodies.length === 2 || undefined);
    events.release();
    expect((await again).data).toEqual({ venues: [{ id: 'v-2' }] });
  });

  it('never shares between callers whose authorization differs, nor queries that differ', async () => {
    const [ana, ben] = [await signUp(stack.url, 'Ana Dedup'), await signUp(stack.url, 'Ben Dedup')];
    const before = await shared(stack);
    const answers = [
      stack.gql(`query Venues { venues { id } }`, {}, ana.accessToken),
      stack.gql(`query Venues { venues { id } }`, {}, ben.accessToken),
      stack.gql(`query Venues { venues { id } }`),
      stack.gql(`query Other { venues { id } }`),
      // The same caller twice does share.
      stack.gql(`query Venues { venues { id } }`, {}, ana.accessToken),
    ];
    await eventually(async () => (events.bodies.length === 4 && (await shared(stack)) === before + 1) || undefined);
    events.release();
    const replies = await Promise.all(answers);
    expect(replies.every((r) => r.status === 200 && r.data?.venues.length === 1)).toBe(true);
    expect(replies[4].data).toEqual(replies[0].data);
  });

  it('refuses a bad token even while an identical anonymous query is in flight', async () => {
    const first = stack.gql(`query Venues { venues { id } }`);
    await eventually(() => events.bodies.length === 1 || undefined);
    const forged = await stack.gql(`query Venues { venues { id } }`, {}, 'not.a.token');
    expect(forged.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(forged.data ?? null).toBeNull();
    events.release();
    expect((await first).data).toEqual({ venues: [{ id: 'v-1' }] });
  });

  it('shares between identical queries of one API key, each request identified', async () => {
    const dev = await signUp(stack.url, 'Dev Dedup');
    const created = await stack.gql(`mutation($i: ApiKeyInput!) { createApiKey(input: $i) { secret } }`, { i: { name: 'dedup', scopes: ['profile:read'] } }, dev.accessToken);
    const key = created.data!.createApiKey.secret as string;
    // The key verified once (the gateway holds a verified key for a while), so that all 20 are identified before the first is answered.
    const first = stack.gql(`query Warm { venues { id } }`, {}, { headers: { 'x-api-key': key } });
    await eventually(() => events.bodies.length === 1 || undefined);
    events.release();
    expect((await first).status).toBe(200);
    events.bodies.length = 0;
    const before = await shared(stack);
    const answers = Array.from({ length: 20 }, () => stack.gql(`query Venues { venues { id } }`, {}, { headers: { 'x-api-key': key } }));
    // Answered only once all 20 have arrived: one runs, 19 share it (on a busy machine the last ones can come late).
    await eventually(async () => (events.bodies.length === 1 && (await shared(stack)) === before + 19) || undefined);
    events.release();
    const replies = await Promise.all(answers);
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(events.bodies).toHaveLength(1);
  });

  it('runs every mutation', async () => {
    const session = await (await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }`, variables: { i: stack.admin } }),
    })).json() as { data: { signIn: { accessToken: string } } };
    const create = `mutation { createVenue(input: { name: "Dedup Arena", city: "Lyon", country: "FR", timezone: "Europe/Paris" }) { id } }`;
    const answers = [stack.gql(create, {}, session.data.signIn.accessToken), stack.gql(create, {}, session.data.signIn.accessToken)];
    await eventually(() => events.bodies.length === 2 || undefined);
    events.release();
    for (const r of await Promise.all(answers)) expect(r.data).toEqual({ createVenue: { id: 'v-new' } });
  });
});

describe('outbound deduplication (inbound off)', () => {
  const events = new HeldSubgraph();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ gateway: { subgraphUrls: { events: await events.start() }, inflightDeduplication: false } });
  });

  afterAll(async () => {
    await stack?.close();
    await events.stop();
  });

  async function fetchesShared(): Promise<number> {
    const text = await (await fetch(stack.url.replace(/\/graphql$/, '/metrics'))).text();
    return Number(/^gateway_subgraph_fetches_shared_total(?:{[^}]*})? (\d+)/m.exec(text)?.[1] ?? NaN);
  }

  it('sends one fetch for identical fetches of one caller in flight, each request answered from its own copy', async () => {
    const [ana, ben] = [await signUp(stack.url, 'Ana Outbound'), await signUp(stack.url, 'Ben Outbound')];
    const before = await fetchesShared();
    const answers = [
      stack.gql(`query Venues { venues { id } }`, {}, ana.accessToken),
      stack.gql(`query Venues { venues { id } }`, {}, ana.accessToken),
      stack.gql(`query Venues { venues { id } }`, {}, ben.accessToken),
    ];
    await eventually(async () => (events.bodies.length === 2 && (await fetchesShared()) === before + 1) || undefined);
    events.release();
    const replies = await Promise.all(answers);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(replies[1].data).toEqual(replies[0].data);
    expect(replies[0].data).not.toBe(replies[1].data);
  });
});

describe('with inbound and outbound deduplication off', () => {
  const events = new HeldSubgraph();
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ gateway: { subgraphUrls: { events: await events.start() }, inflightDeduplication: false, subgraphDeduplication: false } });
  });

  afterAll(async () => {
    await stack?.close();
    await events.stop();
  });

  it('runs each identical query itself', async () => {
    const answers = Array.from({ length: 3 }, () => stack.gql(`query Venues { venues { id } }`));
    await eventually(() => events.bodies.length === 3 || undefined);
    events.release();
    expect((await Promise.all(answers)).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});

describe('inbound in-flight deduplication, a caller that leaves while it is identified', () => {
  const events = new HeldSubgraph();
  /** The store the gateway counts rate limits in, with every count held until released. */
  const counts: Array<() => void> = [];
  let holding = true;
  let stack: Stack;

  beforeAll(async () => {
    const store = new MemoryStore();
    const held: KeyValueStore = Object.assign(Object.create(store) as KeyValueStore, {
      incr: async (key: string, ttl: number) => {
        if (holding) await new Promise<void>((resolve) => counts.push(resolve));
        return store.incr(key, ttl);
      },
    });
    stack = await startStack({ gateway: { subgraphUrls: { events: await events.start() }, kv: held } });
  });

  afterAll(async () => {
    holding = false;
    for (const release of counts.splice(0)) release();
    await stack?.close();
    await events.stop();
  });

  it('does not make every identical query after it wait for ever', async () => {
    const post = (signal?: AbortSignal) =>
      fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Venues { venues { id } }' }), signal });
    // The first caller is being identified (its count held) when it goes.
    const leaving = new AbortController();
    const left = post(leaving.signal).catch(() => undefined);
    await eventually(() => counts.length === 1 || undefined);
    leaving.abort();
    await left;
    // A request on a new connection, held the same way, is read after the first one's close.
    const health = fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    await eventually(() => counts.length === 2 || undefined);
    holding = false;
    for (const release of counts.splice(0)) release();
    expect((await health).status).toBe(200);

    // The same query again, by another anonymous caller: answered.
    let answered: { data?: unknown } | undefined;
    void post().then(async (r) => (answered = (await r.json()) as { data?: unknown }));
    await eventually(() => events.bodies.length >= 1 || undefined, 5000);
    events.release();
    // With the fault, it waits on the departed caller's answer, which never comes.
    await eventually(() => answered, 5000);
    expect(answered?.data).toEqual({ venues: [{ id: `v-${events.bodies.length}` }] });
  });
});
