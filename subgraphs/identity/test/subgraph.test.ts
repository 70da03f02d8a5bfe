import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRINCIPAL_HEADER, SCOPES as SCOPE_TABLE, busTopology, signCaller, type Principal } from '@frontrow/kit';

const SCOPES = Object.keys(SCOPE_TABLE);
import { testEnv, testKv, testSecret, testTransport, uniqueName } from '@frontrow/kit/testing';
import { SignJWT } from 'jose';
import { hashPassword } from '../src/crypto';
import { User } from '../src/entities/user.entity';
import { printIdentitySdl } from '../src/schema';
import { start, type IdentityHandle } from '../src/server';

/**
 * Identity called directly, as an attacker inside the network would: only the
 * gateway's signature makes a principal.
 */
let identity: IdentityHandle;
let secret: string;
const queries: string[] = [];
const kv = testKv();
const transport = testTransport();
const busNamespace = `${uniqueName('idq')}_`;

beforeAll(async () => {
  secret = testSecret();
  identity = await start({
    port: 0,
    principalSecret: secret,
    databaseUrl: testEnv.databaseUrl,
    databaseSchema: uniqueName('identity'),
    dropSchemaOnStop: true,
    kv,
    transport,
    busNamespace,
    onQuery: (sql) => queries.push(sql),
  });
});

afterAll(async () => {
  await identity.stop();
  for (const q of busTopology(busNamespace)) await transport.deleteQueue(q.queue);
  await transport.close();
  await kv.close();
});

async function call(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await fetch(identity.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

let passwordHash: Promise<string> | undefined;

async function makeUser(roles: string[] = ['FAN']): Promise<User> {
  const em = identity.em.fork();
  passwordHash ??= hashPassword('irrelevant-password');
  const user = em.create(User, {
    email: `${uniqueName('u')}@example.com`,
    passwordHash: await passwordHash,
    displayName: 'someone',
    roles: roles as User['roles'],
  });
  await em.flush();
  return user;
}

describe('a direct call to identity', () => {
  const adminClaim = (userId: string): Principal => ({ kind: 'user', userId, roles: ['ADMIN'], scopes: [] });

  it('refuses a header signed with another secret: only the gateway is answered', async () => {
    const victim = await makeUser();
    const attacker = await makeUser();
    const forged = await signCaller({ principal: adminClaim(attacker.id) }, testSecret());
    const r = await call(`mutation($u: ID!) { grantRole(userId: $u, role: ADMIN) { roles } }`, { u: victim.id }, { [PRINCIPAL_HEADER]: forged });
    expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const me = await call(`{ me { id } }`, {}, { [PRINCIPAL_HEADER]: forged });
    expect(me.data ?? null).toBeNull();
    expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unsigned, alg:none or expired header', async () => {
    const attacker = await makeUser();
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ p: adminClaim(attacker.id) })).toString('base64url')}.`;
    const expired = await new SignJWT({ p: adminClaim(attacker.id) })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('frontrow-gateway')
      .setAudience('frontrow-subgraphs')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 300)
      .sign(new TextEncoder().encode(secret));
    for (const header of [unsigned, expired, JSON.stringify(adminClaim(attacker.id))]) {
      const me = await call(`{ me { id } }`, {}, { [PRINCIPAL_HEADER]: header });
      expect(me.data ?? null).toBeNull();
      expect(me.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('honours a header the gateway signed', async () => {
    const user = await makeUser();
    const header = await signCaller({ principal: { kind: 'user', userId: user.id, roles: ['FAN'], scopes: [] } }, secret);
    expect((await call(`{ me { id email } }`, {}, { [PRINCIPAL_HEADER]: header })).data).toEqual({ me: { id: user.id, email: user.email } });
  });

  it('refuses the internal API-key check without the gateway\'s signature', async () => {
    const res = await fetch(new URL('/internal/api-keys/verify', identity.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: 'fr_anything' }),
    });
    expect(res.status).toBe(403);
  });

  it('serves its JWKS with public keys only', async () => {
    const res = await fetch(new URL('/.well-known/jwks.json', identity.url));
    const jwks = (await res.json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(k.d).toBeUndefined();
    }
  });

  it('never shows SQL or a stack trace', async () => {
    const r = await call(`{ user(id: "not-a-uuid") { id } }`, {}, {
      [PRINCIPAL_HEADER]: await signCaller({ principal: { kind: 'user', userId: (await makeUser()).id, roles: ['FAN'], scopes: [] } }, secret),
    });
    expect(r.data).toEqual({ user: null });
    expect(JSON.stringify(r)).not.toMatch(/select|stack/i);
  });
});

describe('entity references', () => {
  it('resolves 100 users in at most 2 SQL queries', async () => {
    const users = await Promise.all(Array.from({ length: 100 }, () => makeUser()));
    queries.length = 0;
    const r = await call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id displayName } } }`,
      { r: users.map((u) => ({ __typename: 'User', id: u.id })) },
      { [PRINCIPAL_HEADER]: await signCaller({ principal: null }, secret) },
    );
    expect((r.data?._entities as unknown[]).length).toBe(100);
    expect((r.data?._entities as Array<{ id: string }>).map((u) => u.id)).toEqual(users.map((u) => u.id));
    const selects = queries.filter((q) => /select/i.test(q)).length;
    expect(selects).toBeGreaterThanOrEqual(1);
    expect(selects).toBeLessThanOrEqual(2);
  });
});

