import { eventually, uniqueName } from '@frontrow/kit/testing';
import { asUser, codeOf, startTestIdentity, type TestIdentity } from './helpers';

/**
 * Accounts, sessions and roles, asked of identity as the gateway asks: every call
 * signed, a signed-in fan as the principal the gateway makes of their token.
 */
let t: TestIdentity;
const seedAdmin = { email: `${uniqueName('admin')}@example.com`, password: 'admin-password-1' };

beforeAll(async () => {
  t = await startTestIdentity({ seedAdmin });
});

afterAll(async () => {
  await t.stop();
});

const ME = 'query Me { me { id email displayName roles } }';
const SIGN_IN = `mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }`;

describe('sign-up and sign-in', () => {
  it('signs a fan up, publishes identity.user.registered, and answers me', async () => {
    const fan = await t.signUp('ada');
    expect(fan.user.roles).toEqual(['FAN']);
    expect(fan.user.email).toMatch(/@example\.com$/);
    const me = await t.call(ME, {}, asUser(fan));
    expect(me.data?.me).toEqual(fan.user);
    const event = await eventually(() => t.bus.find((e) => e.type === 'identity.user.registered' && (e.payload as { userId: string }).userId === fan.user.id));
    expect(event).toMatchObject({ version: 1, payload: { displayName: 'ada' } });
    expect(typeof event.id).toBe('string');
    expect(Number.isNaN(Date.parse(event.occurredAt))).toBe(false);
  });

  it('refuses bad input with the field named, and a taken email with CONFLICT', async () => {
    const bad = await t.call(`mutation { signUp(input: { email: "nope", password: "long enough password", displayName: "x" }) { accessToken } }`);
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0].extensions?.field).toBe('email');
    const short = await t.call(`mutation { signUp(input: { email: "s@example.com", password: "short", displayName: "x" }) { accessToken } }`);
    expect(short.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'password' });
    const fan = await t.signUp('dup');
    const again = await t.call(`mutation($e: String!) { signUp(input: { email: $e, password: "another long password", displayName: "x" }) { accessToken } }`, {
      e: fan.user.email.toUpperCase(),
    });
    expect(codeOf(again)).toBe('CONFLICT');
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const fan = await t.signUp('grace');
    const wrong = await t.call(SIGN_IN, { e: fan.user.email, p: 'not the password' });
    const unknown = await t.call(SIGN_IN, { e: `${uniqueName('nobody')}@example.com`, p: 'not the password' });
    expect(wrong.errors).toHaveLength(1);
    expect(unknown.errors).toHaveLength(1);
    expect(wrong.errors?.[0].message).toBe(unknown.errors?.[0].message);
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
    expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.data).toEqual(unknown.data);
  });

  it('makes an account and address that keep failing wait, even for the right password, without touching other accounts', async () => {
    const from = { ip: '198.51.100.30' };
    const fan = await t.signUp('throttled');
    const other = await t.signUp('neighbour');
    for (let i = 0; i < 5; i++) expect(codeOf(await t.call(SIGN_IN, { e: fan.user.email, p: `wrong ${i}` }, from))).toBe('UNAUTHENTICATED');
    const blocked = await t.call(SIGN_IN, { e: fan.user.email, p: fan.password }, from);
    expect(codeOf(blocked)).toBe('RATE_LIMITED');
    expect(blocked.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThan(0);
    // An account that does not exist is throttled the same way, so throttling reveals nothing.
    const ghost = `${uniqueName('ghost')}@example.com`;
    for (let i = 0; i < 5; i++) await t.call(SIGN_IN, { e: ghost, p: 'whatever it is' }, from);
    expect(codeOf(await t.call(SIGN_IN, { e: ghost, p: 'whatever it is' }, from))).toBe('RATE_LIMITED');
    expect((await t.signIn(other.user.email, other.password, from)).user.id).toBe(other.user.id);
  });

  it('throttles sign-in per address', async () => {
    const limited = await startTestIdentity({ settings: { signInAddressFailuresPerHour: 3 } });
    try {
      const from = { ip: '198.51.100.31' };
      for (let i = 0; i < 3; i++) expect(codeOf(await limited.call(SIGN_IN, { e: `${uniqueName('a')}@example.com`, p: 'some password' }, from))).toBe('UNAUTHENTICATED');
      expect(codeOf(await limited.call(SIGN_IN, { e: `${uniqueName('b')}@example.com`, p: 'some password' }, from))).toBe('RATE_LIMITED');
      // Another address is not held back.
      expect(codeOf(await limited.call(SIGN_IN, { e: `${uniqueName('c')}@example.com`, p: 'some password' }, { ip: '198.51.100.32' }))).toBe('UNAUTHENTICATED');
    } finally {
      await limited.stop();
    }
  });
});

