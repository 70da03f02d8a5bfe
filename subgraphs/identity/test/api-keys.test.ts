import { PRINCIPAL_HEADER, signCaller, type Principal } from '@frontrow/kit';
import { uniqueName } from '@frontrow/kit/testing';
import { asUser, codeOf, startTestIdentity, type TestIdentity } from './helpers';

/**
 * API keys as identity keeps them: created by a signed-in person, the secret shown
 * once, listed without it, revoked by their owner only, and checked for the gateway.
 */
let t: TestIdentity;
const seedAdmin = { email: `${uniqueName('admin')}@example.com`, password: 'admin-password-1' };

beforeAll(async () => {
  t = await startTestIdentity({ seedAdmin });
});

afterAll(async () => {
  await t.stop();
});

const CREATE = `mutation($n: String!, $s: [String!]!) { createApiKey(input: { name: $n, scopes: $s }) { secret apiKey { id name scopes createdAt revokedAt } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) }`;

/** What the gateway asks identity of a key: the principal it stands for, or the HTTP status of a refusal. */
async function verify(secret: string): Promise<Principal | number> {
  const res = await fetch(new URL('/internal/api-keys/verify', t.handle.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', [PRINCIPAL_HEADER]: await signCaller({ principal: null }, t.secret) },
    body: JSON.stringify({ secret }),
  });
  return res.ok ? ((await res.json()) as Principal) : res.status;
}

describe('API keys', () => {
  it('creates a key shown once, answers for it to the gateway, and stops it at once when revoked', async () => {
    const dev = await t.signUp('developer');
    const created = await t.call(CREATE, { n: 'my integration', s: ['profile:read', 'creative:write'] }, asUser(dev));
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^fr_/);
    expect(apiKey).toMatchObject({ name: 'my integration', scopes: ['profile:read', 'creative:write'], revokedAt: null });

    const LIST = `{ myApiKeys { id name lastUsedAt } }`;
    expect((await t.call(LIST, {}, asUser(dev))).data?.myApiKeys).toEqual([{ id: apiKey.id, name: 'my integration', lastUsedAt: null }]);
    expect(await verify(secret)).toEqual({ kind: 'apiKey', userId: dev.user.id, apiKeyId: apiKey.id, roles: ['FAN'], scopes: ['profile:read', 'creative:write'] });
    expect((await t.call(LIST, {}, asUser(dev))).data?.myApiKeys).toEqual([{ id: apiKey.id, name: 'my integration', lastUsedAt: expect.any(String) }]);
    // No field of the schema gives the secret back.
    expect(codeOf(await t.call(`{ myApiKeys { secret } }`, {}, asUser(dev)))).toBe('GRAPHQL_VALIDATION_FAILED');

    // Another user cannot revoke it, nor learn that it exists.
    const other = await t.signUp('other-dev');
    expect(codeOf(await t.call(REVOKE, { id: apiKey.id }, asUser(other)))).toBe('NOT_FOUND');
    // A key cannot manage keys: that takes a signed-in person.
    const asKey = { principal: { kind: 'apiKey' as const, userId: dev.user.id, apiKeyId: apiKey.id, roles: ['FAN' as const], scopes: ['profile:read'] } };
    expect(codeOf(await t.call(CREATE, { n: 'child', s: [] }, asKey))).toBe('FORBIDDEN');

    expect((await t.call(REVOKE, { id: apiKey.id }, asUser(dev))).data).toEqual({ revokeApiKey: true });
    expect(await verify(secret)).toBe(401);
    expect(await verify('fr_made_up')).toBe(401);
  });

  it('validates scopes', async () => {
    const dev = await t.signUp('scoper');
    const r = await t.call(CREATE, { n: 'bad', s: ['not a scope'] }, asUser(dev));
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
  });

  it('never carries ADMIN through a key, even an admin\'s', async () => {
    const admin = await t.signIn(seedAdmin.email, seedAdmin.password);
    expect(admin.user.roles).toContain('ADMIN');
    const key = (await t.call(CREATE, { n: 'admin key', s: ['events:write', 'profile:read'] }, asUser(admin))).data!.createApiKey.secret;
    expect(await verify(key)).toMatchObject({ kind: 'apiKey', userId: admin.user.id, roles: ['FAN'] });
  });
});