describe('limits that fit a stadium (the defaults)', () => {
  const venue = (ip: string) => signCaller({ principal: null, clientIp: ip }, secret);

  it('lets 25 fans behind one address sign up within the hour', async () => {
    const header = await venue('192.0.2.50');
    const signUp = `mutation($e: String!) { signUp(input: { email: $e, password: "a long password", displayName: "Fan" }) { user { id } } }`;
    const results = [];
    for (let i = 0; i < 25; i++) results.push(await call(signUp, { e: `${uniqueName('fan')}@example.com` }, { [PRINCIPAL_HEADER]: header }));
    expect(results.filter((r) => r.errors)).toEqual([]);
  });

  it('lets 40 headsets behind one address start pairing, each sent to the web portal', async () => {
    const header = await venue('192.0.2.51');
    const start = `mutation { startDevicePairing(input: { deviceName: "Quest 3", platform: "quest" }) { verificationUri } }`;
    for (let i = 0; i < 40; i++) {
      expect((await call(start, {}, { [PRINCIPAL_HEADER]: header })).data).toEqual({ startDevicePairing: { verificationUri: 'http://localhost:3000/pair' } });
    }
  });
});

describe('API key scopes', () => {
  const CREATE = `mutation($n: String!, $s: [String!]!) { createApiKey(input: { name: $n, scopes: $s }) { apiKey { scopes } } }`;
  const as = async (user: User) => ({ [PRINCIPAL_HEADER]: await signCaller({ principal: { kind: 'user', userId: user.id, roles: ['FAN'], scopes: [] } }, secret) });

  it('accepts the platform\'s scopes', async () => {
    const r = await call(CREATE, { n: 'everything', s: [...SCOPES] }, await as(await makeUser()));
    expect(r.data).toEqual({ createApiKey: { apiKey: { scopes: [...SCOPES] } } });
  });

  it('refuses a scope outside the vocabulary, naming the field and the valid scopes', async () => {
    const r = await call(CREATE, { n: 'admin key', s: ['profile:read', 'admin:all'] }, await as(await makeUser()));
    expect(r.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(r.errors?.[0].message).toContain('"admin:all"');
    expect(r.errors?.[0].message).toContain('creative:write');
  });

  it('echoes no more than a short, printable prefix of a huge scope', async () => {
    const huge = `${'x'.repeat(200 * 1024)}:write`;
    const r = await call(CREATE, { n: 'big', s: [huge] }, await as(await makeUser()));
    // The kit refuses it at the edge, before identity reads it, naming where it was.
    expect(r.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0].message).not.toContain('x'.repeat(33));
    expect(r.errors?.[0].message.length).toBeLessThan(300);
    const odd = await call(CREATE, { n: 'odd', s: ['profile:read\n\u001b[31mFAKE LOG LINE'] }, await as(await makeUser()));
    expect(odd.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(odd.errors?.[0].message).not.toContain('FAKE LOG LINE');
    // Under the edge's limits, identity's own message shows at most a short prefix.
    const long = await call(CREATE, { n: 'long', s: [`${'y'.repeat(5_000)}:write`] }, await as(await makeUser()));
    expect(long.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'scopes' });
    expect(long.errors?.[0].message).toContain(`"${'y'.repeat(32)}..."`);
    expect(long.errors?.[0].message).not.toContain('y'.repeat(33));
  });
});