describe('sessions', () => {
  const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken user { id email } } }`;

  it('rotates the refresh token; reusing an old one revokes the whole family', async () => {
    const fan = await t.signUp('rotor');
    const first = await t.call(REFRESH, { t: fan.refreshToken });
    const rotated = first.data!.refreshSession;
    expect(rotated.refreshToken).not.toBe(fan.refreshToken);
    expect(rotated.user).toEqual({ id: fan.user.id, email: fan.user.email });
    // The stolen, already-used token comes back: refused, and the family dies with it.
    expect(codeOf(await t.call(REFRESH, { t: fan.refreshToken }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await t.call(REFRESH, { t: rotated.refreshToken }))).toBe('UNAUTHENTICATED');
    // Another sign-in of the same user is a different family and still works.
    const other = await t.signIn(fan.user.email, fan.password);
    expect((await t.call(REFRESH, { t: other.refreshToken })).data?.refreshSession.user.id).toBe(fan.user.id);
  });

  it('lets only one of two simultaneous uses of a refresh token win', async () => {
    const fan = await t.signUp('racer');
    const results = await Promise.all([t.call(REFRESH, { t: fan.refreshToken }), t.call(REFRESH, { t: fan.refreshToken })]);
    expect(results.filter((r) => r.data?.refreshSession)).toHaveLength(1);
    expect(results.filter((r) => codeOf(r) === 'UNAUTHENTICATED')).toHaveLength(1);
  });

  it('signs out: the refresh token stops working', async () => {
    const fan = await t.signUp('leaver');
    const out = await t.call(`mutation($t: String!) { signOut(refreshToken: $t) }`, { t: fan.refreshToken });
    expect(out.data).toEqual({ signOut: true });
    expect(codeOf(await t.call(REFRESH, { t: fan.refreshToken }))).toBe('UNAUTHENTICATED');
  });
});

describe('roles', () => {
  const GRANT = `mutation($u: ID!, $r: Role!) { grantRole(userId: $u, role: $r) { id roles } }`;
  const signInAdmin = () => t.signIn(seedAdmin.email, seedAdmin.password);

  it('lets an admin grant a role, audited on the bus; a fan may not', async () => {
    const fan = await t.signUp('hopeful');
    const denied = await t.call(GRANT, { u: fan.user.id, r: 'ADMIN' }, asUser(fan));
    expect(codeOf(denied)).toBe('FORBIDDEN');
    expect(denied.data ?? null).toBeNull();
    expect(codeOf(await t.call(GRANT, { u: fan.user.id, r: 'ADMIN' }))).toBe('UNAUTHENTICATED');

    const admin = await signInAdmin();
    expect(admin.user.roles).toContain('ADMIN');
    const granted = await t.call(GRANT, { u: fan.user.id, r: 'SPONSOR' }, asUser(admin));
    expect(granted.data?.grantRole.roles).toEqual(['FAN', 'SPONSOR']);
    const audit = await eventually(() => t.bus.find((e) => e.type === 'identity.audit.recorded' && (e.payload as { targetId: string }).targetId === fan.user.id));
    expect(audit.payload).toMatchObject({ actorId: admin.user.id, action: 'identity.role.granted', targetType: 'User', details: { role: 'SPONSOR' } });
    expect(codeOf(await t.call(GRANT, { u: '00000000-0000-0000-0000-000000000000', r: 'SPONSOR' }, asUser(admin)))).toBe('NOT_FOUND');
    // The new role is in the next token.
    const again = await t.signIn(fan.user.email, fan.password);
    expect(again.user.roles).toEqual(['FAN', 'SPONSOR']);
  });

  it('shows a user\'s email only to that user and to admins', async () => {
    const a = await t.signUp('private');
    const b = await t.signUp('curious');
    const q = `query($id: ID!) { user(id: $id) { id displayName email } }`;
    expect((await t.call(q, { id: a.user.id }, asUser(b))).data?.user).toEqual({ id: a.user.id, displayName: 'private', email: null });
    expect((await t.call(q, { id: a.user.id }, asUser(a))).data?.user.email).toBe(a.user.email);
    expect((await t.call(q, { id: a.user.id }, asUser(await signInAdmin()))).data?.user.email).toBe(a.user.email);
  });
});
