import { codeOf, eventually, signIn, signUp, type Session } from '@frontrow/kit/testing';
import { startStack, type Stack } from './stack';

/**
 * How the gateway knows who is calling: a bearer token verified against identity's
 * published keys (rotations included), or an API key identity vouches for. What
 * identity itself does (accounts, sessions, pairing, keys, roles) is tested in
 * subgraphs/identity/test.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
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
      // The very next request, with the key still held by this gateway.
      const after = await stack.gql(ME, {}, key(secret));
      expect(codeOf(after)).toBe('UNAUTHENTICATED');
      // Afterwards identity is asked again, and says no.
      expect(codeOf(await stack.gql(ME, {}, key(secret)))).toBe('UNAUTHENTICATED');
      expect(verifications()).toBe(2);
    } finally {
      asks.mockRestore();
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