describe('error messages', () => {
  it('never carry a long piece of what the caller sent', async () => {
    const huge = 'y'.repeat(200 * 1024);
    const fan = await makeUser();
    const admin = await makeUser(['FAN', 'ADMIN']);
    const as = async (user: User, roles: Principal['roles']) => ({
      [PRINCIPAL_HEADER]: await signCaller({ principal: { kind: 'user', userId: user.id, roles, scopes: [] }, clientIp: '192.0.2.60' }, secret),
    });
    const anonymous = { [PRINCIPAL_HEADER]: await signCaller({ principal: null, clientIp: '192.0.2.61' }, secret) };
    const calls: Array<[string, Record<string, unknown>, Record<string, string>]> = [
      [`mutation($e: String!, $p: String!, $d: String!) { signUp(input: { email: $e, password: $p, displayName: $d }) { accessToken } }`, { e: huge, p: 'a long password', d: 'Fan' }, anonymous],
      [`mutation($e: String!, $p: String!, $d: String!) { signUp(input: { email: $e, password: $p, displayName: $d }) { accessToken } }`, { e: 'a@example.com', p: huge, d: 'Fan' }, anonymous],
      [`mutation($e: String!, $p: String!, $d: String!) { signUp(input: { email: $e, password: $p, displayName: $d }) { accessToken } }`, { e: 'b@example.com', p: 'a long password', d: huge }, anonymous],
      [`mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }`, { e: huge, p: 'a long password' }, anonymous],
      [`mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }`, { e: fan.email, p: huge }, anonymous],
      [`mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: huge }, anonymous],
      [`mutation($n: String!) { startDevicePairing(input: { deviceName: $n, platform: "quest" }) { userCode } }`, { n: huge }, anonymous],
      [`mutation($p: String!) { startDevicePairing(input: { deviceName: "Quest", platform: $p }) { userCode } }`, { p: huge }, anonymous],
      [`mutation($c: String!) { approveDevicePairing(userCode: $c) { id } }`, { c: huge }, await as(fan, ['FAN'])],
      [`mutation($c: String!) { completeDevicePairing(deviceCode: $c) { accessToken } }`, { c: huge }, anonymous],
      [`mutation($n: String!) { createApiKey(input: { name: $n, scopes: [] }) { secret } }`, { n: huge }, await as(fan, ['FAN'])],
      [`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: huge }, await as(fan, ['FAN'])],
      [`mutation($u: ID!) { grantRole(userId: $u, role: MODERATOR) { id } }`, { u: huge }, await as(admin, ['FAN', 'ADMIN'])],
    ];
    for (const [query, variables, headers] of calls) {
      const r = await call(query, variables, headers);
      expect(r.errors?.length).toBeGreaterThan(0);
      for (const e of r.errors ?? []) {
        expect({ query, message: e.message.slice(0, 300), long: e.message.length > 300 }).toEqual({ query, message: expect.not.stringContaining('y'.repeat(33)), long: false });
      }
    }
  });
});

describe('schema', () => {
  it('matches the committed schema.graphql (run `npm run compose` after a change)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(`${(await printIdentitySdl()).trim()}\n`).toBe(committed);
  });
});
