import { createLogger, RedisStore } from '@frontrow/kit';
import { codeOf, eventually, gql, need, needs, signUp, testEnv, testSecret, testTransport, type Account } from '@frontrow/kit/testing';
import type { IdentityHandle } from '@frontrow/identity/src/server';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { gatewayProcess, identityFor, type ServiceProcess } from './processes';

/**
 * A revoked API key on open WebSockets, across two gateway processes: identity announces
 * the revocation on Redis, and each gateway drops the key and closes every socket the key
 * authenticated with 4410, within seconds; the key is refused afterwards on a new socket
 * and over HTTP, on both. Other sockets stay open. Separate processes share nothing in
 * memory, so the announcement is what reaches the gateway the revocation did not pass
 * through. The same pair shows a caller's rate limit counted once across both.
 */

/** What gateway/src/subscriptions/socket.ts closes a revoked key's sockets with (decision 0008). */
const API_KEY_REVOKED_CLOSE = 4410;
const ME = '{ me { id } }';
/** Each caller's budget on the gateways: what one caller spends through either counts on both. */
const PER_MINUTE = 30;
const CREATE_KEY = `mutation($n: String!) { createApiKey(input: { name: $n, scopes: ["profile:read"] }) { secret apiKey { id } } }`;

interface Socket {
  client: Client;
  /** The code it closed with. */
  closed: Promise<number>;
}

needs(need.env('REDIS_URL')).describe('a revoked API key on open WebSockets, two gateways', () => {
  const secret = testSecret();
  // The gateway processes use the store's default prefix; identity must publish under it.
  const kv = new RedisStore(testEnv.redisUrl!, createLogger('test'), 'frontrow:');
  const transport = testTransport();
  let identity: IdentityHandle;
  const gateways: ServiceProcess[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    identity = await identityFor('identity_revoke', { secret, kv, transport });
    for (const name of ['gateway-a', 'gateway-b']) {
      const g = await gatewayProcess(name, {
        secret,
        identityUrl: identity.url,
        subgraphs: { identity: identity.url },
        env: { REDIS_URL: testEnv.redisUrl!, RATE_LIMIT_PER_MINUTE: String(PER_MINUTE) },
      });
      gateways.push(await g.start());
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.client.dispose()));
    for (const g of gateways) await g.stop();
    await identity?.stop();
    await transport.close();
    await kv.close();
  });

  function open(via: ServiceProcess, apiKey: string): Socket {
    const client = createClient({ url: via.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { apiKey }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    const socket = { client, closed };
    sockets.push(socket);
    return socket;
  }

  /** Runs `me` over the socket: the user it answers for, or the error's code. */
  function whoAmI(socket: Socket): Promise<string> {
    return new Promise((resolve) => {
      socket.client.subscribe<{ me: { id: string } | null }>(
        { query: ME },
        {
          next: (r) => resolve(r.data?.me?.id ?? String(r.errors?.[0]?.extensions?.code)),
          error: (e) => resolve(`error: ${JSON.stringify(e)}`),
          complete: () => undefined,
        },
      );
    });
  }

  /** Resolves with the close code, or with 'still open' after `ms` (the push must beat the gateway's 15 s sweep). */
  const closedWithin = (socket: Socket, ms: number) =>
    Promise.race([socket.closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), ms).unref())]);

  it('closes every socket the key opened on both gateways with 4410, and refuses the key afterwards', async () => {
    const [a, b] = gateways;
    const dev: Account = await signUp(a.url, 'Key Holder');
    const doomed = (await gql(a.url, CREATE_KEY, { n: 'doomed' }, dev.accessToken)).data!.createApiKey;
    const kept = (await gql(a.url, CREATE_KEY, { n: 'kept' }, dev.accessToken)).data!.createApiKey;

    const onA = open(a, doomed.secret);
    const onB = open(b, doomed.secret);
    const other = open(b, kept.secret);
    for (const s of [onA, onB, other]) expect(await whoAmI(s)).toBe(dev.user.id);
    // Both gateways now hold the key's principal in their caches.
    for (const g of gateways) expect((await gql(g.url, ME, {}, { headers: { 'x-api-key': doomed.secret } })).data).toEqual({ me: { id: dev.user.id } });

    // Revoked through gateway A: B hears of it only through Redis.
    expect((await gql(a.url, `mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: doomed.apiKey.id }, dev.accessToken)).data).toEqual({ revokeApiKey: true });
    expect(await closedWithin(onA, 5_000)).toBe(API_KEY_REVOKED_CLOSE);
    expect(await closedWithin(onB, 5_000)).toBe(API_KEY_REVOKED_CLOSE);

    // Only that key's sockets: another key of the same owner keeps working.
    expect(await whoAmI(other)).toBe(dev.user.id);

    // Reconnecting with the revoked key is refused (graphql-ws's 4403 Forbidden) on both.
    for (const g of gateways) expect(await open(g, doomed.secret).closed).toBe(4403);
    for (const g of gateways) {
      const r = await gql(g.url, ME, {}, { headers: { 'x-api-key': doomed.secret } });
      expect({ status: r.status, code: codeOf(r) }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    }
    expect(await whoAmI(other)).toBe(dev.user.id);
  });

  it('counts a caller\'s requests once across both gateways (the limit lives in Redis)', async () => {
    const fan = await signUp(gateways[0].url, 'Busy Fan');
    // Spread over both: each gateway sees half, which alone would be far under the limit.
    for (let i = 0; i < PER_MINUTE; i++) {
      const r = await gql(gateways[i % 2].url, ME, {}, fan.accessToken);
      expect({ i, status: r.status }).toEqual({ i, status: 200 });
    }
    for (const g of gateways) {
      const r = await gql(g.url, ME, {}, fan.accessToken);
      expect({ status: r.status, code: codeOf(r) }).toEqual({ status: 429, code: 'RATE_LIMITED' });
    }
  });

  it('leaves both gateways healthy', async () => {
    for (const g of gateways) await eventually(async () => (await fetch(g.url.replace(/\/graphql$/, '/health'))).ok || undefined, 5_000);
  });
});
