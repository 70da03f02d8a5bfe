import { revokedApiKeyMark } from '@frontrow/kit';
import { codeOf, eventually, signIn, signUp, type Session } from '@frontrow/kit/testing';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { API_KEY_REVOKED_CLOSE } from '../src/subscriptions';
import { startStack, type Stack } from './stack';

/**
 * How the gateway knows who is calling: a bearer token verified against identity's
 * published keys (rotations included), or an API key identity vouches for. What
 * identity itself does (accounts, sessions, pairing, keys, roles) is tested in
 * subgraphs/identity/test.
 */
let stack: Stack;

beforeAll(async () => {
  // The sweep of revocation marks behind open sockets runs often here, to be seen working.
  stack = await startStack({ gateway: { revocationSweepMs: 200 } });
});

afterAll(async () => {
  await stack.close();
});

const ME = 'query Me { me { id email displayName roles } }';

describe('bearer tokens', () => {
  it('answers me for a fan signed up through the gateway', async () => {
    const fan = await signUp(stack.url, 'ada');
    const me = await stack.gql<{ me: Session['user'] }>(ME, {}, fan.accessToken);
    expect(me.status).toBe(200);
    expect(me.data?.me).toEqual(fan.user);
  });

  it('refuses a malformed, forged or foreign bearer token with 401', async () => {
    const fan = await signUp(stack.url, 'victim');
    const [h, p] = fan.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url');
    const tampered = `${h}.${elevated}.${fan.accessToken.split('.')[2]}`;
    for (const token of ['garbage', tampered]) {
      const r = await stack.gql(ME, {}, token);
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
    }
    const r = await stack.gql(ME, {}, { headers: { authorization: 'Basic abc' } });
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
  });

  it('refuses an unsigned (alg: none) token claiming ADMIN, and an expired one, with 401', async () => {
    const fan = await signUp(stack.url, 'unsigned');
    const [h, p] = fan.accessToken.split('.');
    const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'none' };
    const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), roles: ['FAN', 'ADMIN'] };
    const unsigned = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const none = await stack.gql(ME, {}, unsigned);
    expect({ status: none.status, code: codeOf(none), message: none.errors?.[0].message }).toEqual({ status: 401, code: 'UNAUTHENTICATED', message: 'The access token is invalid.' });
    // Signed by identity's own key, a minute past its expiry.
    const { token } = await stack.identity.tokens.issueAccessToken({ id: fan.user.id, roles: ['FAN'] }, -60);
    const expired = await stack.gql(ME, {}, token);
    expect({ status: expired.status, code: codeOf(expired), message: expired.errors?.[0].message }).toEqual({
      status: 401,
      code: 'UNAUTHENTICATED',
      message: 'The access token has expired; refresh the session.',
    });
    // The same fan's valid token still works: the refusals are the tokens', not the account's.
    expect((await stack.gql<{ me: { id: string } }>(ME, {}, fan.accessToken)).data?.me.id).toBe(fan.user.id);
  });

  it('picks up a rotated signing key', async () => {
    const fan = await signUp(stack.url, 'keyed');
    await stack.gql(ME, {}, fan.accessToken);
    await stack.identity.tokens.rotate();
    const fresh = await signIn(stack.url, fan.user.email, fan.password);
    expect(fresh.accessToken.split('.')[0]).not.toBe(fan.accessToken.split('.')[0]);
    const me = await eventually(async () => {
      const r = await stack.gql<{ me: { id: string } }>(ME, {}, fresh.accessToken);
      return r.data?.me;
    }, 10_000, 250);
    expect(me.id).toBe(fan.user.id);
    // A token from the previous key still verifies until it expires.
    expect((await stack.gql<{ me: { id: string } }>(ME, {}, fan.accessToken)).data?.me.id).toBe(fan.user.id);
  });
});

