import type { BusMessage } from '@frontrow/kit';
import { eventually, uniqueName } from '@frontrow/kit/testing';
import { DevicePairingRecord } from '@frontrow/identity/src/entities/device-pairing-record.entity';
import { bearer, codeOf, signIn, signUp, startStack, type Session, type Stack } from './stack';

let stack: Stack;
const events: BusMessage[] = [];
let queue: string;

beforeAll(async () => {
  stack = await startStack();
  queue = uniqueName('test_identity_events');
  await stack.transport.consume({ queue, bindings: ['identity.#'] }, async (m) => {
    events.push(m);
  });
});

afterAll(async () => {
  await stack.transport.deleteQueue(queue);
  await stack.close();
});

const ME = 'query Me { me { id email displayName roles } }';

describe('sign-up and sign-in', () => {
  it('signs a fan up, publishes identity.user.registered, and answers me', async () => {
    const fan = await signUp(stack, 'ada');
    expect(fan.user.roles).toEqual(['FAN']);
    expect(fan.user.email).toMatch(/@example\.com$/);
    const me = await stack.gql<{ me: Session['user'] }>(ME, {}, bearer(fan.accessToken));
    expect(me.data?.me).toEqual(fan.user);
    const event = await eventually(() => events.find((e) => e.type === 'identity.user.registered' && (e.payload as { userId: string }).userId === fan.user.id));
    expect(event).toMatchObject({ version: 1, payload: { displayName: 'ada' } });
    expect(typeof event.id).toBe('string');
    expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
  });

  it('refuses bad input with the field named, and a taken email with CONFLICT', async () => {
    const bad = await stack.gql(`mutation { signUp(input: { email: "nope", password: "long enough password", displayName: "x" }) { accessToken } }`);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].extensions?.field).toBe('email');
    const short = await stack.gql(`mutation { signUp(input: { email: "s@example.com", password: "short", displayName: "x" }) { accessToken } }`);
    expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const fan = await signUp(stack, 'dup');
    const again = await stack.gql(`mutation($e: String!) { signUp(input: { email: $e, password: "another long password", displayName: "x" }) { accessToken } }`, { e: fan.user.email.toUpperCase() });
    expect(codeOf(again)).toBe('CONFLICT');
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const fan = await signUp(stack, 'grace');
    const q = `mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }`;
    const wrong = await stack.gql(q, { e: fan.user.email, p: 'not the password' });
    const unknown = await stack.gql(q, { e: `${uniqueName('nobody')}@example.com`, p: 'not the password' });
    expect(wrong.errors).toHaveLength(1);
    expect(unknown.errors).toHaveLength(1);
    expect(wrong.errors?.[0].message).toBe(unknown.errors?.[0].message);
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.data).toEqual(unknown.data);
  });

  it('makes an account and address that keep failing wait, even for the right password, without touching other accounts', async () => {
    const fan = await signUp(stack, 'throttled');
    const other = await signUp(stack, 'neighbour');
    const q = `mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }`;
    for (let i = 0; i < 5; i++) expect(codeOf(await stack.gql(q, { e: fan.user.email, p: `wrong ${i}` }))).toBe('UNAUTHENTICATED');
    const blocked = await stack.gql(q, { e: fan.user.email, p: fan.password });
    expect(codeOf(blocked)).toBe('RATE_LIMITED');
    expect(blocked.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // An account that does not exist is throttled the same way, so throttling reveals nothing.
    const ghost = `${uniqueName('ghost')}@example.com`;
    for (let i = 0; i < 5; i++) await stack.gql(q, { e: ghost, p: 'whatever it is' });
    expect(codeOf(await stack.gql(q, { e: ghost, p: 'whatever it is' }))).toBe('RATE_LIMITED');
    expect((await signIn(stack, other.user.email, other.password)).user.id).toBe(other.user.id);
  });

  it('throttles sign-in per address', async () => {
    const limited = await startStack({ identity: { settings: { signInAddressFailuresPerHour: 3 } } });
    try {
      const q = `mutation($e: String!) { signIn(input: { email: $e, password: "some password" }) { accessToken } }`;
      for (let i = 0; i < 3; i++) expect(codeOf(await limited.gql(q, { e: `${uniqueName('a')}@example.com` }))).toBe('UNAUTHENTICATED');
      expect(codeOf(await limited.gql(q, { e: `${uniqueName('b')}@example.com` }))).toBe('RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});

describe('sessions', () => {
  const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { id email } } }`;

  it('rotates the refresh token; reusing an old one revokes the whole family', async () => {
    const fan = await signUp(stack, 'rotor');
    const first = await stack.gql<{ refreshSession: Session }>(REFRESH, { t: fan.refreshToken });
    const rotated = first.data!.refreshSession;
    expect(rotated.refreshToken).not.toBe(fan.refreshToken);
    expect(rotated.user).toEqual({ id: fan.user.id, email: fan.user.email });
    // The stolen, already-used token comes back: refused, and the family dies with it.
    const reuse = await stack.gql(REFRESH, { t: fan.refreshToken });
    expect(codeOf(reuse)).toBe('UNAUTHENTICATED');
    expect(codeOf(await stack.gql(REFRESH, { t: rotated.refreshToken }))).toBe('UNAUTHENTICATED');
    // Another sign-in of the same user is a different family and still works.
    const other = await signIn(stack, fan.user.email, fan.password);
    expect((await stack.gql<{ refreshSession: Session }>(REFRESH, { t: other.refreshToken })).data?.refreshSession.user.id).toBe(fan.user.id);
  });

  it('lets only one of two simultaneous uses of a refresh token win', async () => {
    const fan = await signUp(stack, 'racer');
    const results = await Promise.all([stack.gql(REFRESH, { t: fan.refreshToken }), stack.gql(REFRESH, { t: fan.refreshToken })]);
    expect(results.filter((r) => r.data?.refreshSession)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'UNAUTHENTICATED')).toHaveLength(1);
  });

  it('signs out: the refresh token stops working', async () => {
    const fan = await signUp(stack, 'leaver');
    const out = await stack.gql(`mutation($t: String!) { signOut(refreshToken: $t) }`, { t: fan.refreshToken });
    expect(out.data).toEqual({ signOut: true });
    expect(codeOf(await stack.gql(REFRESH, { t: fan.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  it('refuses a malformed, forged or foreign bearer token with 401', async () => {
    const fan = await signUp(stack, 'victim');
    const [h, p] = fan.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const elevated = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url');
    const tampered = `${h}.${elevated}.${fan.accessToken.split('.')[2]}`;
    for (const token of ['garbage', tampered]) {
      const r = await stack.gql(ME, {}, bearer(token));
      expect(r.status).toBe(401);
      expect(codeOf(r)).toBe('UNAUTHENTICATED');
    }
    const r = await stack.gql(ME, {}, { authorization: 'Basic abc' });
    expect(codeOf(r)).toBe('UNAUTHENTICATED');
  });

  it('picks up a rotated signing key', async () => {
    const fan = await signUp(stack, 'keyed');
    await stack.gql(ME, {}, bearer(fan.accessToken));
    await stack.identity.tokens.rotate();
    const fresh = await signIn(stack, fan.user.email, fan.password);
    expect(fresh.accessToken.split('.')[0]).not.toBe(fan.accessToken.split('.')[0]);
    const me = await eventually(async () => {
      const r = await stack.gql<{ me: { id: string } }>(ME, {}, bearer(fresh.accessToken));
      return r.data?.me;
    }, 10_000, 250);
    expect(me.id).toBe(fan.user.id);
    // A token from the previous key still verifies until it expires.
    expect((await stack.gql<{ me: { id: string } }>(ME, {}, bearer(fan.accessToken))).data?.me.id).toBe(fan.user.id);
  });
});

describe('headset pairing (device flow)', () => {
  const START = `mutation { startDevicePairing(input: { deviceName: "Quest 3", platform: "quest" }) { userCode deviceCode verificationUri expiresAt interval } }`;
  const COMPLETE = `mutation($c: String!) { completeDevicePairing(deviceCode: $c) { accessToken refreshToken user { id email } } }`;
  const APPROVE = `mutation($u: String!) { approveDevicePairing(userCode: $u) { id name platform } }`;

  async function waitInterval(interval: number) {
    // The headset waits its polling interval, as RFC 8628 asks of it.
    await new Promise((r) => setTimeout(r, interval * 1000 + 50));
  }

  it('pairs a headset: pending, approved by the fan on the web, tokens once', async () => {
    const fan = await signUp(stack, 'headset-owner');
    const started = await stack.gql<{ startDevicePairing: { userCode: string; deviceCode: string; interval: number; verificationUri: string } }>(START);
    const pairing = started.data!.startDevicePairing;
    expect(pairing.userCode).toMatch(/^[B-Z]{4}-[B-Z]{4}$/);
    expect(pairing.interval).toBe(1);
    expect(pairing.verificationUri).toMatch(/\/pair$/);

    expect(await stack.gql(COMPLETE, { c: pairing.deviceCode })).toMatchObject({ data: { completeDevicePairing: null } });
    // Polling again at once is too fast.
    expect(codeOf(await stack.gql(COMPLETE, { c: pairing.deviceCode }))).toBe('RATE_LIMITED');

    // Approval needs a signed-in fan.
    expect(codeOf(await stack.gql(APPROVE, { u: pairing.userCode }))).toBe('UNAUTHENTICATED');
    const typed = pairing.userCode.toLowerCase().replace('-', ' ');
    const approved = await stack.gql<{ approveDevicePairing: { id: string; name: string } }>(APPROVE, { u: typed }, bearer(fan.accessToken));
    expect(approved.data?.approveDevicePairing).toMatchObject({ name: 'Quest 3', platform: 'quest' });
    expect(codeOf(await stack.gql(APPROVE, { u: pairing.userCode }, bearer(fan.accessToken)))).toBe('CONFLICT');

    await waitInterval(pairing.interval);
    const done = await stack.gql<{ completeDevicePairing: Session }>(COMPLETE, { c: pairing.deviceCode });
    expect(done.data?.completeDevicePairing.user).toEqual({ id: fan.user.id, email: fan.user.email });
    const me = await stack.gql<{ me: { id: string } }>(ME, {}, bearer(done.data!.completeDevicePairing.accessToken));
    expect(me.data?.me.id).toBe(fan.user.id);
    const devices = await stack.gql<{ myDevices: Array<{ name: string; lastSeenAt: string }> }>(`{ myDevices { name lastSeenAt } }`, {}, bearer(fan.accessToken));
    expect(devices.data?.myDevices).toHaveLength(1);
    expect(devices.data?.myDevices[0].lastSeenAt).toBeTruthy();

    await waitInterval(pairing.interval);
    expect(codeOf(await stack.gql(COMPLETE, { c: pairing.deviceCode }))).toBe('BAD_USER_INPUT');
  });

  it('refuses an expired pairing on both sides, and an unknown device code', async () => {
    const fan = await signUp(stack, 'late');
    const pairing = (await stack.gql<{ startDevicePairing: { userCode: string; deviceCode: string } }>(START)).data!.startDevicePairing;
    await stack.identity.em.fork().nativeUpdate(DevicePairingRecord, { userCode: pairing.userCode }, { expiresAt: new Date(Date.now() - 1000) });
    const approve = await stack.gql(APPROVE, { u: pairing.userCode }, bearer(fan.accessToken));
    expect(approve.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'userCode' });
    const complete = await stack.gql(COMPLETE, { c: pairing.deviceCode });
    expect(complete.errors?.[0].message).toMatch(/expired/);
    expect(codeOf(await stack.gql(COMPLETE, { c: 'made-up-device-code' }))).toBe('BAD_USER_INPUT');
  });
});

describe('API keys', () => {
  const CREATE = `mutation($n: String!, $s: [String!]!) { createApiKey(input: { name: $n, scopes: $s }) { secret apiKey { id name scopes createdAt revokedAt } } }`;

  it('creates a key shown once, authenticates with it, and stops it at once when revoked', async () => {
    const dev = await signUp(stack, 'developer');
    const created = await stack.gql<{ createApiKey: { secret: string; apiKey: { id: string; scopes: string[] } } }>(
      CREATE,
      { n: 'my integration', s: ['profile:read', 'creative:write'] },
      bearer(dev.accessToken),
    );
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^fr_/);
    expect(apiKey.scopes).toEqual(['profile:read', 'creative:write']);

    const viaKey = await stack.gql<{ me: { id: string } }>(ME, {}, { 'x-api-key': secret });
    expect(viaKey.data?.me.id).toBe(dev.user.id);
    const listed = await stack.gql<{ myApiKeys: Array<Record<string, unknown>> }>(`{ myApiKeys { id name lastUsedAt } }`, {}, bearer(dev.accessToken));
    expect(listed.data?.myApiKeys).toEqual([{ id: apiKey.id, name: 'my integration', lastUsedAt: expect.any(String) }]);
    // No field of the schema gives the secret back.
    expect(codeOf(await stack.gql(`{ myApiKeys { secret } }`, {}, bearer(dev.accessToken)))).toBe('BAD_USER_INPUT');

    // Another user cannot revoke it, nor learn that it exists.
    const other = await signUp(stack, 'other-dev');
    const foreign = await stack.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: apiKey.id }, bearer(other.accessToken));
    expect(codeOf(foreign)).toBe('NOT_FOUND');
    // A key cannot manage keys: that takes a signed-in person.
    expect(codeOf(await stack.gql(CREATE, { n: 'child', s: [] }, { 'x-api-key': secret }))).toBe('FORBIDDEN');

    const revoked = await stack.gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id: apiKey.id }, bearer(dev.accessToken));
    expect(revoked.data).toEqual({ revokeApiKey: true });
    const after = await stack.gql(ME, {}, { 'x-api-key': secret });
    expect(after.status).toBe(401);
    expect(codeOf(after)).toBe('UNAUTHENTICATED');
    expect(codeOf(await stack.gql(ME, {}, { 'x-api-key': 'fr_made_up' }))).toBe('UNAUTHENTICATED');
  });

  it('validates scopes', async () => {
    const dev = await signUp(stack, 'scoper');
    const r = await stack.gql(CREATE, { n: 'bad', s: ['not a scope'] }, bearer(dev.accessToken));
    expect(r.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'scopes' });
  });

  it('never carries ADMIN through a key, even an admin\'s', async () => {
    const admin = await signIn(stack, stack.admin.email, stack.admin.password);
    const key = (await stack.gql<{ createApiKey: { secret: string } }>(CREATE, { n: 'admin key', s: ['events:write', 'profile:read'] }, bearer(admin.accessToken))).data!.createApiKey.secret;
    const fan = await signUp(stack, 'target');
    const r = await stack.gql(`mutation($u: ID!) { grantRole(userId: $u, role: ADMIN) { roles } }`, { u: fan.user.id }, { 'x-api-key': key });
    expect(codeOf(r)).toBe('FORBIDDEN');
  });
});

describe('roles', () => {
  const GRANT = `mutation($u: ID!, $r: Role!) { grantRole(userId: $u, role: $r) { id roles } }`;

  it('lets an admin grant a role, audited on the bus; a fan may not', async () => {
    const fan = await signUp(stack, 'hopeful');
    const denied = await stack.gql(GRANT, { u: fan.user.id, r: 'ADMIN' }, bearer(fan.accessToken));
    expect(codeOf(denied)).toBe('FORBIDDEN');
    expect(denied.data ?? null).toBeNull();
    expect(codeOf(await stack.gql(GRANT, { u: fan.user.id, r: 'ADMIN' }))).toBe('UNAUTHENTICATED');

    const admin = await signIn(stack, stack.admin.email, stack.admin.password);
    expect(admin.user.roles).toContain('ADMIN');
    const granted = await stack.gql<{ grantRole: { roles: string[] } }>(GRANT, { u: fan.user.id, r: 'SPONSOR' }, bearer(admin.accessToken));
    expect(granted.data?.grantRole.roles).toEqual(['FAN', 'SPONSOR']);
    const audit = await eventually(() => events.find((e) => e.type === 'identity.audit.recorded' && (e.payload as { targetId: string }).targetId === fan.user.id));
    expect(audit.payload).toMatchObject({ actorId: admin.user.id, action: 'identity.role.granted', targetType: 'User', details: { role: 'SPONSOR' } });
    expect(codeOf(await stack.gql(GRANT, { u: '00000000-0000-0000-0000-000000000000', r: 'SPONSOR' }, bearer(admin.accessToken)))).toBe('NOT_FOUND');
    // The new role is in the next token.
    const again = await signIn(stack, fan.user.email, fan.password);
    expect(again.user.roles).toEqual(['FAN', 'SPONSOR']);
  });

  it('shows a user\'s email only to that user and to admins', async () => {
    const a = await signUp(stack, 'private');
    const b = await signUp(stack, 'curious');
    const q = `query($id: ID!) { user(id: $id) { id displayName email } }`;
    expect((await stack.gql<{ user: { email: string | null } }>(q, { id: a.user.id }, bearer(b.accessToken))).data?.user).toEqual({ id: a.user.id, displayName: 'private', email: null });
    expect((await stack.gql<{ user: { email: string } }>(q, { id: a.user.id }, bearer(a.accessToken))).data?.user.email).toBe(a.user.email);
    const admin = await signIn(stack, stack.admin.email, stack.admin.password);
    expect((await stack.gql<{ user: { email: string } }>(q, { id: a.user.id }, bearer(admin.accessToken))).data?.user.email).toBe(a.user.email);
  });
});