describe('API keys', () => {
  const CREATE = `mutation($n: String!, $s: [String!]!) { createApiKey(input: { name: $n, scopes: $s }) { secret apiKey { id } } }`;
  const key = (secret: string) => ({ headers: { 'x-api-key': secret } });

  it('authenticates with a key, records its use, and stops it at once when revoked', async () => {
    const dev = await signUp(stack.url, 'developer');
    const created = await stack.gql(CREATE, { n: 'my integration', s: ['profile:read', 'creative:write'] }, dev.accessToken);
    const { secret, apiKey } = created.data!.createApiKey;

    const viaKey = await stack.gql<{ me: { id: string } }>(ME, {}, key(secret));
    expect(viaKey.data?.me.id).toBe(dev.user.id);
    const listed = await stack.gql(`{ myApiKeys { id lastUsedAt } }`, {}, dev.accessToken);
    expect(listed.data?.myApiKeys).toEqual([{ id: apiKey.id, lastUsedAt: expect.any(String) }]);
    // A key cannot manage keys: that takes a signed-in person.
    expect(codeOf(await stack.gql(CREATE, { n: 'child', s: [] }, key(secret)))).toBe('FORBIDDEN');

    const revoked = await stack.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: apiKey.id }, dev.accessToken);
    expect(revoked.data).toEqual({ revokeApiKey: true });
    const after = await stack.gql(ME, {}, key(secret));
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe('UNAUTHENTICATED');
    expect(codeOf(await stack.gql(ME, {}, key('fr_made_up')))).toBe('UNAUTHENTICATED');
  });

  it('holds a verified key instead of asking identity each time, and still stops it at once when revoked', async () => {
    const dev = await signUp(stack.url, 'integration');
    const { secret, apiKey } = (await stack.gql(CREATE, { n: 'busy integration', s: ['profile:read'] }, dev.accessToken)).data!.createApiKey;
    const asks = jest.spyOn(globalThis, 'fetch');
    const verifications = () => asks.mock.calls.filter(([url]) => String(url).includes('/internal/api-keys/verify')).length;
    try {
      for (let i = 0; i < 5; i++) expect((await stack.gql<{ me: { id: string } }>(ME, {}, key(secret))).data?.me.id).toBe(dev.user.id);
      expect(verifications()).toBe(1);
      expect((await stack.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: apiKey.id }, dev.accessToken)).data).toEqual({ revokeApiKey: true });
      // The very next request: refused whether this gateway has already heard identity's
      // announcement (the key dropped, identity asked) or not yet (the held key's mark read).
      expect(codeOf(await stack.gql(ME, {}, key(secret)))).toBe('UNAUTHENTICATED');
      expect(codeOf(await stack.gql(ME, {}, key(secret)))).toBe('UNAUTHENTICATED');
    } finally {
      asks.mockRestore();
    }
  });

  it('refuses a held key whose revocation mark is set even when the announcement was missed, without asking identity', async () => {
    const dev = await signUp(stack.url, 'missed');
    const { secret, apiKey } = (await stack.gql(CREATE, { n: 'missed announcement', s: ['profile:read'] }, dev.accessToken)).data!.createApiKey;
    expect((await stack.gql<{ me: { id: string } }>(ME, {}, key(secret))).data?.me.id).toBe(dev.user.id);
    const asks = jest.spyOn(globalThis, 'fetch');
    try {
      // Only the mark, as identity writes it, with no message on the channel.
      await stack.kv.set(revokedApiKeyMark(apiKey.id), '1', 60);
      expect(codeOf(await stack.gql(ME, {}, key(secret)))).toBe('UNAUTHENTICATED');
      expect(asks.mock.calls.filter(([url]) => String(url).includes('/internal/api-keys/verify'))).toHaveLength(0);
    } finally {
      asks.mockRestore();
    }
  });

  it('closes a key\'s open socket with 4410 when its mark is found by the sweep (an announcement missed)', async () => {
    const dev = await signUp(stack.url, 'swept');
    const { secret, apiKey } = (await stack.gql(CREATE, { n: 'swept', s: ['profile:read'] }, dev.accessToken)).data!.createApiKey;
    const client = createClient({ url: stack.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { apiKey: secret }, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined });
    const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    try {
      const me = await new Promise<unknown>((resolve) => client.subscribe({ query: ME }, { next: (r) => resolve(r.data), error: resolve, complete: () => undefined }));
      expect(me).toMatchObject({ me: { id: dev.user.id } });
      await stack.kv.set(revokedApiKeyMark(apiKey.id), '1', 60);
      expect(await closed).toBe(API_KEY_REVOKED_CLOSE);
    } finally {
      await client.dispose();
    }
  });

  it('never carries ADMIN through a key, even an admin\'s', async () => {
    const admin = await signIn(stack.url, stack.admin.email, stack.admin.password);
    const secret = (await stack.gql(CREATE, { n: 'admin key', s: ['events:write', 'profile:read'] }, admin.accessToken)).data!.createApiKey.secret;
    const fan = await signUp(stack.url, 'target');
    const r = await stack.gql(`mutation($u: ID!) { grantRole(userId: $u, role: ADMIN) { roles } }`, { u: fan.user.id }, key(secret));
    expect(codeOf(r)).toBe('FORBIDDEN');
  });
});
